"""The links panel every object page shows (linked records, open findings) and its add/remove forms.

Pages include ``web/_links_panel.html`` with ``link_panel(user, obj)`` in their context; the generic detail
view does it for every page built on it. Writes go through ``links.services``, which checks who may link what.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from otcsms.checks.models import SEVERITY_ORDER, Finding
from otcsms.core.http import AuthedRequest
from otcsms.core.inputs import parse_id
from otcsms.core.scoping import may_write
from otcsms.links import services as links
from otcsms.links.models import LinkKind, ObjectLink, linkable

# Pages whose URL name is not "<model name>_detail" with the object's id (the default below).
_DETAIL_URLS = {
    "tenancy.sitemembership": ("web:membership_detail", "pk"),
    "plant.systemunderconsideration": ("web:system_detail", "pk"),
    "plant.protocolendpoint": ("web:asset_detail", "asset_id"),
    "assessments.response": ("web:assessment_detail", "assessment_id"),
    "assessments.assessmentzone": ("web:assessment_detail", "assessment_id"),
    "org.scopestatement": ("web:scope", "site_id"),
}


def object_url(obj: models.Model | None) -> str | None:
    """The page of ``obj``, or None when it has none."""
    if obj is None:
        return None
    name, attr = _DETAIL_URLS.get(obj._meta.label_lower, (f"web:{obj._meta.model_name}_detail", "pk"))
    try:
        return reverse(name, args=[getattr(obj, attr)])
    except NoReverseMatch:
        return None


@functools.cache
def linkable_types() -> list[tuple[str, str]]:
    """(``app.model``, "Verbose name") of every kind of record a link may point at, for the form's select
    (computed once: the models do not change while the process runs)."""
    from django.apps import apps

    found = [
        (m._meta.label_lower, str(m._meta.verbose_name).capitalize())
        for m in apps.get_models()
        if linkable(m)
    ]
    return sorted(found, key=lambda pair: pair[1])


def link_panel(user, obj: models.Model) -> dict[str, Any]:
    """What the links panel of ``obj``'s page shows to ``user``."""
    rows = [
        {
            "row": row,
            "url": object_url(row.other),
            "may_remove": may_write(user, ObjectLink, row.link.site_id),
        }
        for row in links.link_rows(obj, user)
    ]
    site_id = obj.audit_site_id() if hasattr(obj, "audit_site_id") else None
    return {
        "object_label": obj._meta.label_lower,
        "object_pk": obj.pk,
        "object_name": str(obj),
        "link_rows": rows,
        "open_findings": open_findings_of(user, obj),
        "can_link": site_id is not None and may_write(user, ObjectLink, site_id),
        "link_kinds": LinkKind.choices,
        "link_types": linkable_types(),
    }


def open_findings_of(user, obj: models.Model) -> list[Finding]:
    """Live findings (open or accepted) about ``obj`` that ``user`` may see, most severe first."""
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(obj)
    found = Finding.objects.for_user(user).filter(
        object_type=content_type, object_id=obj.pk, status__in=(Finding.Status.OPEN, Finding.Status.ACCEPTED)
    )
    rank = {severity: i for i, severity in enumerate(SEVERITY_ORDER)}
    return sorted(found, key=lambda f: (rank.get(f.severity, 9), f.check_id))


def safe_next(raw: str | None, fallback: str = "/") -> str:
    """A local path to go back to: never another host (``//evil``) nor a scheme."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return fallback


@login_required
@require_POST
def add_link(request: AuthedRequest) -> HttpResponse:
    back = safe_next(request.POST.get("next"))
    source_id = parse_id(request.POST.get("source_id", ""))
    if source_id is None:
        messages.error(request, "That record cannot be linked.")
        return redirect(back)
    try:
        source = links.visible_object(request.POST.get("source_type", "")[:100], source_id, request.user)
        site_id = source.audit_site_id()
        if site_id is None:
            raise links.LinkInputError("a link starts at a record of a site; link from the other record")
        target = links.find_record(
            request.POST.get("target_type", "")[:100],
            request.POST.get("target", "")[:200],
            request.user,
            site_id,
        )
        link = links.create_link(
            site_id=site_id, source_type=source._meta.label_lower, source_id=source.pk,
            target_type=target._meta.label_lower, target_id=target.pk, kind=request.POST.get("kind", "")[:20],
            note=request.POST.get("note", "")[:500], by=request.user,
        )  # fmt: skip
    except links.LinkForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except (links.LinkInputError, links.LinkConflictError) as exc:
        messages.error(request, f"Not linked: {exc}.")
    else:
        messages.success(request, f"Linked: {link}.")
    return redirect(back)


@login_required
@require_POST
def remove_link(request: AuthedRequest, pk: int) -> HttpResponse:
    link = ObjectLink.objects.for_user(request.user).filter(pk=pk).first()
    if link is None:
        raise Http404("no such link")
    try:
        links.remove_link(link, by=request.user, reason=request.POST.get("reason", "")[:500])
    except links.LinkForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except links.LinkInputError as exc:
        messages.error(request, f"Not removed: {exc}.")
    else:
        messages.success(request, f"Removed the link {link}.")
    return redirect(safe_next(request.POST.get("next")))
