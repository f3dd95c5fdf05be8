"""API schemas of C4."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, FilterSchema, Schema

from otcsms.core.schemas import InputSchema

StatusValue = Literal["not_assessed", "not_applicable", "not_met", "partially_met", "met"]


class AssessmentOut(Schema):
    id: int
    site_id: int
    name: str
    framework_id: int
    framework: str = Field(alias="framework.key")
    framework_version: str = Field(alias="framework.version")
    zone_ids: list[int]
    target_maturity: int | None
    target_impact: str
    assessor_id: int | None
    state: str
    started_on: date
    completed_on: date | None
    description: str

    @staticmethod
    def resolve_zone_ids(obj) -> list[int]:
        return [z.pk for z in obj.zones.all()]


class AssessmentCreate(InputSchema):
    site_id: int
    framework_id: int
    name: str = Field(min_length=1, max_length=200)
    zone_ids: list[int] = Field(default_factory=list, max_length=1000)
    target_maturity: int | None = Field(None, ge=1, le=4)
    description: str = Field("", max_length=5000)


class AssessmentUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    state: Literal["in_progress", "completed"] | None = None
    completed_on: date | None = None
    description: str | None = Field(None, max_length=5000)


class AssessmentFilter(FilterSchema):
    site_id: int | None = None
    framework_id: int | None = None
    state: Literal["in_progress", "completed"] | None = None


class ResponseOut(Schema):
    id: int
    assessment_id: int
    requirement_id: int
    requirement: str = Field(alias="requirement.ref")
    zone_id: int | None
    status: str
    maturity: int | None
    comment: str
    evidence: list[str]
    assessor_id: int | None
    answered_at: datetime


class ResponseFilter(FilterSchema):
    zone_id: int | None = None
    status: StatusValue | None = None
    requirement_id: int | None = None


class AnswerIn(InputSchema):
    requirement_id: int
    zone_id: int | None = None
    status: StatusValue
    maturity: int | None = Field(None, ge=0, le=4)
    comment: str = Field("", max_length=10000)
    evidence: list[str] = Field(default_factory=list, max_length=50)


class BulkAnswerIn(InputSchema):
    answers: list[AnswerIn] = Field(min_length=1, max_length=2000)


class GapOut(Schema):
    zone_id: int | None
    framework: str
    requirement: str
    title: str
    group: str
    status: str
    sl_needed: int | None


class CountsOut(Schema):
    met: int
    partially_met: int
    not_met: int
    not_applicable: int
    not_assessed: int
    total: int
    met_share: float


class CoverageOut(Schema):
    framework: str
    overall: CountsOut
    by_group: dict[str, CountsOut]


class ZoneLevelsOut(Schema):
    zone_id: int
    sl_t: list[int]
    sl_a: list[int]
    gap: list[int]


class SourceOut(Schema):
    framework: str
    requirement: str
    status: str
    carried: str
    relationship: str
    strength: int
    path: list[str]


class InferredOut(Schema):
    framework: str
    requirement: str
    zone_id: int | None
    status: str
    inferred: bool
    sources: list[SourceOut]


class ChangeOut(Schema):
    zone_id: int | None
    framework: str
    requirement: str
    before: str
    after: str
    direction: str


class ProgressOut(Schema):
    total: int
    answered: int
    percent: int
