"""API schemas of C1. Input schemas forbid unknown fields (InputSchema); updates are partial (PATCH)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, FilterLookup, Schema

from otcsms.core.schemas import Filter, InputSchema

SectorValue = Literal[
    "water", "wastewater", "electric-transmission", "electric-generation", "electric-distribution", "oil-gas",
    "chemical", "manufacturing", "food-beverage", "pharmaceutical", "other",
]  # fmt: skip
NercImpactValue = Literal["high", "medium", "low", "none", ""]
RoleValue = Literal["viewer", "contributor", "approver", "site-admin", "auditor"]
RaciValue = Literal["R", "A", "C", "I"]
Name = Field(min_length=1, max_length=200)
LongText = Field("", max_length=5000)


class SearchFilter(Filter):
    q: Annotated[str | None, FilterLookup("name__icontains")] = Field(
        None, max_length=200, description="Search by name."
    )


class SiteFilter(SearchFilter):
    site_id: int | None = None


# --- sites ----------------------------------------------------------------------------------------
class SiteOut(Schema):
    id: int
    name: str
    code: str
    sector: str
    location: str
    description: str
    nerc_registration: str = Field(title="NERC registration")
    nerc_impact: str = Field(title="NERC impact")


class SiteCreate(InputSchema):
    name: str = Name
    code: str | None = Field(
        None, min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="Short identifier; made from the name when left out.",
    )  # fmt: skip
    sector: SectorValue = "other"
    location: str = Field("", max_length=200)
    description: str = LongText
    nerc_registration: str = Field("", max_length=40, title="NERC registration")
    nerc_impact: NercImpactValue = Field("", title="NERC impact")
    organisation_id: int | None = None


class SiteUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    sector: SectorValue | None = None
    location: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    nerc_registration: str | None = Field(None, max_length=40, title="NERC registration")
    nerc_impact: NercImpactValue | None = Field(None, title="NERC impact")


class SiteListFilter(SearchFilter):
    sector: SectorValue | None = None


# --- memberships ----------------------------------------------------------------------------------
class MembershipOut(Schema):
    id: int
    site_id: int
    user_id: int
    username: str = Field(alias="user.username")
    role: str


class MembershipCreate(InputSchema):
    site_id: int
    user_id: int
    role: RoleValue


class MembershipUpdate(InputSchema):
    role: RoleValue


class MembershipFilter(Filter):
    site_id: int | None = None
    user_id: int | None = None
    role: RoleValue | None = None


# --- people ---------------------------------------------------------------------------------------
class PersonOut(Schema):
    id: int
    site_id: int | None
    name: str
    email: str
    job_title: str
    employer: str
    user_id: int | None
    active: bool
    manager_id: int | None = None


class PersonCreate(InputSchema):
    site_id: int | None = None
    name: str = Name
    email: str = Field("", max_length=254)
    job_title: str = Field("", max_length=200)
    employer: str = Field("", max_length=200)
    user_id: int | None = None
    active: bool = True
    manager_id: int | None = None


class PersonUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254)
    job_title: str | None = Field(None, max_length=200)
    employer: str | None = Field(None, max_length=200)
    user_id: int | None = None
    active: bool | None = None
    manager_id: int | None = None


class PersonFilter(SiteFilter):
    active: bool | None = None


# --- CSMS roles and activities (organisation-wide) ------------------------------------------------
class CsmsRoleOut(Schema):
    id: int
    name: str
    description: str


class CsmsRoleCreate(InputSchema):
    name: str = Field(min_length=1, max_length=120)
    description: str = LongText


class CsmsRoleUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = Field(None, max_length=5000)


class ActivityOut(Schema):
    id: int
    name: str
    description: str
    reference: str
    order: int


class ActivityCreate(InputSchema):
    name: str = Field(min_length=1, max_length=160)
    description: str = LongText
    reference: str = Field("", max_length=120)
    order: int = Field(0, ge=0, le=100000)


class ActivityUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=160)
    description: str | None = Field(None, max_length=5000)
    reference: str | None = Field(None, max_length=120)
    order: int | None = Field(None, ge=0, le=100000)


# --- role assignments and RACI --------------------------------------------------------------------
class RoleAssignmentOut(Schema):
    id: int
    site_id: int
    role_id: int
    role: str = Field(alias="role.name")
    person_id: int
    person: str = Field(alias="person.name")
    starts_on: date | None
    ends_on: date | None
    note: str


class RoleAssignmentCreate(InputSchema):
    site_id: int
    role_id: int
    person_id: int
    starts_on: date | None = None
    ends_on: date | None = None
    note: str = Field("", max_length=500)


class RoleAssignmentUpdate(InputSchema):
    role_id: int | None = None
    person_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    note: str | None = Field(None, max_length=500)


class RoleAssignmentFilter(Filter):
    site_id: int | None = None
    role_id: int | None = None
    person_id: int | None = None


class ResponsibilityOut(Schema):
    id: int
    site_id: int
    activity_id: int
    activity: str = Field(alias="activity.name")
    role_id: int
    role: str = Field(alias="role.name")
    raci: str


class ResponsibilityCreate(InputSchema):
    site_id: int
    activity_id: int
    role_id: int
    raci: RaciValue


class ResponsibilityUpdate(InputSchema):
    raci: RaciValue


class ResponsibilityFilter(Filter):
    site_id: int | None = None
    activity_id: int | None = None
    role_id: int | None = None
    raci: RaciValue | None = None


# --- scope statements -----------------------------------------------------------------------------
class ScopeOut(Schema):
    id: int
    site_id: int
    version: int
    status: str
    statement: str
    boundaries: str
    exclusions: str
    bcp_title: str
    bcp_reference: str
    created_at: datetime
    drafted_by_id: int | None = Field(description="Who started this version; may not approve it.")
    edited_by_id: int | None = Field(description="Who last edited the draft; may not approve it.")
    approved_by_id: int | None
    approved_at: datetime | None
    discarded_by_id: int | None
    discarded_at: datetime | None
    discard_reason: str
    review_interval_months: int
    review_due: date | None = Field(
        description="Set on approval: the approval date plus the review interval."
    )


class ScopeCreate(InputSchema):
    site_id: int
    statement: str = Field(min_length=1, max_length=20000)
    boundaries: str = Field("", max_length=20000)
    exclusions: str = Field("", max_length=20000)
    bcp_title: str = Field("", max_length=200)
    bcp_reference: str = Field("", max_length=500)
    review_interval_months: int = Field(12, ge=1, le=60, description="Review the approved scope this often.")


class ScopeUpdate(InputSchema):
    statement: str | None = Field(None, min_length=1, max_length=20000)
    boundaries: str | None = Field(None, max_length=20000)
    exclusions: str | None = Field(None, max_length=20000)
    bcp_title: str | None = Field(None, max_length=200)
    bcp_reference: str | None = Field(None, max_length=500)
    review_interval_months: int | None = Field(None, ge=1, le=60)


class ScopeFilter(Filter):
    site_id: int | None = None
    status: Literal["draft", "approved", "superseded", "discarded"] | None = None


class ScopeDiscard(InputSchema):
    reason: str = Field(
        min_length=1, max_length=1000, description="Why the draft is closed without approval."
    )


class OrganisationOut(Schema):
    id: int
    name: str
    description: str


class OrganisationUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
