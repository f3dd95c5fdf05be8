"""API schemas of C11. Inputs forbid unknown fields (InputSchema); updates are partial (PATCH)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Field, Schema

from otcsms.core.schemas import Filter, Id, InputSchema

CourseKind = Literal["awareness", "role-based", "protocol"]
PrivilegeValue = Literal["view", "operate", "engineer", "administer"]
ScreeningKind = Literal["pra", "background", "identity"]
ScreeningResult = Literal["passed", "failed"]
Note = Field("", max_length=500)


class SiteFilter(Filter):
    site_id: int | None = None


# --- courses (organisation-wide) -----------------------------------------------------------------------
class CourseOut(Schema):
    id: int
    code: str
    title: str
    kind: str
    description: str
    validity_months: int | None
    active: bool


class CourseCreate(InputSchema):
    code: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=200)
    kind: CourseKind = "awareness"
    description: str = Field("", max_length=5000)
    validity_months: int | None = Field(None, ge=1, le=120)
    active: bool = True


class CourseUpdate(InputSchema):
    code: str | None = Field(None, min_length=1, max_length=40)
    title: str | None = Field(None, min_length=1, max_length=200)
    kind: CourseKind | None = None
    description: str | None = Field(None, max_length=5000)
    validity_months: int | None = Field(None, ge=1, le=120)
    active: bool | None = None


class CourseFilter(Filter):
    kind: CourseKind | None = None
    active: bool | None = None


# --- requirements -----------------------------------------------------------------------------------------
class RequirementOut(Schema):
    id: int
    site_id: int
    course_id: int
    role_id: int | None
    privilege: str
    note: str


class RequirementCreate(InputSchema):
    site_id: Id
    course_id: Id
    role_id: Id | None = None
    privilege: PrivilegeValue | Literal[""] = ""
    note: str = Note


class RequirementUpdate(InputSchema):
    role_id: Id | None = None
    privilege: PrivilegeValue | Literal[""] | None = None
    note: str | None = Field(None, max_length=500)


class RequirementFilter(SiteFilter):
    course_id: int | None = None
    role_id: int | None = None


# --- assignments -------------------------------------------------------------------------------------------
class AssignmentOut(Schema):
    id: int
    site_id: int
    person_id: int
    course_id: int
    assigned_on: date
    due_on: date | None
    note: str


class AssignmentCreate(InputSchema):
    site_id: Id
    person_id: Id
    course_id: Id
    assigned_on: date | None = None
    due_on: date | None = None
    note: str = Note


class AssignmentUpdate(InputSchema):
    due_on: date | None = None
    note: str | None = Field(None, max_length=500)


class AssignmentFilter(SiteFilter):
    person_id: int | None = None
    course_id: int | None = None


# --- completions -------------------------------------------------------------------------------------------
class CompletionOut(Schema):
    id: int
    site_id: int
    person_id: int
    course_id: int
    completed_on: date
    expires_on: date | None
    score: int | None
    evidence_reference: str
    source: str
    note: str


class CompletionCreate(InputSchema):
    site_id: Id
    person_id: Id
    course_id: Id
    completed_on: date
    expires_on: date | None = Field(
        None, description="Empty: 15 months at a NERC CIP site, else the course's."
    )
    score: int | None = Field(None, ge=0, le=100)
    evidence_reference: str = Field("", max_length=500, description="The certificate's document id or URL.")
    note: str = Note


class CompletionUpdate(InputSchema):
    expires_on: date | None = None
    score: int | None = Field(None, ge=0, le=100)
    evidence_reference: str | None = Field(None, max_length=500)
    note: str | None = Field(None, max_length=500)


class CompletionFilter(SiteFilter):
    person_id: int | None = None
    course_id: int | None = None
    source: Literal["manual", "import"] | None = None


# --- screenings ---------------------------------------------------------------------------------------------
class ScreeningOut(Schema):
    id: int
    site_id: int
    person_id: int
    kind: str
    completed_on: date
    result: str
    next_due: date | None
    reference: str
    note: str


class ScreeningCreate(InputSchema):
    site_id: Id
    person_id: Id
    kind: ScreeningKind = "pra"
    completed_on: date
    result: ScreeningResult = "passed"
    next_due: date | None = Field(None, description="Empty: 7 years after completion (CIP-004 R3.5).")
    reference: str = Field("", max_length=500)
    note: str = Note


class ScreeningUpdate(InputSchema):
    result: ScreeningResult | None = None
    next_due: date | None = None
    reference: str | None = Field(None, max_length=500)
    note: str | None = Field(None, max_length=500)


class ScreeningFilter(SiteFilter):
    person_id: int | None = None
    kind: ScreeningKind | None = None


# --- readiness, matrix, import --------------------------------------------------------------------------------
class NeedOut(Schema):
    what: str
    subject: str
    status: str
    message: str
    on: date | None = None


class ReadinessOut(Schema):
    person_id: int
    site_id: int
    privilege: str | None
    cip_site: bool
    ready: bool
    needs: list[NeedOut]
    items: list[NeedOut]


class ReadinessQuery(Filter):
    site_id: int | None = Field(None, description="Default: the person's home site.")
    privilege: PrivilegeValue | None = Field(
        None, description="Readiness for this access; empty: training only."
    )


class MatrixCellOut(Schema):
    course_id: int
    status: str
    label: str


class MatrixRowOut(Schema):
    person_id: int
    person: str
    compliant: bool
    cells: list[MatrixCellOut]


class MatrixOut(Schema):
    site_id: int
    percent: int
    total: int
    courses: list[CourseOut]
    rows: list[MatrixRowOut]


class MatrixQuery(Filter):
    q: str = Field("", max_length=200)
    offset: int = Field(0, ge=0, le=10**9)
    limit: int = Field(100, ge=1, le=500)


class ImportOut(Schema):
    site_id: int
    rows: int
    created: int
    unchanged: int


class ProblemOut(Schema):
    row: int
    column: str
    reason: str
    message: str


class ProblemsOut(Schema):
    detail: list[ProblemOut]
