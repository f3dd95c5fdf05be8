"""API schemas of C10. Inputs forbid unknown fields (InputSchema); updates are partial (PATCH)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Field, FilterLookup, Schema

from otcsms.core.schemas import Filter, Id, InputSchema, UtcDatetime

ExerciseStatus = Literal["scheduled", "held", "cancelled"]
EntryKindValue = Literal["inject", "action", "observation", "decision"]
IncidentEntryKindValue = Literal["observation", "action", "new-information", "notification"]
MilestoneValue = Literal["detected", "escalated", "contained", "recovered", ""]
OutcomeValue = Literal["met", "partly", "not-met"]
ClassificationValue = Literal[
    "malware", "unauthorised-access", "unauthorised-control", "denial-of-service", "credential", "physical", "other"
]  # fmt: skip
IncidentStatus = Literal["open", "contained", "recovered", "closed"]
Slug = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


# --- scenarios ---------------------------------------------------------------------------------------------
class ScenarioOut(Schema):
    id: int
    key: str
    title: str
    summary: str
    protocols: str
    injects: list[dict[str, Any]]
    expected_actions: list[str]
    success_criteria: list[dict[str, str]]
    shipped: bool


class ScenarioFilter(Filter):
    key: str | None = Field(None, max_length=60)
    q: Annotated[str | None, FilterLookup("title__icontains")] = Field(None, max_length=200)


class LibraryLoaded(Schema):
    added: int
    updated: int


# --- cadence -----------------------------------------------------------------------------------------------
class CadenceOut(Schema):
    id: int
    site_id: int
    months: int
    programme_start: date


class CadenceCreate(InputSchema):
    site_id: Id
    months: int = Field(ge=1, le=60)
    programme_start: date | None = None


class CadenceUpdate(InputSchema):
    months: int | None = Field(None, ge=1, le=60)
    programme_start: date | None = None


class SiteFilter(Filter):
    site_id: int | None = None


class DrillDueOut(Schema):
    site_id: int
    site: str
    cadence_months: int
    last_held: date | None
    due: date
    overdue: bool


# --- IR plans ----------------------------------------------------------------------------------------------
class PlanOut(Schema):
    id: int
    site_id: int
    document_id: int
    title: str = Field(alias="document.title")
    scope: str
    bcp_document_id: int | None
    created_at: datetime


class PlanCreate(InputSchema):
    site_id: Id
    document_id: Id | None = Field(None, description="An existing document of kind plan of the site.")
    title: str = Field("", max_length=200, description="Or: the title of a new plan document.")
    scope: str = Field("", max_length=5000)
    bcp_document_id: Id | None = None


class PlanUpdate(InputSchema):
    scope: str | None = Field(None, max_length=5000)
    bcp_document_id: Id | None = None


class PlanRoleOut(Schema):
    id: int
    site_id: int
    plan_id: int
    role_id: int
    duty: str


class PlanRoleCreate(InputSchema):
    plan_id: Id
    role_id: Id
    duty: str = Field(min_length=1, max_length=500)


class PlanRoleUpdate(InputSchema):
    duty: str | None = Field(None, min_length=1, max_length=500)


class PlanChildFilter(Filter):
    site_id: int | None = None
    plan_id: int | None = None


class ContactOut(Schema):
    id: int
    site_id: int
    plan_id: int
    person_id: int
    purpose: str
    phone: str
    order: int


class ContactCreate(InputSchema):
    plan_id: Id
    person_id: Id
    purpose: str = Field(min_length=1, max_length=200)
    phone: str = Field("", max_length=40)
    order: int = Field(1, ge=0, le=999)


class ContactUpdate(InputSchema):
    purpose: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=40)
    order: int | None = Field(None, ge=0, le=999)


# --- exercises ---------------------------------------------------------------------------------------------
class MeasureOut(Schema):
    milestone: str
    reached_at: datetime | None
    minutes: int | None


class ExerciseOut(Schema):
    id: int
    site_id: int
    title: str
    scenario_id: int
    plan_id: int | None
    scheduled_for: date
    status: str
    held_on: date | None
    started_at: datetime | None
    facilitator_id: int | None
    notes: str
    measured_times: list[MeasureOut]

    @staticmethod
    def resolve_measured_times(obj: Any) -> list[dict[str, Any]]:
        return [{"milestone": m.milestone, "reached_at": m.reached_at, "minutes": m.minutes}
                for m in obj.measured_times()]  # fmt: skip


class ExerciseCreate(InputSchema):
    site_id: Id
    scenario_id: Id = Field(description="A drill without a scenario is refused.")
    scheduled_for: date = Field(description="A drill without a date is refused.")
    title: str = Field("", max_length=200)
    plan_id: Id | None = None
    status: ExerciseStatus = "scheduled"
    held_on: date | None = None
    started_at: UtcDatetime | None = None
    facilitator_id: Id | None = None
    notes: str = Field("", max_length=5000)


class ExerciseUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    scenario_id: Id | None = None
    plan_id: Id | None = None
    scheduled_for: date | None = None
    status: ExerciseStatus | None = None
    held_on: date | None = None
    started_at: UtcDatetime | None = None
    facilitator_id: Id | None = None
    notes: str | None = Field(None, max_length=5000)


class ExerciseFilter(Filter):
    site_id: int | None = None
    status: ExerciseStatus | None = None
    scenario_id: int | None = None
    plan_id: int | None = None
    q: Annotated[str | None, FilterLookup("title__icontains")] = Field(None, max_length=200)


class ExerciseChildFilter(Filter):
    site_id: int | None = None
    exercise_id: int | None = None


class ParticipantOut(Schema):
    id: int
    site_id: int
    exercise_id: int
    person_id: int
    role: str


class ParticipantCreate(InputSchema):
    exercise_id: Id
    person_id: Id
    role: str = Field("", max_length=200)


class ParticipantUpdate(InputSchema):
    role: str | None = Field(None, max_length=200)


class EntryOut(Schema):
    id: int
    site_id: int
    exercise_id: int
    at: datetime
    kind: str
    text: str
    milestone: str


class EntryCreate(InputSchema):
    exercise_id: Id
    at: UtcDatetime
    kind: EntryKindValue = "action"
    text: str = Field(min_length=1, max_length=1000)
    milestone: MilestoneValue = ""


class EntryUpdate(InputSchema):
    at: UtcDatetime | None = None
    kind: EntryKindValue | None = None
    text: str | None = Field(None, min_length=1, max_length=1000)
    milestone: MilestoneValue | None = None


class OutcomeOut(Schema):
    id: int
    site_id: int
    exercise_id: int
    criterion: str
    result: str
    note: str


class OutcomeCreate(InputSchema):
    exercise_id: Id
    criterion: Slug
    result: OutcomeValue
    note: str = Field("", max_length=1000)


class OutcomeUpdate(InputSchema):
    result: OutcomeValue | None = None
    note: str | None = Field(None, max_length=1000)


class LessonOut(Schema):
    id: int
    site_id: int
    exercise_id: int
    title: str
    description: str
    action_id: int | None
    created_at: datetime


class LessonCreate(InputSchema):
    exercise_id: Id
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    owner_id: Id | None = Field(None, description="Owner of the roadmap action it becomes.")
    due_on: date | None = Field(None, description="Due date of the roadmap action it becomes.")


class LessonUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)


# --- incidents ---------------------------------------------------------------------------------------------
class DeadlineOut(Schema):
    name: str
    due: datetime
    met_at: datetime | None
    overdue: bool
    late: bool


class IncidentOut(Schema):
    id: int
    site_id: int
    title: str
    description: str
    classification: str
    status: str
    detected_at: datetime
    reportable: bool
    determined_reportable_at: datetime | None
    plan_id: int | None
    closed_at: datetime | None
    deadlines: list[DeadlineOut]

    @staticmethod
    def resolve_deadlines(obj: Any) -> list[dict[str, Any]]:
        now = timezone.now()
        return [{"name": d.name, "due": d.due, "met_at": d.met_at, "overdue": d.overdue(now), "late": d.late()}
                for d in obj.deadlines()]  # fmt: skip


class IncidentCreate(InputSchema):
    site_id: Id
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    classification: ClassificationValue
    status: IncidentStatus = "open"
    detected_at: UtcDatetime
    reportable: bool = False
    determined_reportable_at: UtcDatetime | None = None
    plan_id: Id | None = None
    closed_at: UtcDatetime | None = None


class IncidentUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    classification: ClassificationValue | None = None
    status: IncidentStatus | None = None
    detected_at: UtcDatetime | None = None
    reportable: bool | None = None
    determined_reportable_at: UtcDatetime | None = None
    plan_id: Id | None = None
    closed_at: UtcDatetime | None = None


class IncidentFilter(Filter):
    site_id: int | None = None
    status: IncidentStatus | None = None
    classification: ClassificationValue | None = None
    reportable: bool | None = None
    q: Annotated[str | None, FilterLookup("title__icontains")] = Field(None, max_length=200)


class IncidentChildFilter(Filter):
    site_id: int | None = None
    incident_id: int | None = None


class IncidentEntryOut(Schema):
    id: int
    site_id: int
    incident_id: int
    at: datetime
    kind: str
    text: str
    milestone: str


class IncidentEntryCreate(InputSchema):
    incident_id: Id
    at: UtcDatetime
    kind: IncidentEntryKindValue = "action"
    text: str = Field(min_length=1, max_length=1000)
    milestone: MilestoneValue = ""


class IncidentEntryUpdate(InputSchema):
    at: UtcDatetime | None = None
    kind: IncidentEntryKindValue | None = None
    text: str | None = Field(None, min_length=1, max_length=1000)
    milestone: MilestoneValue | None = None


class IncidentZoneOut(Schema):
    id: int
    site_id: int
    incident_id: int
    zone_id: int


class IncidentZoneCreate(InputSchema):
    incident_id: Id
    zone_id: Id


class IncidentAssetOut(Schema):
    id: int
    site_id: int
    incident_id: int
    asset_id: int


class IncidentAssetCreate(InputSchema):
    incident_id: Id
    asset_id: Id
