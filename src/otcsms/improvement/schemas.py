"""API schemas of C12. Inputs forbid unknown fields (InputSchema); updates are partial (PATCH)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, FilterLookup, Schema

from otcsms.core.schemas import Filter, Id, InputSchema

ReviewStatus = Literal["planned", "held"]
NcStatus = Literal["open", "action", "closed"]
NcSource = Literal["internal-audit", "external-audit", "management-review", "finding", "incident", "other"]
NcGrade = Literal["major", "minor", "observation"]
LongText = Annotated[str, Field(max_length=5000)]


# --- KPIs ---------------------------------------------------------------------------------------------------------
class KpiOut(Schema):
    key: str
    title: str
    unit: str
    better: str


class SnapshotOut(Schema):
    id: int
    site_id: int
    kpi: str
    series: str
    value: float
    captured_at: datetime


class SnapshotFilter(Filter):
    site_id: int | None = None
    kpi: str | None = Field(None, max_length=100)
    captured_after: Annotated[datetime | None, FilterLookup("captured_at__gte")] = None


class CaptureIn(InputSchema):
    site_id: Id | None = Field(None, description="One site (default: every site you may change).")


class CaptureOut(Schema):
    captured_at: datetime
    sites: int
    values: int
    errors: list[dict[str, str]]


class KpiValueOut(Schema):
    key: str
    title: str
    unit: str
    values: dict[str, float]


class DueOut(Schema):
    kind: str
    title: str
    site_id: int
    due_on: date
    overdue: bool
    url: str
    owner: str


# --- management reviews ---------------------------------------------------------------------------------------------
class ReviewOut(Schema):
    id: int
    site_id: int
    title: str
    planned_on: date
    held_on: date | None
    status: str
    chair_id: int | None
    attendees: str
    drill_results: str
    audit_results: str
    threat_changes: str
    summary: str
    inputs: dict[str, Any]
    inputs_gathered_at: datetime | None
    created_at: datetime


class ReviewCreate(InputSchema):
    site_id: Id
    title: str = Field(min_length=1, max_length=200)
    planned_on: date
    chair_id: Id | None = None
    attendees: str = Field("", max_length=1000)
    drill_results: LongText = ""
    audit_results: LongText = ""
    threat_changes: LongText = ""
    summary: LongText = ""


class ReviewUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    planned_on: date | None = None
    chair_id: Id | None = None
    attendees: str | None = Field(None, max_length=1000)
    drill_results: LongText | None = None
    audit_results: LongText | None = None
    threat_changes: LongText | None = None
    summary: LongText | None = None


class ReviewFilter(Filter):
    site_id: int | None = None
    status: ReviewStatus | None = None
    q: Annotated[str | None, FilterLookup("title__icontains")] = Field(None, max_length=200)


class HoldIn(InputSchema):
    held_on: date | None = None


class DecisionOut(Schema):
    id: int
    site_id: int
    review_id: int
    text: str
    owner_id: int | None
    due_on: date | None
    action_id: int | None
    created_at: datetime


class DecisionCreate(InputSchema):
    review_id: Id
    text: str = Field(min_length=1, max_length=500)
    owner_id: Id | None = None
    due_on: date | None = None


class DecisionUpdate(InputSchema):
    text: str | None = Field(None, min_length=1, max_length=500)
    owner_id: Id | None = None
    due_on: date | None = None


class DecisionFilter(Filter):
    site_id: int | None = None
    review_id: int | None = None


# --- nonconformities ------------------------------------------------------------------------------------------------
class NcOut(Schema):
    id: int
    site_id: int
    title: str
    description: str
    source: str
    grade: str
    requirement: str
    detected_on: date
    root_cause: str
    correction: str
    corrective_action: str
    owner_id: int | None
    due_on: date | None
    status: str
    closed_on: date | None
    action_id: int | None
    created_at: datetime


class NcCreate(InputSchema):
    site_id: Id
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    source: NcSource = "internal-audit"
    grade: NcGrade = "minor"
    requirement: str = Field("", max_length=100)
    detected_on: date | None = None
    root_cause: LongText = ""
    correction: LongText = ""
    corrective_action: LongText = ""
    owner_id: Id | None = None
    due_on: date | None = None


class NcUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, min_length=1, max_length=5000)
    source: NcSource | None = None
    grade: NcGrade | None = None
    requirement: str | None = Field(None, max_length=100)
    detected_on: date | None = None
    root_cause: LongText | None = None
    correction: LongText | None = None
    corrective_action: LongText | None = None
    owner_id: Id | None = None
    due_on: date | None = None


class NcFilter(Filter):
    site_id: int | None = None
    status: NcStatus | None = None
    grade: NcGrade | None = None
    q: Annotated[str | None, FilterLookup("title__icontains")] = Field(None, max_length=200)
