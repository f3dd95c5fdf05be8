"""Linking records: create and remove object links, and list the links of a record as a user may see them.

Services take plain values and the acting user (``by``; None for system entry points such as the demo or a
check, which their entry point authorised). The order of the checks is the platform's: permission on the
site first, then whether the caller can see each end (the same answer whether or not it exists), then the
model's own rules (``ObjectLink.clean``: same site, kinds that may point at organisation-wide records).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete

from otcsms.core.audit import with_reason
from otcsms.core.crud import scoped
from otcsms.core.inputs import parse_id, text_problem
from otcsms.core.models import Audited
from otcsms.core.scoping import UserLike, may_write
from otcsms.links.models import LinkKind, ObjectLink, label_of, linkable

if TYPE_CHECKING:
    from otcsms.core.models import User

MAX_NOTE = 500


class LinkInputError(ValueError):
    """A value the link cannot take: an unknown kind of record, an end the caller cannot see (422)."""


class LinkForbiddenError(Exception):
    """The caller may not link records of this site (403)."""


class LinkConflictError(Exception):
    """The two records are already linked this way (409)."""


def model_for(label: str) -> type[Audited]:
    """The linkable model named ``app.model`` (``plant.zone``), or LinkInputError."""
    model: type[models.Model] | None
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        model = None
    if not linkable(model):
        raise LinkInputError(f"{label[:100]!r} is not a kind of record that can be linked")
    return model


def visible_object(label: str, object_id: int, user: UserLike | None) -> Audited:
    """The record ``label``/``object_id`` if ``user`` (None: the system) may see it, else LinkInputError."""
    model = model_for(label)
    rows = model._default_manager.all() if user is None else scoped(model, user)
    found: Audited | None = rows.filter(pk=object_id).first()
    if found is None:
        raise LinkInputError(f"no {model._meta.verbose_name} with id {object_id}")
    return found


def find_record(label: str, text: str, user: UserLike, site_id: int) -> Audited:
    """The record of kind ``label`` that ``text`` names for ``user``: its id, or its exact name (a requirement:
    its id as the current catalog writes it, e.g. ``SR 1.1``). Site records are looked up on ``site_id``."""
    model = model_for(label)
    text = text.strip()
    if not text:
        raise LinkInputError(f"name the {model._meta.verbose_name} to link (its name or id)")
    rows = scoped(model, user)
    found: list[Audited]
    if (pk := parse_id(text)) is not None:
        found = list(rows.filter(pk=pk)[:1])
    else:
        found = list(rows.filter(_named(model, text, site_id))[:2])
    if not found:
        raise LinkInputError(f"no {model._meta.verbose_name} {text[:100]!r} that you can see")
    if len(found) > 1:
        raise LinkInputError(f"more than one {model._meta.verbose_name} is named {text[:100]!r}: give its id")
    return found[0]


def _named(model: type[models.Model], text: str, site_id: int) -> Q:
    names = {f.name for f in model._meta.get_fields()}
    if label_of(model) == "catalogs.requirement":
        return Q(ref__iexact=text, framework__is_current=True)
    condition = Q(name__iexact=text) if "name" in names else Q(pk__in=[])
    site_path = getattr(model, "site_path", None)  # organisation-wide models have none
    if site_path:
        # the link's own site (or no site: organisation-wide staff), so a name shared by two sites is no clash
        condition &= Q(**{site_path: site_id}) | Q(**{f"{site_path}__isnull": True})
    return condition


def create_link(
    *,
    site_id: int,
    source_type: str,
    source_id: int,
    target_type: str,
    target_id: int,
    kind: str,
    note: str = "",
    by: User | None = None,
) -> ObjectLink:
    """Link ``source`` to ``target`` on ``site_id``: contributors, approvers and site admins of that site."""
    if by is not None and not may_write(by, ObjectLink, site_id, "change"):
        raise LinkForbiddenError("only contributors, approvers and site admins of the site link its records")
    if kind not in LinkKind.values:
        raise LinkInputError(f"kind: one of {', '.join(LinkKind.values)}")
    note = note.strip()
    if len(note) > MAX_NOTE or (problem := text_problem(note, multiline=False)):
        raise LinkInputError(f"note: {problem or f'at most {MAX_NOTE} characters'}")
    source = visible_object(source_type, source_id, by)
    target = visible_object(target_type, target_id, by)
    link = ObjectLink(
        site_id=site_id, source_type=ContentType.objects.get_for_model(source), source_id=source.pk,
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk, kind=kind, note=note,
        created_by=by,
    )  # fmt: skip
    with transaction.atomic():
        if _exists(link):
            raise LinkConflictError(f"{source} and {target} are already linked as {kind}")
        try:
            link.full_clean(validate_constraints=False)
        except ValidationError as exc:
            raise LinkInputError(_first_message(exc)) from None
        link.save()
    return link


def remove_link(link: ObjectLink, *, by: User | None = None, reason: str = "") -> None:
    """Remove a link (the audit trail keeps it, with the reason)."""
    if by is not None and not may_write(by, ObjectLink, link.site_id, "change"):
        raise LinkForbiddenError("only contributors, approvers and site admins of the site remove its links")
    if problem := text_problem(reason, multiline=True):
        raise LinkInputError(f"reason: {problem}")
    with transaction.atomic():
        with_reason(link, reason[:500]).delete()


def links_of(obj: models.Model, user: UserLike) -> models.QuerySet[ObjectLink]:
    """Links from or to ``obj`` that ``user`` may see, newest first."""
    content_type = ContentType.objects.get_for_model(obj)
    ends = Q(source_type=content_type, source_id=obj.pk) | Q(target_type=content_type, target_id=obj.pk)
    return ObjectLink.objects.for_user(user).filter(ends).select_related("created_by")


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A link as seen from one of its ends: the record at the other end, and which way the link points."""

    link: ObjectLink
    outgoing: bool  # True: this record is the source
    other: models.Model | None  # None: the other end is not visible to the reader (or no longer stored)
    other_repr: str


