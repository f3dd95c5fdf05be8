"""C1 Organisation and CSMS scope: people, CSMS roles, RACI, scope statements.

The organisation, sites and site memberships are ``otcsms.tenancy``'s (the layer below every site-scoped app).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, Q
from django.utils import timezone

from otcsms.core.models import Audited, OrgWide, SiteOwned, SiteScopedAuditedQuerySet
from otcsms.core.siterules import refuse_site_move
from otcsms.tenancy.models import Organisation, Site


class Person(Audited):
    """Someone with a CSMS responsibility; may or may not have a user account."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="people")
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="people",
        help_text="Home site; empty for organisation-wide staff (visible to every member).",
    )  # fmt: skip
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    employer = models.CharField(max_length=200, blank=True, help_text="For contractors and vendors.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    active = models.BooleanField(default=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports",
        help_text="Their line manager (same organisation): reviews their access in access reviews.",
    )  # fmt: skip

    site_path: ClassVar[str] = "site"
    objects: ClassVar = SiteScopedAuditedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.manager_id:
            return
        if self.pk is not None and self.manager_id == self.pk:
            raise ValidationError({"manager": "nobody is their own manager"})
        manager = self.manager
        if manager is not None and self.organisation_id and manager.organisation_id != self.organisation_id:
            raise ValidationError({"manager": "the manager belongs to another organisation"})
        if manager is not None and manager.site_id not in (None, self.site_id):
            # no reference joins two sites (core.siterules): a manager works at the person's site or org-wide
            raise ValidationError({"manager": "the manager works at another site"})

    @classmethod
    def site_scope_q(cls, permitted_sites: models.QuerySet[Any, Any]) -> Q:
        # Organisation-wide staff are visible to members of the organisation only: someone with no role
        # on any site (permitted_sites empty) sees nobody, as with every other organisation-wide record.
        return Q(site__in=permitted_sites) | (Q(site__isnull=True) & Q(Exists(permitted_sites)))


class CsmsRole(OrgWide):
    """A role of the CSMS (CSMS owner, site security lead, OT engineer, incident commander, ...)."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True, max_length=5000)

    class Meta:
        ordering = ["name"]
        verbose_name = "CSMS role"

    def __str__(self) -> str:
        return self.name


class CsmsActivity(OrgWide):
    """A recurring activity of the CSMS that someone must be accountable for."""

    name = models.CharField(max_length=160, unique=True)
    description = models.TextField(blank=True, max_length=5000)
    reference = models.CharField(
        max_length=120, blank=True, help_text="e.g. IEC 62443-2-1 element it serves."
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "CSMS activity"
        verbose_name_plural = "CSMS activities"

    def __str__(self) -> str:
        return self.name


class RoleAssignment(SiteOwned):
    """A person holds a CSMS role at a site."""

    role = models.ForeignKey(CsmsRole, on_delete=models.PROTECT, related_name="assignments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="role_assignments")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["site__name", "role__name", "person__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "role", "person"], name="one_assignment_per_role_person_site"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} as {self.role} at {self.site}"

    def clean(self) -> None:
        refuse_site_move(self)
        if self.person_id and self.site_id and self.person.site_id not in (None, self.site_id):
            # Keyed by the field (as every clean() here): a form shows it on the person select.
            raise ValidationError({"person": "this person belongs to another site"})
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "ends before it starts"})


class Raci(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class Responsibility(SiteOwned):
    """One cell of a site's RACI chart: for an activity, what a CSMS role is."""

    activity = models.ForeignKey(CsmsActivity, on_delete=models.PROTECT, related_name="responsibilities")
    role = models.ForeignKey(CsmsRole, on_delete=models.PROTECT, related_name="responsibilities")
    raci = models.CharField(max_length=1, choices=Raci.choices)

    class Meta:
        ordering = ["site__name", "activity__order", "role__name"]
        verbose_name_plural = "responsibilities"
        constraints = [
            models.UniqueConstraint(
                fields=["site", "activity", "role"], name="one_raci_per_activity_role_site"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.raci} for {self.activity} at {self.site}"

    def clean(self) -> None:
        refuse_site_move(self)


class ScopeStatement(SiteOwned):
    """One version of a site's CSMS scope. Versions are never edited once approved; a change is a new version.

    Its status moves only as ``org.scope_lifecycle`` allows, through ``org.services``; who drafted and who last
    edited a draft are kept so that neither can approve it (four eyes).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        SUPERSEDED = "superseded", "Superseded"
        DISCARDED = "discarded", "Discarded"

    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    statement = models.TextField(max_length=20000, help_text="What the CSMS covers at this site, and why.")
    boundaries = models.TextField(blank=True, max_length=20000, help_text="Systems and zones in scope.")
    exclusions = models.TextField(
        blank=True, max_length=20000, help_text="What is out of scope, with reasons."
    )
    bcp_title = models.CharField(max_length=200, blank=True, help_text="The site's business continuity plan.")
    bcp_reference = models.CharField(max_length=500, blank=True, help_text="Document id or URL of the BCP.")
    review_interval_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="How often the approved scope is reviewed; its review falls due this long after approval.",
    )  # fmt: skip
    review_due = models.DateField(
        null=True, blank=True, help_text="Set on approval: the approval date plus the review interval."
    )
    created_at = models.DateTimeField(default=timezone.now)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Who started this version (empty: the system, e.g. the demo).",
    )  # fmt: skip
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Who last edited the draft.",
    )  # fmt: skip
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discarded_at = models.DateTimeField(null=True, blank=True)
    discard_reason = models.TextField(blank=True, max_length=1000)

    # Not a field: set on drafts by the scope page (org.views.scope_page), for its buttons (services.refusals).
    refusals: dict[str, str | None]

    class Meta:
        ordering = ["site__name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["site", "version"], name="one_scope_version_per_site"),
            models.CheckConstraint(
                condition=Q(review_interval_months__gte=1, review_interval_months__lte=60),
                name="scope_review_interval_1_to_60_months",
            ),
        ]

    def __str__(self) -> str:
        return f"CSMS scope of {self.site} v{self.version}"

    def clean(self) -> None:
        refuse_site_move(self)
