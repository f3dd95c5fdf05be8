"""API schemas of C6. Inputs forbid unknown fields (InputSchema); updates are partial (PATCH)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, FilterLookup, Schema

from otcsms.core.schemas import Filter, Id, InputSchema, UtcDatetime

SystemKind = Literal[
    "hmi-scada", "controller", "historian", "domain", "jump-host", "firewall", "workstation", "physical", "other"
]  # fmt: skip
AccountKind = Literal["human", "service", "shared", "vendor-remote", "emergency"]
AuthValue = Literal["local-password", "directory", "mfa", "certificate", "none", ""]
PrivilegeValue = Literal["view", "operate", "engineer", "administer"]
AccountStatus = Literal["enabled", "disabled", "removed"]
AccessType = Literal["electronic", "physical"]
Reason = Field(min_length=1, max_length=500)


# --- policies ---------------------------------------------------------------------------------------------
class PolicyOut(Schema):
    id: int
    site_id: int
    revocation_limit_hours: int
    dormant_days: int


class PolicyCreate(InputSchema):
    site_id: Id
    revocation_limit_hours: int = Field(24, ge=1, le=720)
    dormant_days: int = Field(90, ge=1, le=3650)


class PolicyUpdate(InputSchema):
    revocation_limit_hours: int | None = Field(None, ge=1, le=720)
    dormant_days: int | None = Field(None, ge=1, le=3650)


class SiteFilter(Filter):
    site_id: int | None = None


# --- systems ----------------------------------------------------------------------------------------------
class SystemOut(Schema):
    id: int
    site_id: int
    name: str
    kind: str
    asset_id: int | None
    zone_id: int | None
    owner_id: int | None
    description: str


class SystemCreate(InputSchema):
    site_id: Id
    name: str = Field(min_length=1, max_length=200)
    kind: SystemKind = "other"
    asset_id: Id | None = None
    zone_id: Id | None = None
    owner_id: Id | None = None
    description: str = Field("", max_length=2000)


class SystemUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: SystemKind | None = None
    asset_id: Id | None = None
    zone_id: Id | None = None
    owner_id: Id | None = None
    description: str | None = Field(None, max_length=2000)


class SystemFilter(SiteFilter):
    q: Annotated[str | None, FilterLookup("name__icontains")] = Field(None, max_length=200)
    kind: SystemKind | None = None


# --- accounts ---------------------------------------------------------------------------------------------
class AccountOut(Schema):
    id: int
    site_id: int
    system_id: int
    username: str
    kind: str
    person_id: int | None
    auth: str
    privilege: str
    status: str
    last_logon: datetime | None
    note: str


class AccountCreate(InputSchema):
    system_id: Id
    username: str = Field(min_length=1, max_length=200)
    kind: AccountKind = "human"
    person_id: Id | None = None
    auth: AuthValue = ""
    privilege: PrivilegeValue | Literal[""] = ""
    status: AccountStatus = "enabled"
    last_logon: UtcDatetime | None = None
    note: str = Field("", max_length=500)


class AccountUpdate(InputSchema):
    username: str | None = Field(None, min_length=1, max_length=200)
    kind: AccountKind | None = None
    person_id: Id | None = None
    auth: AuthValue | None = None
    privilege: PrivilegeValue | Literal[""] | None = None
    status: AccountStatus | None = None
    last_logon: UtcDatetime | None = None
    note: str | None = Field(None, max_length=500)


class AccountFilter(SiteFilter):
    system_id: int | None = None
    person_id: int | None = None
    kind: AccountKind | None = None
    status: AccountStatus | None = None
    q: Annotated[str | None, FilterLookup("username__icontains")] = Field(None, max_length=200)


# --- grants -----------------------------------------------------------------------------------------------
class GrantOut(Schema):
    id: int
    site_id: int
    person_id: int
    system_id: int
    privilege: str
    access_type: str
    justification: str
    requested_by_id: int
    approved_by_id: int
    starts_on: date
    expires_on: date | None
    status: str
    revoked_at: datetime | None
    revoke_reason: str
    terminated_at: datetime | None
    prerequisites: str
    prerequisite_exception: str
    revocation_delay_hours: float | None = None

    @staticmethod
    def resolve_revocation_delay_hours(obj: object) -> float | None:
        delay = getattr(obj, "revocation_delay_hours", None)
        return delay() if callable(delay) else None


class GrantCreate(InputSchema):
    person_id: Id
    system_id: Id
    privilege: PrivilegeValue
    access_type: AccessType = "electronic"
    justification: str = Field(min_length=1, max_length=2000)
    requested_by_id: Id
    approved_by_id: Id
    starts_on: date | None = None
    expires_on: date | None = None
    prerequisites: str = Field("", max_length=500, description="Anything this access needs beyond readiness.")
    prerequisite_exception: str = Field(
        "", max_length=1000,
        description="Why the access is granted although the person is not ready (training or screening missing "
        "or expired): a documented exception. Empty: a person who is not ready is refused (422).",
    )  # fmt: skip


class GrantUpdate(InputSchema):
    justification: str | None = Field(None, min_length=1, max_length=2000)
    expires_on: date | None = None
    prerequisites: str | None = Field(None, max_length=500)


class GrantFilter(SiteFilter):
    person_id: int | None = None
    system_id: int | None = None
    status: Literal["active", "revoked"] | None = None
    access_type: AccessType | None = None


class Revoke(InputSchema):
    reason: str = Reason


class TerminationIn(InputSchema):
    person_id: Id
    reason: str = Reason
    effective_at: UtcDatetime | None = Field(
        None, description="When the termination took effect (default: now); revocation delays count from it."
    )


class RevokedOut(Schema):
    grant_id: int
    site_id: int
    system: str
    privilege: str
    revoked_at: datetime
    delay_hours: float
    limit_hours: int
    over_limit: bool


class TerminationOut(Schema):
    person_id: int
    effective_at: datetime
    revoked: list[RevokedOut]
    accounts_disabled: int
    outstanding: int = Field(description="Grants on sites you may not change, left to their site admins.")


# --- reconciliation and imports -------------------------------------------------------------------------
class DiscrepancyOut(Schema):
    category: str
    kind: str
    id: int
    message: str
    suggested_action: str


class ReconciliationOut(Schema):
    system_id: int
    site_id: int
    accounts: int
    grants: int
    counts: dict[str, int]
    discrepancies: list[DiscrepancyOut]


class ImportOut(Schema):
    id: int
    site_id: int
    system_id: int
    filename: str
    format: str
    sha256: str
    imported_at: datetime
    rows: int
    created: int
    updated: int
    removed: int
    warnings: list[str]


class ImportFilter(SiteFilter):
    system_id: int | None = None


# --- the access-change log ------------------------------------------------------------------------------
class ChangeOut(Schema):
    seq: int
    when: datetime
    who: str
    object_type: str
    object_id: str
    object: str
    what: str
    approved_by: str
    why: str
    site_id: int | None


class ChangeFilter(Filter):
    system_id: int | None = None
    person_id: int | None = None
    site_id: int | None = None


# --- reviews --------------------------------------------------------------------------------------------
class ReviewOut(Schema):
    id: int
    site_id: int
    title: str
    period_start: date
    period_end: date
    due_on: date | None
    status: str
    routing: str
    created_at: datetime
    signed_off_by_id: int | None
    signed_off_at: datetime | None
    sign_off_note: str


class ReviewCreate(InputSchema):
    site_id: Id
    title: str = Field(min_length=1, max_length=200)
    period_start: date
    period_end: date
    due_on: date | None = None
    routing: Literal["manager", "owner"] = Field(
        "manager",
        description="manager: each grantee's manager reviews (else the system owner); owner: the owner.",
    )


class ReviewFilter(SiteFilter):
    status: Literal["open", "signed-off"] | None = None


class ReviewerProgressOut(Schema):
    reviewer_id: int | None
    reviewer: str
    total: int
    decided: int
    pending: int


class ProgressOut(Schema):
    total: int
    confirmed: int
    revoked: int
    decided: int
    percent: int
    reviewers: list[ReviewerProgressOut]


class ReminderOut(Schema):
    id: int
    site_id: int
    campaign_id: int
    reviewer_id: int
    day: date
    pending: int
    channel: str
    created_at: datetime
    email_error: str


class ReminderFilter(SiteFilter):
    campaign_id: int | None = None
    reviewer_id: int | None = None


class EvidenceExportOut(Schema):
    id: int
    site_id: int
    campaign_id: int
    part: str
    document_id: int
    version_id: int
    requirements: list[list[str]]
    exported_at: datetime
    exported_by_id: int | None


class EvidenceExportFilter(SiteFilter):
    campaign_id: int | None = None


class EvidenceExportsOut(Schema):
    exports: list[EvidenceExportOut]
    missing_requirements: list[list[str]] = Field(description="Requirements not in the loaded library.")


class SignOff(InputSchema):
    note: str = Field("", max_length=500)


class ReviewItemOut(Schema):
    id: int
    site_id: int
    campaign_id: int
    grant_id: int
    reviewer_id: int | None
    decision: str
    comment: str
    decided_at: datetime | None
    decided_by_id: int | None


class ReviewItemFilter(SiteFilter):
    campaign_id: int | None = None
    decision: Literal["pending", "confirmed", "revoked"] | None = None
    reviewer_id: int | None = None


class Decide(InputSchema):
    decision: Literal["confirmed", "revoked"]
    comment: str = Field("", max_length=1000)


class ReviewSheetChangeOut(Schema):
    id: str
    row: int
    changed: list[str]
    decision: str


class ReviewSheetImportOut(Schema):
    updated: int
    changes: list[ReviewSheetChangeOut]
