"""API schemas of C9. Inputs forbid unknown fields (InputSchema); updates are partial (PATCH)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, FilterLookup, Schema

from otcsms.core.schemas import Filter, Id, InputSchema

ActionStatus = Literal["proposed", "planned", "in_progress", "done", "cancelled"]
SourceKindValue = Literal[
    "gap", "finding", "drift", "access-review", "nonconformity", "risk", "vulnerability", "drill-lesson", "manual"
]  # fmt: skip
TransitionName = Literal["plan", "unplan", "start", "finish", "cancel"]
Effort = Annotated[Decimal, Field(ge=0, le=100000, max_digits=9, decimal_places=1)]
Money = Annotated[Decimal, Field(ge=0, le=1_000_000_000_000, max_digits=15, decimal_places=2)]
RiskPoints = Annotated[Decimal, Field(ge=0, le=1_000_000, max_digits=10, decimal_places=2)]
Phase = Annotated[int, Field(ge=1, le=12)]
IdList = Annotated[list[Id], Field(max_length=500)]
Label = Annotated[str, Field(min_length=3, max_length=100, pattern=r"^[a-z_]+\.[a-z_]+$")]


# --- business goals --------------------------------------------------------------------------------------
class GoalOut(Schema):
    id: int
    name: str
    description: str
    order: int


class GoalCreate(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    order: int = Field(0, ge=0, le=10000)


class GoalUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    order: int | None = Field(None, ge=0, le=10000)


class GoalFilter(Filter):
    q: Annotated[str | None, FilterLookup("name__icontains")] = Field(None, max_length=200)


# --- actions ---------------------------------------------------------------------------------------------
class ActionOut(Schema):
    id: int
    site_id: int
    title: str
    description: str
    source_kind: str
    template_key: str
    owner_id: int | None
    effort_days: Decimal
    cost: Decimal
    risk_reduction: Decimal
    risk_reduction_manual: bool
    goal_id: int | None
    start_on: date | None
    due_on: date | None
    pinned_phase: int | None
    status: str
    status_reason: str
    completed_on: date | None
    created_at: datetime
    requirement_ids: list[int]
    depends_on_ids: list[int]

    @staticmethod
    def resolve_requirement_ids(obj: Any) -> list[int]:
        return sorted(r.requirement_id for r in obj.requirement_rows.all())

    @staticmethod
    def resolve_depends_on_ids(obj: Any) -> list[int]:
        return sorted(d.depends_on_id for d in obj.dependency_rows.all())


class ActionCreate(InputSchema):
    site_id: Id
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    owner_id: Id | None = None
    effort_days: Effort = Decimal("0")
    cost: Money = Decimal("0")
    risk_reduction: RiskPoints = Decimal("0")
    risk_reduction_manual: bool = Field(
        False, description="Keep risk_reduction even when linked risk scenarios give another figure"
    )
    goal_id: Id | None = None
    start_on: date | None = None
    due_on: date | None = None
    pinned_phase: Phase | None = None
    requirement_ids: IdList = Field(default_factory=list)
    depends_on_ids: IdList = Field(default_factory=list)
    source_type: Label | None = Field(
        None, description="Where the action came from: app.model, e.g. checks.finding"
    )
    source_id: Id | None = None


class ActionUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    owner_id: Id | None = None
    effort_days: Effort | None = None
    cost: Money | None = None
    risk_reduction: RiskPoints | None = None
    risk_reduction_manual: bool | None = None
    goal_id: Id | None = None
    start_on: date | None = None
    due_on: date | None = None
    pinned_phase: Phase | None = None
    requirement_ids: IdList | None = None
    depends_on_ids: IdList | None = None


class ActionFilter(Filter):
    site_id: int | None = None
    status: ActionStatus | None = None
    source_kind: SourceKindValue | None = None
    goal_id: int | None = None
    owner_id: int | None = None
    q: Annotated[str | None, FilterLookup("title__icontains")] = Field(None, max_length=200)


class TransitionIn(InputSchema):
    name: TransitionName
    reason: str = Field("", max_length=1000)


# --- dependencies and requirements ---------------------------------------------------------------------------
class DependencyOut(Schema):
    id: int
    site_id: int
    action_id: int
    depends_on_id: int


class DependencyCreate(InputSchema):
    action_id: Id
    depends_on_id: Id


class DependencyFilter(Filter):
    site_id: int | None = None
    action_id: int | None = None
    depends_on_id: int | None = None


class ActionRequirementOut(Schema):
    id: int
    site_id: int
    action_id: int
    requirement_id: int


class ActionRequirementFilter(Filter):
    site_id: int | None = None
    action_id: int | None = None
    requirement_id: int | None = None


# --- the plan --------------------------------------------------------------------------------------------------
class PhaseIn(InputSchema):
    name: str = Field(min_length=1, max_length=60)
    start_day: int = Field(ge=0, le=36500)
    end_day: int = Field(ge=1, le=36500)
    budget: float | None = Field(None, ge=0, le=1e12, allow_inf_nan=False)
    capacity: float | None = Field(None, ge=0, le=1e12, allow_inf_nan=False)


class PlanSettingsIn(InputSchema):
    phases: list[PhaseIn] | None = Field(None, min_length=1, max_length=12)
    starts_on: date | None = None
    coverage_weight: Decimal | None = Field(None, ge=0, le=1000, max_digits=8, decimal_places=2)


class PlacementOut(Schema):
    action_id: int
    title: str
    phase: int | None = Field(description="1 = the first phase; null: not planned")
    reason: str


class PhaseOut(Schema):
    name: str
    start_day: int
    end_day: int
    budget: float | None
    capacity: float | None
    count: int
    cost: float
    effort: float


class PlanOut(Schema):
    site_id: int
    starts_on: date
    coverage_weight: Decimal
    phases: list[PhaseOut]
    placements: list[PlacementOut]
    objective: float
    bound: float | None
    gap: float | None
    method: str
    optimal: bool
    feasible: bool
    problems: list[str]
    computed_at: datetime | None


class WhatIfIn(InputSchema):
    budgets: list[float | None] = Field(max_length=12, description="One per phase; null: no limit")
    capacities: list[float | None] = Field(default_factory=list, max_length=12)


class MoveOut(Schema):
    action_id: int
    title: str
    before: int | None
    after: int | None
    reason: str


class WhatIfOut(Schema):
    objective_before: float
    objective_after: float
    feasible: bool
    problems: list[str]
    moves: list[MoveOut]


class SuggestionOut(Schema):
    template_key: str
    title: str
    description: str
    effort_days: float
    cost: float
    risk_reduction: float
    gaps: int
    requirements: list[str]
    existing_action_id: int | None


class SuggestionsIn(InputSchema):
    template_keys: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        min_length=1, max_length=50
    )
    goal_id: Id | None = None


class RiskShareOut(Schema):
    scenario_id: int
    title: str
    level: str
    now: int = Field(description="The scenario's residual score, else its inherent score")
    after: int | None = Field(description="Its target score: the residual expected after the action")
    points: int


class ActionRisksOut(Schema):
    action_id: int
    risk_reduction: Decimal = Field(description="What the planner uses")
    computed: Decimal | None = Field(description="From the linked scenarios; null when none is linked")
    manual: bool
    scenarios: list[RiskShareOut]


class KeptOpenOut(Schema):
    id: int
    reason: str


class SyncOut(Schema):
    created: list[int]
    updated: list[int]
    links: int
    unchanged: int
    closed: list[int]  # done because every source closed
    kept_open: list[KeptOpenOut]  # sources closed, but a person changed the action since: why it stays open


class ProjectedZoneOut(Schema):
    zone_id: int
    zone: str
    sl_t: list[int]
    sl_a_now: list[int]
    sl_a_after: list[int]
    reaches_target: bool


class ProgressOut(Schema):
    site_id: int
    counts: dict[str, int]
    effort: dict[str, float]
    cost: dict[str, float]
    percent_done: int
    gaps_total: int
    gaps_closed: int
    burndown: list[tuple[str, int]]
    assessment_id: int | None = Field(description="The assessment the projected SL-A is computed from")
    projected_sl: list[ProjectedZoneOut]


def _prefetched(queryset: Any) -> Any:
    return queryset.prefetch_related("requirement_rows", "dependency_rows")


class ActionListFilter(ActionFilter):
    """The action filters, with each row's requirements and dependencies fetched in two queries per page."""

    def filter(self, queryset: Any) -> Any:
        return _prefetched(super().filter(queryset))


class PoamChangeOut(Schema):
    id: str
    row: int
    changed: list[str]


class PoamImportOut(Schema):
    updated: int
    changes: list[PoamChangeOut]