def link_rows(obj: models.Model, user: UserLike, limit: int = 200) -> list[LinkRow]:
    """The links of ``obj`` with the record at the other end of each, fetched one query per kind of record."""
    content_type = ContentType.objects.get_for_model(obj)
    links = list(links_of(obj, user)[:limit])
    wanted: dict[int, set[int]] = {}
    for link in links:
        type_id, object_id = _other_end(link, content_type.pk, obj.pk)
        wanted.setdefault(type_id, set()).add(object_id)
    found = {type_id: _visible_batch(type_id, ids, user) for type_id, ids in wanted.items()}
    rows = []
    for link in links:
        outgoing = (link.source_type_id, link.source_id) == (content_type.pk, obj.pk)
        type_id, object_id = _other_end(link, content_type.pk, obj.pk)
        other = found[type_id].get(object_id)
        rows.append(LinkRow(link, outgoing, other, link.target_repr if outgoing else link.source_repr))
    return rows


def _other_end(link: ObjectLink, type_id: int, object_id: int) -> tuple[int, int]:
    if (link.source_type_id, link.source_id) == (type_id, object_id):
        return link.target_type_id, link.target_id
    return link.source_type_id, link.source_id


def _visible_batch(type_id: int, ids: set[int], user: UserLike) -> dict[int, models.Model]:
    model = ContentType.objects.get_for_id(type_id).model_class()
    if model is None or not linkable(model):
        return {}
    batch: dict[int, models.Model] = scoped(model, user).in_bulk(list(ids))
    return batch


def _exists(link: ObjectLink) -> bool:
    return ObjectLink.objects.filter(
        source_type=link.source_type, source_id=link.source_id, target_type=link.target_type,
        target_id=link.target_id, kind=link.kind,
    ).exists()  # fmt: skip


def _first_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return f"{field}: {messages[0]}"
    return exc.messages[0]


# --- a deleted record takes its links with it --------------------------------------------------------


def _drop_links_of_deleted(
    sender: type[models.Model], instance: models.Model, using: str = "default", **kwargs: Any
) -> None:
    """A link to nothing says nothing: when a record is deleted, so are its links (each one audited, in the
    same transaction as the deletion)."""
    content_type = ContentType.objects.db_manager(using).get_for_model(sender)
    ends = Q(source_type=content_type, source_id=instance.pk) | Q(
        target_type=content_type, target_id=instance.pk
    )
    for link in ObjectLink.objects.using(using).filter(ends):
        with_reason(link, f"{label_of(sender)} {instance.pk} was deleted").delete()


def connect_signals() -> None:
    # One receiver per linkable model, never one for every sender: a receiver without a sender would cost
    # every other model (sessions, login attempts) Django's fast bulk delete.
    for model in apps.get_models():
        if linkable(model):
            uid = f"otcsms-links-follow-deletions-{label_of(model)}"
            post_delete.connect(_drop_links_of_deleted, sender=model, dispatch_uid=uid)
