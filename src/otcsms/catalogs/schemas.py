"""API schemas of C3. The library is read-only through the API except for the import workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, FilterLookup, Schema

from otcsms.core.schemas import Filter

KindValue = Literal[
    "FR", "SR", "RE", "SPE", "ZCR", "CR", "SAR", "EDR", "HDR", "NDR", "control", "enhancement", "family",
    "standard", "requirement", "part", "function", "category", "subcategory", "clause", "element", "group",
    "constraint",
]  # fmt: skip


class FrameworkRef(Schema):
    id: int
    key: str
    version: str
    name: str
    is_current: bool


class FrameworkOut(Schema):
    id: int
    key: str
    version: str
    name: str
    edition: str
    publisher: str
    licence: str
    copyright_note: str
    description: str
    levels: dict[str, Any]
    provenance: dict[str, Any] | None
    origin: str
    is_current: bool
    content_hash: str
    requirements_count: int
    assessable_count: int
    loaded_at: datetime


class FrameworkFilter(Filter):
    q: Annotated[str | None, FilterLookup(["key__icontains", "name__icontains"])] = Field(
        None, max_length=200, description="Search the id and the name."
    )
    key: str | None = Field(None, max_length=100)
    publisher: str | None = Field(None, max_length=200)
    origin: Literal["shipped", "imported"] | None = None
    is_current: bool | None = None


class RequirementRef(Schema):
    id: int
    ref: str
    title: str


class RequirementOut(Schema):
    id: int
    framework_id: int
    ref: str
    parent_id: int | None
    parent_ref: str | None = None
    title: str
    text: str
    kind: str
    assessable: bool
    depth: int
    position: int
    attributes: dict[str, Any]
    provenance: dict[str, Any] | None


class MappingSetRef(Schema):
    id: int
    key: str
    version: str
    name: str


class DirectMappingOut(Schema):
    mapping_id: int
    direction: Literal["outgoing", "incoming"]
    relationship: str = Field(description="Read from this requirement: 'this <relationship> other'.")
    strength: int
    rationale: str
    source_ref: str
    verified: bool = Field(
        description="Checked against its recorded source; false: an inference or judgement."
    )
    reviewer: str = Field(description="Who or what checked it (empty when unverified).")
    mapping_set: MappingSetRef
    framework: FrameworkRef
    requirement: RequirementRef


class ReviewRequirementOut(RequirementOut):
    doubtful: bool = Field(description="Flagged: public sources disagree with the shipped value.")

    @staticmethod
    def resolve_doubtful(obj) -> bool:
        return str((obj.provenance or {}).get("note", "")).startswith("doubtful")


class MappingRowOut(Schema):
    """One row of a crosswalk, as its mapping set ships it."""

    id: int
    mapping_set: MappingSetRef
    source_framework: str = Field(description="Framework id (key) of the source requirement.")
    source: str
    relationship: str
    target_framework: str
    target: str
    strength: int
    rationale: str
    source_ref: str
    verified: bool
    reviewer: str

    @staticmethod
    def resolve_source_framework(obj) -> str:
        return obj.source.framework.key

    @staticmethod
    def resolve_source(obj) -> str:
        return obj.source.ref

    @staticmethod
    def resolve_target_framework(obj) -> str:
        return obj.target.framework.key

    @staticmethod
    def resolve_target(obj) -> str:
        return obj.target.ref


class GuidanceOut(Schema):
    """Help for judging an answer, in the catalog author's own words (not the standard's text)."""

    good: str = Field(description="What good looks like.")
    evidence: list[str] = Field(description="Typical evidence.")
    pitfalls: list[str] = Field(description="Common pitfalls.")
    source: str
    verified: bool = Field(description="Reviewed against the standard by someone who holds it.")
    version: str = Field(description="The framework version that carries this guidance.")
    inherited: bool = Field(
        description="From another version of the same framework: this version carries none (e.g. a licensed "
        "text imported without guidance)."
    )


class RequirementDetailOut(RequirementOut):
    framework: FrameworkRef
    parent: RequirementRef | None
    children: list[RequirementRef]
    mappings: list[DirectMappingOut]
    guidance: GuidanceOut | None


class StepOut(Schema):
    source: str
    target: str
    relationship: str
    strength: int
    rationale: str
    source_ref: str


class CrosswalkOut(Schema):
    framework: str = Field(description="Framework id (key) of the requirement reached.")
    requirement: str = Field(description="The requirement as the standard writes it.")
    requirement_id: int | None
    title: str
    relationship: str = Field(
        description="The path's class: equal, superset, subset, intersect (one hop only) or related."
    )
    strength: int = Field(
        description="0-10, the product of the hops' strengths: floor(s1 × ... × sk / 10^(k-1))."
    )
    hops: int
    path: list[str] = Field(description='"framework:requirement" from the start to the requirement reached.')
    steps: list[StepOut] = Field(description="Each hop with the mapping it follows.")


class CrosswalkCountsOut(Schema):
    mapped: int
    related: int


class CrosswalkAnswerOut(Schema):
    framework: str
    requirement: str
    max_hops: int
    counts: CrosswalkCountsOut
    mapped: list[CrosswalkOut] = Field(
        description="Equal, superset, subset, or intersect in one hop: strong enough to carry an answer."
    )
    related: list[CrosswalkOut] = Field(
        description="Reached only over an intersect hop in a longer path or a mix of subset and superset: "
        "nothing is inferred over these."
    )


class CoverageGroupOut(Schema):
    requirement_id: int
    ref: str
    title: str
    assessable: int
    covered: int
    direct: int
    full: int
    gaps: int
    share: float


class CoverageOut(Schema):
    framework: FrameworkRef
    against: FrameworkRef
    max_hops: int
    assessable: int
    covered: int = Field(description="Assessable requirements that reach the other framework.")
    direct: int = Field(description="... of which by a direct mapping.")
    full: int = Field(description="... of which an answer carries fully (equal or superset).")
    gaps: int
    share: float
    groups: list[CoverageGroupOut]


class GapOut(Schema):
    id: int
    ref: str
    title: str
    kind: str


class MappingSetOut(Schema):
    id: int
    key: str
    version: str
    name: str
    licence: str
    description: str
    origin: str
    is_current: bool
    content_hash: str
    mappings_count: int
    loaded_at: datetime
    source_framework: FrameworkRef
    target_framework: FrameworkRef


class MappingSetFilter(Filter):
    q: Annotated[str | None, FilterLookup(["key__icontains", "name__icontains"])] = Field(
        None, max_length=200
    )
    source_framework_id: int | None = None
    target_framework_id: int | None = None
    framework_id: Annotated[int | None, FilterLookup(["source_framework_id", "target_framework_id"])] = Field(
        None, description="Sets with this framework version at either end."
    )
    is_current: bool | None = None


class ProblemOut(Schema):
    file: str
    path: str
    reason: str


class ImportProblemsOut(Schema):
    detail: list[ProblemOut]


class ImportResultOut(Schema):
    file: str
    kind: str
    changed: bool
    frameworks: list[dict[str, Any]]
    mapping_sets: list[dict[str, Any]]
    repointed: list[dict[str, Any]]
    baseline: str | None
    seconds: float
