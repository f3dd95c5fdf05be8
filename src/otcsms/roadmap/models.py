"""C9 Gap-to-roadmap planning: business goals, roadmap actions with their dependencies and the requirements
they satisfy, and each site's plan (phases with budget and team capacity, and the planner's last result).

Where an action came from (a gap, a finding, drift, an access review, a nonconformity, a risk) and what it
affects are object links (``links``: kind ``source`` and ``relates-to``), so the action needs no foreign key
per source app. The risk it removes is ``risk_reduction``: expected risk score points, entered by the user or
taken from the template; the planner reads it (see docs/roadmap.md for how it will follow the risk register).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from otcsms.core.models import OrgWide, SiteOwned
from otcsms.core.scoping import can
from otcsms.core.siterules import refuse_site_move
from otcsms.roadmap import lifecycle
from otcsms.roadmap.phases import phases_problem

MAX_EFFORT = Decimal("100000")  # person-days
MAX_COST = Decimal("1000000000000")
MAX_RISK_REDUCTION = Decimal("1000000")


class BusinessGoal(OrgWide):
    """What the organisation wants from its security programme ("keep production running", "pass the CIP
    audit"): every action serves one, so the roadmap reads as business, not as a list of controls."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "business goal"

    def __str__(self) -> str:
        return self.name


class SourceKind(models.TextChoices):
    GAP = "gap", "Assessment gap"
    FINDING = "finding", "Check finding"
    DRIFT = "drift", "Configuration drift"
    ACCESS_REVIEW = "access-review", "Access review"
    NONCONFORMITY = "nonconformity", "Audit nonconformity"
    RISK = "risk", "Risk"
    VULNERABILITY = "vulnerability", "Vulnerability"
    DRILL_LESSON = "drill-lesson", "Drill lesson"
    MANUAL = "manual", "By hand"


class Action(SiteOwned):
    """One thing to do to close gaps or reduce risk, with its owner, effort, cost and dates."""

    class Status(models.TextChoices):
        PROPOSED = lifecycle.PROPOSED, "Proposed"
        PLANNED = lifecycle.PLANNED, "Planned"
        IN_PROGRESS = lifecycle.IN_PROGRESS, "In progress"
        DONE = lifecycle.DONE, "Done"
        CANCELLED = lifecycle.CANCELLED, "Cancelled"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.MANUAL)
    template_key = models.CharField(
        max_length=60, blank=True, help_text="The template it was suggested from."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Who sees it through: a member of the site.",
    )  # fmt: skip
    effort_days = models.DecimalField(
        "effort (person-days)", max_digits=9, decimal_places=1, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_EFFORT)],
    )  # fmt: skip
    cost = models.DecimalField(
        max_digits=15, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_COST)],
        help_text="External cost (licences, contractors, equipment), in the organisation's currency.",
    )  # fmt: skip
    risk_reduction = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_RISK_REDUCTION)],
        help_text="Expected risk score points the action removes (the planner maximises them). With risk "
                  "scenarios linked, computed from them unless kept by hand.",
    )  # fmt: skip
    risk_reduction_manual = models.BooleanField(
        "keep my risk reduction", default=False,
        help_text="Keep the risk reduction entered here even when linked risk scenarios give another.",
    )  # fmt: skip
    goal = models.ForeignKey(
        BusinessGoal, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    start_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    pinned_phase = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="Keep the action in this phase (1 = the first) whatever the planner finds.",
    )  # fmt: skip
    # Changed only through services.transition (see lifecycle.py).
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    status_reason = models.CharField(
        max_length=1000, blank=True, help_text="Why it was cancelled or unplanned."
    )
    completed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    requirements = models.ManyToManyField(
        "catalogs.Requirement", through="ActionRequirement", related_name="+", blank=True
    )

    class Meta:
        ordering = ["site_id", "pk"]
        verbose_name = "roadmap action"
        constraints = [
            models.CheckConstraint(
                condition=Q(effort_days__gte=0), name="roadmap_action_effort_not_negative"
            ),
            models.CheckConstraint(condition=Q(cost__gte=0), name="roadmap_action_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(risk_reduction__gte=0), name="roadmap_action_risk_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=lifecycle.STATES), name="roadmap_action_status_known"
            ),
        ]
        indexes = [models.Index(fields=["site", "status"], name="roadmap_action_site_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in lifecycle.OPEN

    def clean(self) -> None:
        refuse_site_move(self)
        errors: dict[str, str] = {}
        if self.start_on and self.due_on and self.due_on < self.start_on:
            errors["due_on"] = "due before it starts"
        owner = self.owner if self.owner_id else None
        if owner is not None and self.site_id and not can(owner, "view", self.site_id):
            errors["owner"] = f"{owner} has no role on this site"
        if errors:
            raise ValidationError(errors)


class ActionRequirement(SiteOwned):
    """A requirement the action will satisfy when done (an explicit, audited row)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="requirement_rows")
    requirement = models.ForeignKey("catalogs.Requirement", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["action_id", "requirement__position"]
        verbose_name = "action requirement"
        constraints = [
            models.UniqueConstraint(
                fields=["action", "requirement"], name="roadmap_requirement_once_per_action"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} satisfies {self.requirement.ref}"


class ActionDependency(SiteOwned):
    """``action`` cannot start before ``depends_on`` is done (both of one site)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="dependency_rows")
    depends_on = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="dependent_rows")

    class Meta:
        ordering = ["action_id", "depends_on_id"]
        verbose_name = "action dependency"
        verbose_name_plural = "action dependencies"
        constraints = [
            models.UniqueConstraint(fields=["action", "depends_on"], name="roadmap_dependency_once"),
            models.CheckConstraint(
                condition=~Q(action=models.F("depends_on")), name="roadmap_no_self_dependency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} after {self.depends_on}"

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        action_id = data.get("action_id")
        if not isinstance(action_id, int):
            return None
        site_id: int | None = Action.objects.filter(pk=action_id).values_list("site_id", flat=True).first()
        return site_id


def default_phases() -> list[dict[str, Any]]:
    """0-90 days, 3-12 months, 12-24 months; no budget or capacity limit until the site sets one."""
    return [
        {"name": "0-90 days", "start_day": 0, "end_day": 90, "budget": None, "capacity": None},
        {"name": "3-12 months", "start_day": 90, "end_day": 365, "budget": None, "capacity": None},
        {"name": "12-24 months", "start_day": 365, "end_day": 730, "budget": None, "capacity": None},
    ]


class RoadmapPlan(SiteOwned):
    """A site's planning settings (phases, each with a budget and the team's capacity) and the last result.

    The result is what the planner returned (placement and reason per action, objective, bound); it is
    written by ``services.run_plan`` and kept until the next run, so the pages need no solver to show it."""

    starts_on = models.DateField(default=timezone.localdate, help_text="Day 0 of the first phase.")
    phases = models.JSONField(default=default_phases)
    coverage_weight = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
        help_text="Risk points one satisfied requirement is worth to the planner.",
    )  # fmt: skip
    result = models.JSONField(null=True, blank=True, editable=False)
    computed_at = models.DateTimeField(null=True, blank=True, editable=False)

    site_path: ClassVar[str] = "site"

    class Meta:
        ordering = ["site_id"]
        verbose_name = "roadmap plan"
        constraints = [models.UniqueConstraint(fields=["site"], name="roadmap_one_plan_per_site")]

    def __str__(self) -> str:
        return f"roadmap plan of {self.site}"

    def clean(self) -> None:
        refuse_site_move(self)
        if problem := phases_problem(self.phases):
            raise ValidationError({"phases": problem})
