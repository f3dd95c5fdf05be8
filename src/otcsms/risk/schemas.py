"""API schemas of C8. Inputs forbid unknown fields (InputSchema); updates are partial (PATCH)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, FilterLookup, Schema

from otcsms.core.schemas import Filter, Id, InputSchema

Category = Literal[
    "safety", "environment", "production", "equipment", "financial", "regulatory", "reputation"
]
Level = Annotated[int, Field(ge=1, le=10)]
Consequences = dict[Category, Level]
Assessment = Literal["initial", "detailed"]
SourceValue = Literal[
    "criminal", "nation-state", "hacktivist", "insider", "contractor", "opportunist", "accidental"
]
VectorValue = Literal["remote-access", "it-network", "internet", "removable-media", "wireless", "supply-chain",
                      "physical", "local-network"]  # fmt: skip
TreatmentValue = Literal["mitigate", "accept", "transfer", "avoid", ""]
RiskLevel = Literal["low", "medium", "high", "critical"]
Technique = Annotated[str, Field(pattern=r"^T0[0-9]{3}$", max_length=5)]
Label = Annotated[str, Field(min_length=1, max_length=60)]


class BandIn(Schema):
    level: RiskLevel
    min: int = Field(ge=1, le=100)
    max: int = Field(ge=1, le=100)


# --- matrix -----------------------------------------------------------------------------------------------
class MatrixOut(Schema):
    id: int
    organisation_id: int
    likelihood_labels: list[str]
    consequence_labels: list[str]
    bands: list[dict[str, Any]]


class MatrixCreate(InputSchema):
    organisation_id: Id
    likelihood_labels: list[Label] = Field(min_length=2, max_length=10)
    consequence_labels: list[Label] = Field(min_length=2, max_length=10)
    bands: list[BandIn] = Field(min_length=1, max_length=4)


class MatrixUpdate(InputSchema):
    likelihood_labels: list[Label] | None = Field(None, min_length=2, max_length=10)
    consequence_labels: list[Label] | None = Field(None, min_length=2, max_length=10)
    bands: list[BandIn] | None = Field(None, min_length=1, max_length=4)


# --- scenarios --------------------------------------------------------------------------------------------
class ScenarioOut(Schema):
    id: int
    site_id: int
    title: str
    assessment: str
    system_id: int | None
    zone_id: int | None
    asset_id: int | None
    conduit_id: int | None
    threat_source: str
    vector: str
    vulnerability: str
    techniques: list[str]
    existing_controls: str
    inherent_likelihood: int
    inherent_consequences: dict[str, int]
    inherent_consequence: int
    inherent_score: int
    inherent_level: str
    residual_likelihood: int | None
    residual_consequences: dict[str, int]
    residual_consequence: int | None
    residual_score: int | None
    residual_level: str
    target_likelihood: int | None
    target_consequence: int | None
    treatment: str
    treatment_plan: str
    acceptance_approver_id: int | None
    acceptance_expires: date | None
    owner_id: int | None
    review_date: date | None


class ScenarioCreate(InputSchema):
    site_id: Id
    title: str = Field(min_length=1, max_length=200)
    assessment: Assessment = "detailed"
    system_id: Id | None = None
    zone_id: Id | None = None
    asset_id: Id | None = None
    conduit_id: Id | None = None
    threat_source: SourceValue
    vector: VectorValue
    vulnerability: str = Field("", max_length=2000)
    techniques: list[Technique] = Field(default_factory=list, max_length=30)
    existing_controls: str = Field("", max_length=2000)
    inherent_likelihood: Level
    inherent_consequences: Consequences
    residual_likelihood: Level | None = None
    residual_consequences: Consequences = Field(default_factory=dict)
    target_likelihood: Level | None = None
    target_consequence: Level | None = None
    treatment: TreatmentValue = ""
    treatment_plan: str = Field("", max_length=2000)
    acceptance_approver_id: Id | None = None
    acceptance_expires: date | None = None
    owner_id: Id | None = None
    review_date: date | None = None


class ScenarioUpdate(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    assessment: Assessment | None = None
    system_id: Id | None = None
    zone_id: Id | None = None
    asset_id: Id | None = None
    conduit_id: Id | None = None
    threat_source: SourceValue | None = None
    vector: VectorValue | None = None
    vulnerability: str | None = Field(None, max_length=2000)
    techniques: list[Technique] | None = Field(None, max_length=30)
    existing_controls: str | None = Field(None, max_length=2000)
    inherent_likelihood: Level | None = None
    inherent_consequences: Consequences | None = None
    residual_likelihood: Level | None = None
    residual_consequences: Consequences | None = None
    target_likelihood: Level | None = None
    target_consequence: Level | None = None
    treatment: TreatmentValue | None = None
    treatment_plan: str | None = Field(None, max_length=2000)
    acceptance_approver_id: Id | None = None
    acceptance_expires: date | None = None
    owner_id: Id | None = None
    review_date: date | None = None


class ScenarioFilter(Filter):
    site_id: int | None = None
    zone_id: int | None = None
    asset_id: int | None = None
    conduit_id: int | None = None
    owner_id: int | None = None
    assessment: Assessment | None = None
    treatment: TreatmentValue | None = None
    inherent_level: RiskLevel | None = None
    residual_level: RiskLevel | None = None
    inherent_likelihood: int | None = Field(None, ge=1, le=10)
    inherent_consequence: int | None = Field(None, ge=1, le=10)
    residual_likelihood: int | None = Field(None, ge=1, le=10)
    residual_consequence: int | None = Field(None, ge=1, le=10)
    review_before: Annotated[date | None, FilterLookup("review_date__lt")] = None
    q: Annotated[str | None, FilterLookup("title__icontains")] = Field(None, max_length=200)


class HeatCellOut(Schema):
    likelihood: int
    consequence: int
    level: str
    inherent: int
    residual: int


class HeatMapOut(Schema):
    likelihood_labels: list[str]
    consequence_labels: list[str]
    items: list[HeatCellOut]


class ZoneRiskOut(Schema):
    zone_id: int
    site_id: int
    scenarios: int
    worst_level: str
    justified_sl_t: int | None
    recorded_sl_t: int | None
    gap: bool
    convention: str


# --- reviews ----------------------------------------------------------------------------------------------
class ReviewOut(Schema):
    id: int
    site_id: int
    zone_id: int | None
    reviewed_on: date
    reviewer_id: int
    changes: str
    next_review_on: date | None


class ReviewCreate(InputSchema):
    site_id: Id
    zone_id: Id | None = None
    reviewed_on: date | None = None
    reviewer_id: Id
    changes: str = Field(min_length=1, max_length=5000)
    next_review_on: date | None = None


class ReviewUpdate(InputSchema):
    zone_id: Id | None = None
    reviewed_on: date | None = None
    reviewer_id: Id | None = None
    changes: str | None = Field(None, min_length=1, max_length=5000)
    next_review_on: date | None = None


class ReviewFilter(Filter):
    site_id: int | None = None
    zone_id: int | None = None


# --- advisories and vulnerabilities -----------------------------------------------------------------------
class AdvisoryOut(Schema):
    id: int
    site_id: int
    tracking_id: str
    version: str
    title: str
    publisher: str
    category: str
    status: str
    initial_release: str
    current_release: str
    revision_history: list[dict[str, str]]
    products: list[dict[str, str]]
    exploitability: str
    filename: str
    sha256: str
    imported_at: datetime


class AdvisoryFilter(Filter):
    site_id: int | None = None
    tracking_id: str | None = Field(None, max_length=200)
    q: Annotated[str | None, FilterLookup("title__icontains")] = Field(None, max_length=200)


class ImportOut(Schema):
    site_id: int
    advisory_id: int
    tracking_id: str
    version: str
    outcome: str
    vulnerabilities: int
    affected: int
    possibly_affected: int
    no_longer_listed: int
    messages: list[str]


class VulnerabilityOut(Schema):
    id: int
    site_id: int
    advisory_id: int
    key: str
    cve: str
    title: str
    cvss_score: Decimal | None
    cvss_vector: str
    severity: str
    cwe: str
    summary: str
    exploitability: str


class VulnerabilityFilter(Filter):
    site_id: int | None = None
    advisory_id: int | None = None
    severity: Literal["critical", "high", "medium", "low", "none"] | None = None
    cve: str | None = Field(None, max_length=40)


StatusValue = Literal["open", "patched", "mitigated", "accepted", "not-affected"]


class AssetVulnerabilityOut(Schema):
    id: int
    site_id: int
    asset_id: int
    vulnerability_id: int
    product_id: str
    product_name: str
    match: str
    match_reason: str
    remediations: list[dict[str, Any]]
    listed: bool
    status: str
    status_note: str
    accepted_by_id: int | None
    accepted_until: date | None
    status_changed_at: datetime | None


class AssetVulnerabilityFilter(Filter):
    site_id: int | None = None
    asset_id: int | None = None
    vulnerability_id: int | None = None
    advisory_id: Annotated[int | None, FilterLookup("vulnerability__advisory_id")] = None
    status: StatusValue | None = None
    match: Literal["affected", "possibly-affected"] | None = None
    severity: Annotated[
        Literal["critical", "high", "medium", "low", "none"] | None, FilterLookup("vulnerability__severity")
    ] = None
    listed: bool | None = None


class StatusChange(InputSchema):
    status: StatusValue
    note: str = Field(min_length=1, max_length=1000)
    accepted_by_id: Id | None = None
    accepted_until: date | None = None
