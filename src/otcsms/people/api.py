"""REST endpoints of C11: Resources (core.crud) for courses, requirements, assignments, completions and
screenings, plus a person's readiness, a site's training matrix and the import of an LMS export."""

# No `from __future__ import annotations`: ninja reads the handlers' annotations when they are defined.
from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from otcsms.core.api_auth import API_AUTH
from otcsms.core.crud import Resource, register, require_write, save_validated
from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.org.models import Person
from otcsms.people import rules, services
from otcsms.people import schemas as s
from otcsms.people.completionfile import MAX_BYTES, CompletionFileRejected
from otcsms.people.models import Completion, Course, CourseAssignment, CourseRequirement, Screening
from otcsms.tenancy.models import Site

router = Router(tags=["people"])


def _create_assignment(user: User, data: dict[str, Any]) -> CourseAssignment:
    if data.get("assigned_on") is None:
        data.pop("assigned_on", None)  # today
    return save_validated(CourseAssignment(**data))


COURSES = Resource(Course, "courses", s.CourseOut, s.CourseCreate, s.CourseUpdate, filters=s.CourseFilter,
                   ordering=("title", "pk"), tags=["people"])  # fmt: skip
REQUIREMENTS = Resource(CourseRequirement, "course-requirements", s.RequirementOut, s.RequirementCreate,
                        s.RequirementUpdate, filters=s.RequirementFilter, tags=["people"])  # fmt: skip
ASSIGNMENTS = Resource(CourseAssignment, "course-assignments", s.AssignmentOut, s.AssignmentCreate,
                       s.AssignmentUpdate, filters=s.AssignmentFilter, create_hook=_create_assignment,
                       tags=["people"])  # fmt: skip
COMPLETIONS = Resource(Completion, "completions", s.CompletionOut, s.CompletionCreate, s.CompletionUpdate,
                       filters=s.CompletionFilter, ordering=("-completed_on", "pk"),
                       tags=["people"])  # fmt: skip
SCREENINGS = Resource(Screening, "screenings", s.ScreeningOut, s.ScreeningCreate, s.ScreeningUpdate,
                      filters=s.ScreeningFilter, ordering=("-completed_on", "pk"), tags=["people"])  # fmt: skip
for resource in (COURSES, REQUIREMENTS, ASSIGNMENTS, COMPLETIONS, SCREENINGS):
    register(router, resource)


def _need(n: rules.Need) -> dict[str, Any]:
    return {"what": n.what, "subject": n.subject, "status": n.status, "message": n.message, "on": n.since}


def _site_404(request: AuthedRequest, pk: int | None) -> Site:
    site = Site.objects.for_user(request.user).filter(pk=pk).first() if pk else None
    if site is None:
        raise HttpError(404, f"site {pk} not found")
    return site


@router.get("/people/{id:pk}/readiness", response=s.ReadinessOut, operation_id="people_readiness")
def person_readiness(request: AuthedRequest, pk: int, query: Query[s.ReadinessQuery]):
    """What the person still needs (missing or expired training, missing or expired screening) before access
    at the site (default: their home site) with the privilege (empty: the site's training alone)."""
    person = Person.objects.for_user(request.user).filter(pk=pk).first()
    if person is None:
        raise HttpError(404, f"person {pk} not found")
    site_id = query.site_id or person.site_id
    if site_id is None:
        raise HttpError(422, "site_id: the person works organisation-wide: say for which site")
    site = _site_404(request, site_id)
    result = services.readiness(person, site, query.privilege, user=request.user)
    return {
        "person_id": person.pk, "site_id": site.pk, "privilege": query.privilege, "cip_site": result.cip_site,
        "ready": result.ready, "needs": [_need(n) for n in result.needs], "items": [_need(n) for n in result.items],
    }  # fmt: skip


@router.get("/training-matrix/{id:pk}", response=s.MatrixOut, operation_id="people_training_matrix")
def matrix(request: AuthedRequest, pk: int, query: Query[s.MatrixQuery]):
    """The site's people x the courses it requires, each cell ok, expiring, expired, missing or not required."""
    site = _site_404(request, pk)
    result, total = services.training_matrix(request.user, site, query=query.q, offset=query.offset,
                                             limit=query.limit)  # fmt: skip
    return {
        "site_id": site.pk, "percent": result.percent, "total": total, "courses": result.courses,
        "rows": [
            {"person_id": r.person.pk, "person": r.person.name, "compliant": r.compliant,
             "cells": [{"course_id": c.pk, "status": cell.status, "label": cell.label}
                       for c, cell in zip(result.courses, r.cells, strict=True)]}
            for r in result.rows
        ],
    }  # fmt: skip


def refuse_oversized(request: HttpRequest) -> None:
    """413 before the multipart body is read (an upload is streamed to disk, outside Django's memory limit)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BYTES + 64 * 1024:
        raise HttpError(413, f"the file is larger than {MAX_BYTES // 2**20} MB")


@router.post(
    "/training-matrix/{id:pk}/import",
    response={201: s.ImportOut, 422: s.ProblemsOut},
    operation_id="people_import_completions",
    summary="Import course completions from an LMS export (CSV, UTF-8 or UTF-16 with BOM), all or nothing",
    auth=[refuse_oversized, *API_AUTH],
)
def import_completions(request: AuthedRequest, pk: int, file: File[UploadedFile]):
    """Every row is checked first (an unknown person or course, a bad date, a repeated row): on any problem
    nothing is written and the answer is 422 with every problem (row, column, reason)."""
    site = _site_404(request, pk)
    require_write(request, Completion, site.pk, "change")
    if file.size is not None and file.size > MAX_BYTES:
        raise HttpError(413, f"the file is larger than {MAX_BYTES // 2**20} MB")
    try:
        result = services.import_completions(site, file.read(MAX_BYTES + 1), (file.name or "")[:100])
    except CompletionFileRejected as exc:
        detail = [
            {"row": p.row, "column": p.column, "reason": p.reason, "message": str(p)} for p in exc.problems
        ]
        return Status(422, {"detail": detail})
    return Status(201, {"site_id": site.pk, "rows": result.rows, "created": result.created,
                        "unchanged": result.unchanged})  # fmt: skip
