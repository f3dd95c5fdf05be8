"""API schemas of C4."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import field_validator, model_validator

from otcsms.assessments import lifecycle
from otcsms.core.schemas import Filter, Id, InputSchema

StatusValue = Literal["not_assessed", "not_applicable", "not_met", "partially_met", "met"]
StateValue = Literal["in_progress", "completed"]
EvidenceRef = Annotated[str, Field(min_length=1, max_length=500)]


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
    completed_by_id: int | None
    description: str
    sl_t_snapshot: dict[str, list[int] | None] | None = Field(
        description="IEC 62443-3-3: the SL-T (FR1..FR7) of each zone in scope, by zone id, that the assessment "
        "follows until rescoped (POST /assessments/{id}/rescope); null for frameworks answered per site."
    )

    @staticmethod
    def resolve_zone_ids(obj) -> list[int]:
        return [z.pk for z in obj.zones.all()]


class AssessmentCreate(InputSchema):
    site_id: Id
    framework_id: Id
    name: str = Field(min_length=1, max_length=200)
    zone_ids: list[Id] = Field(default_factory=list, max_length=1000)
    target_maturity: int | None = Field(None, ge=1, le=4)
    description: str = Field("", max_length=5000)


class AssessmentUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)

    @model_validator(mode="before")
    @classmethod
    def _state_has_its_own_endpoints(cls, data: Any) -> Any:
        # The lifecycle has rules (who, four eyes, a reason): a PATCH must not bypass them.
        if isinstance(data, dict) and {"state", "completed_on", "completed_by_id"} & data.keys():
            raise ValueError(
                "the state changes only through POST /assessments/{id}/complete or /assessments/{id}/reopen"
            )
        return data


class AssessmentFilter(Filter):
    site_id: Id | None = None
    framework_id: Id | None = None
    state: StateValue | None = None


class TransitionIn(InputSchema):
    reason: str = Field(
        "", max_length=lifecycle.REASON_MAX, description="Why (required to reopen); kept in the audit trail."
    )


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
    owner_id: int | None
    answered_at: datetime


class ResponseFilter(Filter):
    zone_id: Id | None = None
    status: StatusValue | None = None
    requirement_id: Id | None = None


class ResponseUpdate(InputSchema):
    """A change to a response: a field left out keeps its stored value; ``null`` clears the maturity and the
    owner, ``""`` the comment, ``[]`` the evidence. A new response starts not assessed."""

    status: StatusValue | None = None
    maturity: int | None = Field(None, ge=0, le=4)
    comment: str | None = Field(None, max_length=10000)
    evidence: list[EvidenceRef] | None = Field(None, max_length=50)
    owner_id: Id | None = Field(None, description="Who closes the gap: a member of the site (null: nobody).")

    @field_validator("status", "comment", "evidence", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep the stored value")
        return value

    @model_validator(mode="after")
    def _something_given(self) -> ResponseUpdate:
        if not self.changes():
            raise ValueError("give at least one of status, maturity, comment, evidence, owner_id")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the caller gave (evidence as a tuple), for ``services.Answer``."""
        given = self.model_dump(
            include={"status", "maturity", "comment", "evidence", "owner_id"}, exclude_unset=True
        )
        if "evidence" in given:
            given["evidence"] = tuple(given["evidence"])
        return given


class AnswerIn(ResponseUpdate):
    requirement_id: Id
    zone_id: Id | None = Field(
        None,
        description="The zone; null for the site. In IEC 62443-3-3 a site answer, or a parent zone's, is "
        "inherited by the zones below that have the requirement in scope and no answer of their own.",
    )


class BulkAnswerIn(InputSchema):
    answers: list[AnswerIn] = Field(min_length=1, max_length=2000)


class InheritedFromOut(Schema):
    zone_id: int | None = Field(description="The zone whose answer is inherited; null: the site's.")
    name: str = Field(description='The zone\'s name, or "site".')


class GapOut(Schema):
    zone_id: int | None
    framework: str
    requirement: str
    title: str
    group: str
    status: str
    sl_required: int | None = Field(
        description="IEC 62443-3-3: the lowest SL whose selection includes the requirement (Annex B)."
    )
    zone_sl_t: int | None = Field(description="IEC 62443-3-3: the zone's SL-T for the requirement's FR.")
    inherited_from: InheritedFromOut | None = Field(description="Null when the zone answered it itself.")
    owner_id: int | None
    comment: str


class EffectiveAnswerOut(Schema):
    requirement_id: int
    requirement: str
    zone_id: int | None
    status: str
    inherited_from: InheritedFromOut | None = Field(description="Null when the zone answered it itself.")
    response_id: int = Field(description="The response in force (the zone's own, or the one inherited).")
    owner_id: int | None
    comment: str


class LevelChangeOut(Schema):
    zone_id: int
    zone: str
    fr: int
    old: int | None
    new: int | None


class ScopeRowOut(Schema):
    zone: str
    requirement: str


class ScopeChangesOut(Schema):
    changed: bool
    levels: list[LevelChangeOut]
    added: list[ScopeRowOut]
    removed: list[ScopeRowOut]


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
    status: str = Field(description="The status answered for the source requirement.")
    carried: str = Field(description="The status it gives the requirement asked about.")
    partial_evidence: bool = Field(
        description="A met answer that shows only part of the requirement met (subset, or intersect in one hop)."
    )
    relationship: str = Field(description="The path's class: equal, superset, subset or intersect (one hop).")
    strength: int
    hops: int
    path: list[str]


class InferredOut(Schema):
    framework: str
    requirement: str
    zone_id: int | None
    status: str
    inferred: bool
    partial_evidence_only: bool = Field(
        description="Inferred partially met only from partial evidence: no source says it falls short."
    )
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
