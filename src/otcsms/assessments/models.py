"""C4 Gap assessment: an assessment of a site (all or some zones) against one framework version, and its
responses. A response's history is its audit trail; inferred results are computed, never stored."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from otcsms.assessments import lifecycle
from otcsms.core.models import SiteOwned


class Status(models.TextChoices):
    NOT_ASSESSED = "not_assessed", "Not assessed"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    NOT_MET = "not_met", "Not met"
    PARTIALLY_MET = "partially_met", "Partially met"
    MET = "met", "Met"


class Assessment(SiteOwned):
    class State(models.TextChoices):
        IN_PROGRESS = lifecycle.IN_PROGRESS, "In progress"
        COMPLETED = lifecycle.COMPLETED, "Completed"

    name = models.CharField(max_length=200)
    framework = models.ForeignKey("catalogs.Framework", on_delete=models.PROTECT, related_name="assessments")
    zones = models.ManyToManyField(
        "plant.Zone", blank=True, related_name="assessments", through="AssessmentZone",
        help_text="Zones in scope; none selected means every zone of the site (zone-based frameworks).",
    )  # fmt: skip
    target_maturity = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Target maturity level (IEC 62443-2-1:2024), 1-4."
    )
    target_impact = models.CharField(
        max_length=10, blank=True, help_text="NERC CIP impact rating assessed against (from the site)."
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Changed only through signoff.complete_assessment / reopen_assessment (see lifecycle.py).
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    started_on = models.DateField(default=timezone.localdate)
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True, max_length=5000)
    # Zone-based frameworks: the SL-T vector of each zone in scope when the assessment started, {"<zone id>":
    # [FR1..FR7] or null}; the assessment follows it, not the zones' current SL-T, until snapshot.rescope adopts
    # the current vectors (audited). None: an assessment of a framework answered per site.
    sl_t_snapshot = models.JSONField(null=True, blank=True, editable=False)
    # Moved only by services.bump_inference_version (UPDATE ... SET inference_version = inference_version + 1)
    # in the transaction of every change of the answers or the scope; the cached inference engines compare it.
    inference_version = models.PositiveBigIntegerField(default=0, editable=False)

    # bookkeeping: a new version is no change of the assessment itself
    audit_ignore_fields = frozenset({"inference_version"})

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_maturity__isnull=True) | Q(target_maturity__gte=1, target_maturity__lte=4),
                name="assessment_target_maturity_1_4",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.site})"

    def clean(self) -> None:
        if self.completed_on and self.completed_on < self.started_on:
            raise ValidationError({"completed_on": "completed before it started"})

    def save(self, *args, **kwargs) -> None:
        # An instance read before an answer was saved holds an older inference_version: saving it whole (a
        # rename, a completion) must not write that number back, or a cache built before the answer could
        # match again. The version is written only by its UPDATE.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "inference_version"
            ]
        super().save(*args, **kwargs)

    @property
    def answerable(self) -> bool:
        return lifecycle.answerable(self.state)


class AssessmentZone(SiteOwned):
    """A zone in an assessment's scope (an explicit, audited link)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    zone = models.ForeignKey("plant.Zone", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "zone"], name="one_link_per_assessment_zone")
        ]

    def __str__(self) -> str:
        return f"{self.zone} in {self.assessment}"


class Response(SiteOwned):
    """The answer for one requirement in one zone (or for the site, zone empty).

    In a zone-based framework a site answer (zone empty) and a zone's answer are also inherited by the zones
    below: a zone without an answer of its own takes its nearest ancestor zone's, else the site's (see
    ``inheritance.py``). Inherited answers are computed, never stored."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    requirement = models.ForeignKey("catalogs.Requirement", on_delete=models.PROTECT, related_name="+")
    zone = models.ForeignKey("plant.Zone", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_ASSESSED)
    maturity = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=10000)
    evidence = models.JSONField(
        default=list, blank=True, help_text="References or URLs of the evidence (documents, once C5 lands)."
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who closes the gap: a member of the site.",
    )  # fmt: skip
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessment_id", "zone_id", "requirement__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "requirement", "zone"], condition=Q(zone__isnull=False),
                name="one_response_per_requirement_and_zone",
            ),
            models.UniqueConstraint(
                fields=["assessment", "requirement"], condition=Q(zone__isnull=True),
                name="one_site_response_per_requirement",
            ),
            models.CheckConstraint(
                condition=Q(maturity__isnull=True) | Q(maturity__gte=0, maturity__lte=4), name="response_maturity_0_4"
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["assessment", "status"])]

    def __str__(self) -> str:
        where = f" in {self.zone}" if self.zone_id else ""
        return f"{self.requirement.ref}{where}: {self.get_status_display()}"

    def clean(self) -> None:
        if self.status == Status.NOT_APPLICABLE and not self.comment.strip():
            raise ValidationError({"comment": "say why the requirement does not apply"})
        if not isinstance(self.evidence, list) or not all(
            isinstance(item, str) and 0 < len(item) <= 500 for item in self.evidence
        ):
            raise ValidationError({"evidence": "a list of references or URLs, each 1-500 characters"})
        if len(self.evidence) > 50:
            raise ValidationError({"evidence": "at most 50 evidence references"})
