"""C12 Continuous improvement: KPI snapshots (a site's KPIs over time), management reviews with their inputs
and decisions, and nonconformities with their root cause and corrective action.

A decision and a corrective action become roadmap actions: the row keeps its action (``action``) and the action
keeps where it came from (a ``source`` link to the decision or the nonconformity), so either side leads to the
other. KPIs are declared by the apps that own the data (``core.registry.Kpi``); a snapshot stores one value of
one KPI (and one series of it: a framework, a severity) for one site at one time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from otcsms.core.models import SiteOwned
from otcsms.core.siterules import refuse_site_move
from otcsms.roadmap.models import Action


class KpiSnapshot(SiteOwned):
    """One KPI value of a site at one time (a series of it when the KPI is measured several ways)."""

    kpi = models.CharField(max_length=100)
    series = models.CharField(max_length=200, blank=True)
    value = models.FloatField()
    captured_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["site_id", "kpi", "series", "captured_at"]
        verbose_name = "KPI snapshot"
        constraints = [
            models.UniqueConstraint(
                fields=["site", "kpi", "series", "captured_at"], name="improvement_one_value_per_time"
            )
        ]
        indexes = [models.Index(fields=["site", "captured_at"], name="improvement_kpi_site_time")]

    def __str__(self) -> str:
        series = f" [{self.series}]" if self.series else ""
        return f"{self.kpi}{series} = {self.value:g} at {self.captured_at:%Y-%m-%d %H:%M}"


class ManagementReview(SiteOwned):
    """Top management's periodic review of the CSMS: its inputs (KPIs, findings, drill and audit results,
    changes in threats), gathered when it is held, and the decisions it takes."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"

    title = models.CharField(max_length=200)
    planned_on = models.DateField()
    held_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.CharField(max_length=1000, blank=True)
    drill_results = models.TextField(
        blank=True, max_length=5000, help_text="Exercises since the last review."
    )
    audit_results = models.TextField(
        blank=True, max_length=5000, help_text="Internal and external audits since the last review."
    )
    threat_changes = models.TextField(
        blank=True, max_length=5000, help_text="Changes in threats, vulnerabilities and the plant."
    )
    summary = models.TextField(blank=True, max_length=5000, help_text="Conclusions on the CSMS's fitness.")
    # What the platform knew when the inputs were gathered: KPIs, findings, overdue reviews, nonconformities,
    # threat-model reviews. Set by services.gather_inputs, never edited by hand.
    inputs = models.JSONField(default=dict, blank=True, editable=False)
    inputs_gathered_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["site_id", "-planned_on", "-pk"]
        verbose_name = "management review"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["planned", "held"]), name="improvement_review_status"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        refuse_site_move(self)
        if self.status == self.Status.HELD and self.held_on is None:
            raise ValidationError({"held_on": "a held review has the day it was held"})


class Decision(SiteOwned):
    """A decision of a management review: what is to be done, by whom, by when; its roadmap action."""

    review = models.ForeignKey(ManagementReview, on_delete=models.CASCADE, related_name="decisions")
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["review_id", "pk"]
        verbose_name = "management-review decision"

    def __str__(self) -> str:
        return self.text[:200]

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        """A decision belongs to its review's site (the API's write check is made on it)."""
        review_id = data.get("review_id")
        if not isinstance(review_id, int):
            return None
        site_id: int | None = (
            ManagementReview.objects.filter(pk=review_id).values_list("site_id", flat=True).first()
        )
        return site_id

    def clean(self) -> None:
        refuse_site_move(self)
        if self.review_id and self.site_id and self.review.site_id != self.site_id:
            raise ValidationError({"review": "the review belongs to another site"})


class Nonconformity(SiteOwned):
    """Something that does not conform to a requirement of the CSMS: where it was found, why it happened (root
    cause), what was done at once (correction) and what stops it coming back (corrective action)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTION = "action", "Corrective action under way"
        CLOSED = "closed", "Closed"

    class Source(models.TextChoices):
        INTERNAL_AUDIT = "internal-audit", "Internal audit"
        EXTERNAL_AUDIT = "external-audit", "External audit"
        MANAGEMENT_REVIEW = "management-review", "Management review"
        FINDING = "finding", "Check finding"
        INCIDENT = "incident", "Incident or drill"
        OTHER = "other", "Other"

    class Grade(models.TextChoices):
        MAJOR = "major", "Major"
        MINOR = "minor", "Minor"
        OBSERVATION = "observation", "Observation"

    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTERNAL_AUDIT)
    grade = models.CharField(max_length=12, choices=Grade.choices, default=Grade.MINOR)
    requirement = models.CharField(
        max_length=100,
        blank=True,
        help_text="The requirement not met, as its catalog writes it (e.g. SR 1.3).",
    )
    detected_on = models.DateField(default=timezone.localdate)
    root_cause = models.TextField(blank=True, max_length=5000)
    correction = models.TextField(blank=True, max_length=5000, help_text="What was done at once.")
    corrective_action = models.TextField(
        blank=True, max_length=5000, help_text="What removes the root cause (becomes a roadmap action)."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["site_id", "-detected_on", "-pk"]
        verbose_name = "nonconformity"
        verbose_name_plural = "nonconformities"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "action", "closed"]), name="improvement_nc_status"
            ),
        ]

    @classmethod
    def roadmap_closed(cls, ids: Iterable[int]) -> dict[int, str]:
        """The closed ones among ``ids``, with how: the roadmap closes their corrective actions (sources.py)."""
        return {pk: "nonconformity closed" for pk in cls.objects.filter(pk__in=list(ids), status=cls.Status.CLOSED)
                .values_list("pk", flat=True)}  # fmt: skip

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        refuse_site_move(self)
        if self.status == self.Status.CLOSED and not self.root_cause.strip():
            raise ValidationError(
                {"root_cause": "a nonconformity is closed only once its root cause is known"}
            )
