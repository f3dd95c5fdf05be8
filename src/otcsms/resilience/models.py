"""C10 Incident response and drills: IR plans, the drill scenario library, exercises and incident records.

An IR plan is an evidence document of kind *plan* (``evidence.Document``: its versions, approvals and reviews
are the evidence app's) plus what the response needs: the CSMS roles it assigns, whom to call, the business
continuity plan it hands over to, and when it was last tested (the latest exercise held against it).

An exercise drills a scenario of the shipped library at a site: its timeline (injects, actions, observations,
each at a time, some marked as milestones) gives the measured times; each success criterion of the scenario
gets an outcome; each lesson learned becomes a roadmap action (``roadmap.services.link_source`` keeps the
lesson as the action's source). An incident record has its own timeline and, when it is reportable under NERC
CIP-008, its notification deadlines (``timing.cip008_deadlines``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from otcsms.core.models import OrgWide, SiteOwned
from otcsms.core.siterules import refuse_site_move
from otcsms.resilience import timing


# --- the scenario library ----------------------------------------------------------------------------------
class DrillScenario(OrgWide):
    """A drill scenario: what happens (injects, at minutes from the start), what the team is expected to do,
    and how success is judged. The shipped ones come from ``scenarios.yaml`` (``services.load_library``)."""

    key = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=5000)
    protocols = models.CharField(max_length=200, blank=True, help_text="e.g. Modbus/TCP, DNP3, OPC UA.")
    # [{"minute": int, "text": str}], ordered by minute
    injects = models.JSONField(default=list)
    # [str]
    expected_actions = models.JSONField(default=list)
    # [{"key": slug, "text": str}]
    success_criteria = models.JSONField(default=list)
    shipped = models.BooleanField(default=False, help_text="From the library otcsms ships.")

    class Meta:
        ordering = ["title"]
        verbose_name = "drill scenario"

    def __str__(self) -> str:
        return self.title

    def criterion_text(self, key: str) -> str:
        return next((c["text"] for c in self.success_criteria if c.get("key") == key), key)


# --- settings per site --------------------------------------------------------------------------------------
class DrillCadence(SiteOwned):
    """How often a site drills its incident response (without a row: 15 months at NERC CIP sites, else 12)."""

    months = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Months between drills (NERC CIP-008 R2 asks for at most 15).",
    )
    programme_start = models.DateField(
        default=timezone.localdate,
        help_text="With no drill held yet, the first one is due this long after this day.",
    )

    class Meta:
        ordering = ["site_id"]
        verbose_name = "drill cadence"
        constraints = [models.UniqueConstraint(fields=["site"], name="resilience_one_cadence_per_site")]

    def __str__(self) -> str:
        return f"drills every {self.months} months at {self.site}"

    def clean(self) -> None:
        refuse_site_move(self)


# --- IR plans -----------------------------------------------------------------------------------------------
class IrPlan(SiteOwned):
    """A site's incident response plan: a controlled document (kind plan) and the response's metadata."""

    document = models.OneToOneField(
        "evidence.Document", on_delete=models.PROTECT, related_name="ir_plan",
        help_text="The plan's document (kind Plan): its versions and approvals are kept there.",
    )  # fmt: skip
    scope = models.TextField(blank=True, max_length=5000, help_text="Incidents and systems the plan covers.")
    bcp_document = models.ForeignKey(
        "evidence.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="business continuity plan",
        help_text="The BCP document; empty: the BCP named by the site's CSMS scope statement.",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["site_id", "pk"]
        verbose_name = "IR plan"

    def __str__(self) -> str:
        return str(self.document) if self.document_id else "IR plan"

    def clean(self) -> None:
        refuse_site_move(self)
        errors: dict[str, str] = {}
        if self.document_id:
            doc = self.document
            if doc.site_id != self.site_id:
                errors["document"] = "the plan's document belongs to another site"
            elif doc.kind != "plan":
                errors["document"] = f"an IR plan is a document of kind Plan, not {doc.get_kind_display()}"
        if (bcp := self.bcp_document if self.bcp_document_id else None) is not None:
            if bcp.site_id != self.site_id:
                errors["bcp_document"] = "the business continuity plan belongs to another site"
            elif self.bcp_document_id == self.document_id:
                errors["bcp_document"] = "the business continuity plan is another document than the IR plan"
        if errors:
            raise ValidationError(errors)

    def last_tested(self) -> dt.date | None:
        held = self.exercises.filter(status=Exercise.Status.HELD).order_by("-held_on")
        day: dt.date | None = held.values_list("held_on", flat=True).first()
        return day


def _parent_site(model: type[models.Model], data: Mapping[str, Any], name: str) -> int | None:
    value = data.get(f"{name}_id")
    if not isinstance(value, int):
        return None
    site_id: int | None = model._default_manager.filter(pk=value).values_list("site_id", flat=True).first()
    return site_id


class PlanRole(SiteOwned):
    """A CSMS role the plan gives a duty in the response (from the site's RACI and role assignments)."""

    plan = models.ForeignKey(IrPlan, on_delete=models.CASCADE, related_name="roles")
    role = models.ForeignKey("org.CsmsRole", on_delete=models.PROTECT, related_name="+")
    duty = models.CharField(max_length=500, help_text="What this role does in a response.")

    class Meta:
        ordering = ["plan_id", "role__name"]
        verbose_name = "IR plan role"
        constraints = [models.UniqueConstraint(fields=["plan", "role"], name="resilience_role_once_per_plan")]

    def __str__(self) -> str:
        return f"{self.role}: {self.duty}"

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        return _parent_site(IrPlan, data, "plan")

    def clean(self) -> None:
        refuse_site_move(self)
        if self.plan_id and self.site_id != self.plan.site_id:
            raise ValidationError({"plan": "the plan belongs to another site"})


class PlanContact(SiteOwned):
    """Whom to call during a response, in order (people of the site or organisation-wide staff)."""

    plan = models.ForeignKey(IrPlan, on_delete=models.CASCADE, related_name="contacts")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=200, help_text="e.g. incident commander, vendor support, E-ISAC.")
    phone = models.CharField(max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(999)])

    class Meta:
        ordering = ["plan_id", "order", "pk"]
        verbose_name = "IR plan contact"
        constraints = [
            models.UniqueConstraint(fields=["plan", "person", "purpose"], name="resilience_contact_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.purpose})"

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        return _parent_site(IrPlan, data, "plan")

    def clean(self) -> None:
        refuse_site_move(self)
        errors: dict[str, str] = {}
        if self.plan_id and self.site_id != self.plan.site_id:
            errors["plan"] = "the plan belongs to another site"
        if self.person_id and self.person.site_id not in (None, self.site_id):
            errors["person"] = "this person belongs to another site"
        if errors:
            raise ValidationError(errors)


# --- exercises ----------------------------------------------------------------------------------------------
class Exercise(SiteOwned):
    """A drill of a scenario at a site: scheduled, then held (with its timeline and outcomes) or cancelled."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=200)
    scenario = models.ForeignKey(
        DrillScenario, on_delete=models.PROTECT, related_name="exercises",
        error_messages={"null": "a drill needs a scenario", "blank": "a drill needs a scenario"},
    )  # fmt: skip
    plan = models.ForeignKey(
        IrPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="exercises",
        verbose_name="IR plan", help_text="The plan the drill tests (its 'last tested' date).",
    )  # fmt: skip
    scheduled_for = models.DateField(
        error_messages={"null": "a drill needs a date", "blank": "a drill needs a date"},
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    held_on = models.DateField(null=True, blank=True)
    started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the first inject was given: the measured times count from here.",
    )
    facilitator = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        verbose_name = "exercise"
        indexes = [models.Index(fields=["site", "status", "held_on"], name="resilience_exercise_held")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        refuse_site_move(self)
        errors: dict[str, str] = {}
        if self.status == self.Status.HELD and self.held_on is None:
            errors["held_on"] = "a drill that was held has the day it was held"
        if self.held_on and self.held_on > timezone.localdate():
            errors["held_on"] = "a drill cannot have been held in the future"
        if (plan := self.plan if self.plan_id else None) is not None and plan.site_id != self.site_id:
            errors["plan"] = "the IR plan belongs to another site"
        facilitator = self.facilitator if self.facilitator_id else None
        if facilitator is not None and facilitator.site_id not in (None, self.site_id):
            errors["facilitator"] = "this person belongs to another site"
        if errors:
            raise ValidationError(errors)

    def measured_times(self) -> list[timing.Measure]:
        marks = [(e.at, e.milestone) for e in self.entries.all() if e.milestone]
        start = self.started_at
        if start is None:
            start = self.entries.order_by("at").values_list("at", flat=True).first()
        return timing.measured_times(start, marks)


class ExerciseChild(SiteOwned):
    """A row of an exercise: on the exercise's site, which it never leaves."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        return _parent_site(Exercise, data, "exercise")

    def clean(self) -> None:
        refuse_site_move(self)
        if self.exercise_id and self.site_id != self.exercise.site_id:
            raise ValidationError({"exercise": "the exercise belongs to another site"})


class Participant(ExerciseChild):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=200, blank=True, help_text="Their part in the drill.")

    class Meta:
        ordering = ["exercise_id", "person__name"]
        verbose_name = "exercise participant"
        constraints = [
            models.UniqueConstraint(fields=["exercise", "person"], name="resilience_participant_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.exercise}"

    def clean(self) -> None:
        super().clean()
        if self.person_id and self.person.site_id not in (None, self.site_id):
            raise ValidationError({"person": "this person belongs to another site"})


class EntryKind(models.TextChoices):
    INJECT = "inject", "Inject"
    ACTION = "action", "Action"
    OBSERVATION = "observation", "Observation"
    DECISION = "decision", "Decision"


class Milestone(models.TextChoices):
    DETECTED = timing.DETECTED, "Detected"
    ESCALATED = timing.ESCALATED, "Escalated"
    CONTAINED = timing.CONTAINED, "Contained"
    RECOVERED = timing.RECOVERED, "Recovered"


class ExerciseEntry(ExerciseChild):
    """One line of an exercise's timeline, at a time (UTC); a milestone mark feeds the measured times."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=EntryKind.choices, default=EntryKind.ACTION)
    text = models.CharField(max_length=1000)
    milestone = models.CharField(max_length=12, choices=Milestone.choices, blank=True)

    class Meta:
        ordering = ["exercise_id", "at", "pk"]
        verbose_name = "exercise timeline entry"
        verbose_name_plural = "exercise timeline entries"

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.text[:60]}"


class Outcome(models.TextChoices):
    MET = "met", "Met"
    PARTLY = "partly", "Partly met"
    NOT_MET = "not-met", "Not met"


class CriterionOutcome(ExerciseChild):
    """How the exercise did against one success criterion of its scenario."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="outcomes")
    criterion = models.SlugField(max_length=60, help_text="The key of the scenario's success criterion.")
    result = models.CharField(max_length=8, choices=Outcome.choices)
    note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["exercise_id", "pk"]
        verbose_name = "criterion outcome"
        constraints = [
            models.UniqueConstraint(fields=["exercise", "criterion"], name="resilience_outcome_once")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.get_result_display()}"

    def clean(self) -> None:
        super().clean()
        if self.exercise_id and self.criterion:
            keys = [c.get("key") for c in self.exercise.scenario.success_criteria]
            if self.criterion not in keys:
                raise ValidationError(
                    {
                        "criterion": f"not a success criterion of the scenario; one of: {', '.join(map(str, keys))}"
                    }
                )


class Lesson(ExerciseChild):
    """A lesson learned from an exercise; ``services.add_lesson`` makes it a roadmap action at once."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    action = models.ForeignKey(
        "roadmap.Action", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The roadmap action it became (its source link points back here).",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["exercise_id", "pk"]
        verbose_name = "lesson learned"
        verbose_name_plural = "lessons learned"

    def __str__(self) -> str:
        return self.title


# --- incidents ----------------------------------------------------------------------------------------------
class Incident(SiteOwned):
    """A real cybersecurity incident at a site, its timeline, what it touched and whether it is reportable."""

    class Classification(models.TextChoices):
        MALWARE = "malware", "Malware / ransomware"
        UNAUTHORISED_ACCESS = "unauthorised-access", "Unauthorised access"
        UNAUTHORISED_CONTROL = "unauthorised-control", "Unauthorised control action"
        DENIAL_OF_SERVICE = "denial-of-service", "Denial of service / loss of view"
        CREDENTIAL = "credential", "Credential or certificate compromise"
        PHYSICAL = "physical", "Physical security breach"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONTAINED = "contained", "Contained"
        RECOVERED = "recovered", "Recovered"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    classification = models.CharField(max_length=24, choices=Classification.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    detected_at = models.DateTimeField()
    reportable = models.BooleanField(
        "reportable (NERC CIP-008)", default=False,
        help_text="Determined to be a Reportable Cyber Security Incident (or an attempt) under CIP-008.",
    )  # fmt: skip
    determined_reportable_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it was determined reportable: the notification clock starts here.",
    )
    plan = models.ForeignKey(
        IrPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name="IR plan",
    )
    zones = models.ManyToManyField("plant.Zone", through="IncidentZone", related_name="+", blank=True)
    assets = models.ManyToManyField("plant.Asset", through="IncidentAsset", related_name="+", blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        verbose_name = "incident"
        indexes = [models.Index(fields=["site", "status"], name="resilience_incident_status")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        refuse_site_move(self)
        errors: dict[str, str] = {}
        if self.reportable and self.determined_reportable_at is None:
            errors["determined_reportable_at"] = (
                "a reportable incident has the time it was determined reportable"
            )
        if not self.reportable and self.determined_reportable_at is not None:
            errors["determined_reportable_at"] = "only a reportable incident has this time"
        if (
            self.determined_reportable_at
            and self.detected_at
            and self.determined_reportable_at < self.detected_at
        ):
            errors["determined_reportable_at"] = "determined reportable before it was detected"
        if (plan := self.plan if self.plan_id else None) is not None and plan.site_id != self.site_id:
            errors["plan"] = "the IR plan belongs to another site"
        if errors:
            raise ValidationError(errors)

    def deadlines(self) -> list[timing.Deadline]:
        if not self.reportable:
            return []
        rows = list(self.entries.values_list("at", "kind"))
        return timing.cip008_deadlines(
            self.determined_reportable_at,
            [at for at, kind in rows if kind == IncidentEntry.Kind.NEW_INFORMATION],
            [at for at, kind in rows if kind == IncidentEntry.Kind.NOTIFICATION],
        )


class IncidentChild(SiteOwned):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        return _parent_site(Incident, data, "incident")

    def clean(self) -> None:
        refuse_site_move(self)
        if self.incident_id and self.site_id != self.incident.site_id:
            raise ValidationError({"incident": "the incident belongs to another site"})


class IncidentEntry(IncidentChild):
    """One line of an incident's timeline. *New information* and *notification* lines drive the CIP-008
    deadlines; a milestone mark gives the incident's measured times."""

    class Kind(models.TextChoices):
        OBSERVATION = "observation", "Observation"
        ACTION = "action", "Action"
        NEW_INFORMATION = "new-information", "New information"
        NOTIFICATION = "notification", "Notification sent (E-ISAC / CISA)"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ACTION)
    text = models.CharField(max_length=1000)
    milestone = models.CharField(max_length=12, choices=Milestone.choices, blank=True)

    class Meta:
        ordering = ["incident_id", "at", "pk"]
        verbose_name = "incident timeline entry"
        verbose_name_plural = "incident timeline entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:60]}"


class IncidentZone(IncidentChild):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="zone_rows")
    zone = models.ForeignKey("plant.Zone", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["incident_id", "zone__name"]
        verbose_name = "affected zone"
        constraints = [models.UniqueConstraint(fields=["incident", "zone"], name="resilience_zone_once")]

    def __str__(self) -> str:
        return f"{self.incident} affects {self.zone}"

    def clean(self) -> None:
        super().clean()
        if self.zone_id and self.zone.site_id != self.site_id:
            raise ValidationError({"zone": "the zone belongs to another site"})


class IncidentAsset(IncidentChild):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="asset_rows")
    asset = models.ForeignKey("plant.Asset", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["incident_id", "asset__name"]
        verbose_name = "affected asset"
        constraints = [models.UniqueConstraint(fields=["incident", "asset"], name="resilience_asset_once")]

    def __str__(self) -> str:
        return f"{self.incident} affects {self.asset}"

    def clean(self) -> None:
        super().clean()
        if self.asset_id and self.asset.site_id != self.site_id:
            raise ValidationError({"asset": "the asset belongs to another site"})
