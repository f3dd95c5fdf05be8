"""Object links: one generic, site-scoped relation from any site record to any record it concerns.

Evidence documents, findings, roadmap actions and journal entries all point at "the object this is about"
through this one model instead of a foreign key per pair of apps (NetBox's JournalEntry pattern). A link
belongs to the site of its source; its target is a record of the same site, or, for the kinds that allow
it, a piece of organisation-wide reference data such as a framework requirement ("this procedure evidences
SR 1.13"). The rules live in ``clean()``, so every path that writes a link (API, pages, services, demo)
applies them; who may see which end is the service's question (``links.services``).
"""

from __future__ import annotations

from typing import ClassVar, TypeGuard

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from otcsms.core.models import Audited, SiteOwned


class LinkKind(models.TextChoices):
    EVIDENCE = (
        "evidence",
        "Evidence",
    )  # the source evidences the target (a document for a requirement, a zone)
    SOURCE = "source", "Source"  # the target is where the source came from (an action's gap, finding or risk)
    RELATES_TO = "relates-to", "Relates to"
    JOURNAL = "journal", "Journal"  # the source is a note about the target


# Which organisation-wide records each kind may point at. Everything else must be on the link's site: a link
# never joins two sites, and evidence of one plant is never silently claimed for another.
ORG_WIDE_TARGETS: dict[str, frozenset[str]] = {
    LinkKind.EVIDENCE: frozenset({"catalogs.requirement"}),
    LinkKind.RELATES_TO: frozenset(
        {"catalogs.requirement", "catalogs.framework", "org.csmsrole", "org.csmsactivity"}
    ),
    LinkKind.SOURCE: frozenset(),
    LinkKind.JOURNAL: frozenset(),
}

# Records that are never an end of a link: accounts and their secrets, the trail itself, site access, runs
# of the checks, and links (a link about a link says nothing a note cannot).
NOT_LINKABLE: frozenset[str] = frozenset(
    {"core.user", "core.apitoken", "core.auditevent", "core.auditchainhead", "links.objectlink",
     "checks.checkrun", "tenancy.sitemembership", "tenancy.organisation"}
)  # fmt: skip


def label_of(model: type[models.Model]) -> str:
    return model._meta.label_lower


def linkable(model: type[models.Model] | None) -> TypeGuard[type[Audited]]:
    """May records of ``model`` be an end of a link? Audited, scoped by ``for_user``, and not excluded."""
    return (
        model is not None
        and issubclass(model, Audited)
        and hasattr(model._default_manager, "for_user")
        and label_of(model) not in NOT_LINKABLE
    )


class ObjectLink(SiteOwned):
    """``source`` --kind--> ``target``, with a note. Both ends are named by content type and id."""

    source_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    source_id = models.PositiveBigIntegerField()
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    note = models.CharField(max_length=500, blank=True)
    # Frozen names: the link reads well in the trail and in lists without fetching both ends.
    source_repr = models.CharField(max_length=200, blank=True, help_text="The source when it was linked.")
    target_repr = models.CharField(max_length=200, blank=True, help_text="The target when it was linked.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Empty: the system (a check, an import, the demo).",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    site_path: ClassVar[str] = "site"

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "object link"
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "target_type", "target_id", "kind"],
                name="one_link_per_source_target_kind",
                violation_error_message="these two records are already linked this way",
            )
        ]
        indexes = [
            models.Index(fields=["source_type", "source_id"], name="links_link_source"),
            models.Index(fields=["target_type", "target_id"], name="links_link_target"),
        ]

    def __str__(self) -> str:
        return f"{self.source_repr} {self.get_kind_display().lower()} {self.target_repr}"

    def source(self) -> models.Model | None:
        return _stored(self.source_type_id, self.source_id)

    def target(self) -> models.Model | None:
        return _stored(self.target_type_id, self.target_id)

    def clean(self) -> None:
        from otcsms.core.siterules import site_move_problem

        errors: dict[str, str] = {}
        if problem := site_move_problem(type(self), self.pk, self.site_id):
            errors["site"] = problem
        source = self._end("source", errors)
        target = self._end("target", errors)
        if source is not None and (problem := self._source_problem(source)):
            errors["source_id"] = problem
        if target is not None and (problem := self._target_problem(target)):
            errors["target_id"] = problem
        if errors:
            raise ValidationError(errors)
        self.source_repr, self.target_repr = str(source)[:200], str(target)[:200]

    def _end(self, end: str, errors: dict[str, str]) -> Audited | None:
        """The stored record at one end (``source`` or ``target``), or None with the reason in ``errors``."""
        type_id, object_id = getattr(self, f"{end}_type_id"), getattr(self, f"{end}_id")
        if type_id is None or object_id is None:
            return None  # field validation already says it is missing
        model = ContentType.objects.get_for_id(type_id).model_class()
        if not linkable(model):
            errors[f"{end}_type"] = "this kind of record cannot be linked"
            return None
        found = model._base_manager.filter(pk=object_id).first()
        if found is None:
            errors[f"{end}_id"] = f"no {model._meta.verbose_name} with id {object_id}"
        return found

    def _source_problem(self, source: Audited) -> str | None:
        site_id = source.audit_site_id()
        if site_id is None:
            return "a link starts at a record of a site; organisation-wide records can only be its target"
        if site_id != self.site_id:
            return f"{source._meta.verbose_name} {source} belongs to another site"
        return None

    def _target_problem(self, target: Audited) -> str | None:
        if (self.source_type_id, self.source_id) == (self.target_type_id, self.target_id):
            return "a record cannot be linked to itself"
        site_id = target.audit_site_id()
        meta = target._meta
        if site_id is None:
            if meta.label_lower not in ORG_WIDE_TARGETS.get(self.kind, frozenset()):
                return f"a {self.kind} link cannot point at organisation-wide {meta.verbose_name_plural}"
            return None
        if site_id != self.site_id:
            return f"{meta.verbose_name} {target} belongs to another site: a link never joins two sites"
        return None


def _stored(content_type_id: int, object_id: int) -> models.Model | None:
    """The record itself, unscoped (``clean`` checks the rules; the caller's view is checked before)."""
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None:
        return None
    return model._base_manager.filter(pk=object_id).first()
