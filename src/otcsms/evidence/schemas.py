"""API schemas of documents, versions, reviews and evidence links."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from django.db.models import Q
from ninja import Field, Schema

from otcsms.core import registry
from otcsms.core.schemas import Filter, Id, InputSchema, content_type_q, type_label
from otcsms.evidence.models import CoveredSite
from otcsms.evidence.search import matching_q

if TYPE_CHECKING:
    from otcsms.evidence.models import Document, EvidenceLink

KindValue = Literal[
    "policy", "procedure", "plan", "standard", "network-diagram", "configuration", "record", "report", "other"
]
ClassificationValue = Literal["public", "internal", "confidential", "restricted"]
VersionStatusValue = Literal["draft", "in_review", "approved", "superseded", "retired"]
OutcomeValue = Literal["no-change", "revised", "retired"]
if TYPE_CHECKING:
    TargetValue = str
else:  # every model an app declares in Contributions.evidence_targets (the OpenAPI document lists them)
    TargetValue = Literal[tuple(registry.evidence_targets())]
IdList = Annotated[list[Id], Field(max_length=1000)]


class DocumentOut(Schema):
    id: int
    site_id: int
    kind: str
    title: str
    description: str
    owner_id: int | None
    approver_id: int | None
    classification: str
    tags: list[str]
    review_interval_months: int
    next_review: date | None
    review_overdue: bool
    current_version_id: int | None
    retired_at: datetime | None
    zone_ids: list[int]
    asset_ids: list[int]
    covered_site_ids: list[int] = Field(description="Other sites the document covers (their users read it).")
    created_at: datetime

    @staticmethod
    def resolve_tags(obj: Document) -> list[str]:
        return obj.tag_list()

    @staticmethod
    def resolve_review_overdue(obj: Document) -> bool:
        return obj.review_overdue()

    @staticmethod
    def resolve_zone_ids(obj: Document) -> list[int]:
        return sorted(c.zone_id for c in obj.covered_zones.all())

    @staticmethod
    def resolve_asset_ids(obj: Document) -> list[int]:
        return sorted(c.asset_id for c in obj.covered_assets.all())

    @staticmethod
    def resolve_covered_site_ids(obj: Document) -> list[int]:
        return sorted(c.site_id for c in obj.covered_sites.all())


class DocumentCreate(InputSchema):
    site_id: Id
    kind: KindValue
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    owner_id: Id | None = None
    approver_id: Id | None = None
    classification: ClassificationValue = "internal"
    tags: str = Field("", max_length=500, description="Comma-separated words.")
    review_interval_months: int | None = Field(
        None, ge=0, le=120, description="Months between reviews, 0 for none; default by kind."
    )
    zone_ids: IdList = Field(default_factory=list, description="Zones the document covers (its site's).")
    asset_ids: IdList = Field(default_factory=list, description="Assets the document covers (its site's).")
    covered_site_ids: IdList = Field(
        default_factory=list,
        description="Other sites the document covers: their users read it and link it as their evidence (you "
        "must be able to add documents on each).",
    )  # fmt: skip


class DocumentUpdate(InputSchema):
    kind: KindValue | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    owner_id: Id | None = None
    approver_id: Id | None = None
    classification: ClassificationValue | None = None
    tags: str | None = Field(None, max_length=500)
    review_interval_months: int | None = Field(None, ge=0, le=120)
    zone_ids: IdList | None = None
    asset_ids: IdList | None = None
    covered_site_ids: IdList | None = None


class DocumentFilter(Filter):
    site_id: Id | None = Field(None, description="Documents of the site, and those covering it.")
    kind: KindValue | None = None
    owner_id: Id | None = None
    q: str | None = Field(
        None, max_length=200,
        description="Words to find (every one) in titles, tags, descriptions, change summaries and version text.",
    )  # fmt: skip
    review_overdue: bool | None = Field(
        None, description="Only documents past (true) or not past their review."
    )
    retired: bool | None = None

    def filter_review_overdue(self, value: bool | None) -> Q:
        from django.utils import timezone

        if value is None:
            return Q()
        overdue = Q(next_review__lt=timezone.localdate(), retired_at__isnull=True)
        return overdue if value else ~overdue

    def filter_q(self, value: str | None) -> Q:
        return Q() if not value or not value.strip() else matching_q(value)

    def filter_retired(self, value: bool | None) -> Q:
        return Q() if value is None else Q(retired_at__isnull=not value)

    def filter_site_id(self, value: int | None) -> Q:
        if value is None:
            return Q()
        return Q(site_id=value) | Q(pk__in=CoveredSite.objects.filter(site_id=value).values("document_id"))


class VersionOut(Schema):
    id: int
    site_id: int
    document_id: int
    number: int
    status: str
    sha256: str
    size: int
    media_type: str
    claimed_type: str
    type_mismatch: bool
    file_name: str
    change_summary: str
    uploaded_by_id: int | None
    uploaded_at: datetime
    submitted_by_id: int | None
    submitted_at: datetime | None
    approved_by_id: int | None
    approved_at: datetime | None


class VersionFilter(Filter):
    site_id: Id | None = None
    document_id: Id | None = None
    status: VersionStatusValue | None = None
    sha256: str | None = Field(None, min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")

    def filter_sha256(self, value: str | None) -> Q:
        return Q() if value is None else Q(blob_id=value)


class SignatureOut(Schema):
    id: int
    site_id: int
    version_id: int
    signer_id: int
    signer_name: str
    signed_at: datetime
    sha256: str
    meaning: str
    digest: str
    reauthenticated: bool
    channel: str


class SignatureFilter(Filter):
    site_id: Id | None = None
    version_id: Id | None = None


class ApproveIn(InputSchema):
    password: str = Field(
        min_length=1,
        max_length=1000,
        description="The approver's own password, re-entered to sign the approval.",
    )


class ReasonIn(InputSchema):
    reason: str = Field(min_length=1, max_length=1000)


class ReviewIn(InputSchema):
    outcome: OutcomeValue
    note: str = Field("", max_length=2000, description="Required when the outcome is retired (the reason).")


class ReviewOut(Schema):
    id: int
    site_id: int
    document_id: int
    outcome: str
    note: str
    reviewed_by_id: int | None
    reviewed_at: datetime
    next_review: date | None


class ReviewFilter(Filter):
    site_id: Id | None = None
    document_id: Id | None = None


class LinkOut(Schema):
    id: int
    site_id: int
    document_id: int
    version_id: int | None
    target_type: str
    target_id: int
    target_repr: str
    valid_until: date | None
    note: str
    current: bool
    stale_because: str
    created_by_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_target_type(obj: EvidenceLink) -> str:
        return type_label(obj.target_type_id)

    @staticmethod
    def resolve_current(obj: EvidenceLink) -> bool:
        from otcsms.evidence.freshness import state_of

        return state_of(obj).current

    @staticmethod
    def resolve_stale_because(obj: EvidenceLink) -> str:
        from otcsms.evidence.freshness import state_of

        return state_of(obj).why


class LinkCreate(InputSchema):
    document_id: Id
    version_id: Id | None = Field(None, description="Pin one version; empty: the version in force.")
    target_type: TargetValue
    target_id: Id
    valid_until: date | None = None
    note: str = Field("", max_length=500)
    site_id: Id | None = Field(
        None, description="For a record of no site (a requirement): the site it is evidence for (one the document "
        "covers; default its own). A record of a site is evidenced on that site.",
    )  # fmt: skip


class LinkUpdate(InputSchema):
    valid_until: date | None = None
    note: str | None = Field(None, max_length=500)


class LinkFilter(Filter):
    site_id: Id | None = None
    document_id: Id | None = None
    target_type: TargetValue | None = None
    target_id: Id | None = None

    def filter_target_type(self, value: str | None) -> Q:
        return content_type_q("target_type", value)


class CompletenessOut(Schema):
    site_id: int
    site: str
    score: int
    counts: dict[str, list[int]] = Field(description="Per category: [in order, counted].")
    gaps: list[dict[str, str | int]]


class SearchHit(Schema):
    id: int
    site_id: int
    title: str
    kind: str
    tags: list[str]
    version_id: int | None
    snippet: str
    rank: float


class SearchQuery(Filter):
    q: str = Field("", max_length=200, description="Words to find in titles, tags and text (empty: nothing).")
    site_id: Id | None = None
    limit: int = Field(50, ge=1, le=200)


class CompletenessQuery(Filter):
    site_id: Id | None = None
