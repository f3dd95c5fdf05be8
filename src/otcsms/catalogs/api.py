"""REST endpoints of C3: the framework library (read-only), crosswalks, coverage, OSCAL export and import.

Frameworks and mapping sets are read-only Resources (core.crud): they change only through the import
workflow, which validates a whole file before writing anything.
"""

# No `from __future__ import annotations`: ninja reads the handlers' annotations to build the parsers.
from django.db.models import F
from django.http import HttpRequest
from ninja import File, Form, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.security import SessionAuth as NinjaSessionAuth

from otcsms.catalogs import review, services
from otcsms.catalogs import schemas as s
from otcsms.catalogs.libformat import LibraryError
from otcsms.catalogs.loader import MAX_IMPORT_BYTES, import_library_bytes
from otcsms.catalogs.models import Framework, MappingSet, Requirement
from otcsms.core import api_auth
from otcsms.core.crud import Resource, get_visible_or_404, register
from otcsms.core.http import AuthedRequest
from otcsms.core.pagination import Page
from otcsms.core.schemas import Id

router = Router(tags=["frameworks"])

FRAMEWORKS = Resource(
    Framework, "frameworks", s.FrameworkOut, filters=s.FrameworkFilter, ordering=("key", "-is_current", "version"),
    deletable=False, tags=["frameworks"],
)  # fmt: skip
MAPPING_SETS = Resource(
    MappingSet, "mapping-sets", s.MappingSetOut, filters=s.MappingSetFilter, ordering=("key", "version"),
    select_related=("source_framework", "target_framework"), deletable=False, tags=["frameworks"],
)  # fmt: skip
REQUIREMENTS = Resource(Requirement, "requirements", s.RequirementOut, select_related=("framework", "parent"))

register(router, FRAMEWORKS)
register(router, MAPPING_SETS)


def _framework(request: AuthedRequest, pk: int) -> Framework:
    return get_visible_or_404(FRAMEWORKS, request, pk)


def _against(request: AuthedRequest, against: int | None) -> Framework:
    if against is None:
        raise HttpError(422, "give the other framework: ?against=<framework id>")
    return _framework(request, against)


def _hops(max_hops: int) -> int:
    if not 1 <= max_hops <= services.MAX_HOPS:
        raise HttpError(422, f"max_hops must be between 1 and {services.MAX_HOPS}")
    return max_hops


@router.get(
    "/frameworks/{id:pk}/requirements",
    response=list[s.RequirementOut],
    operation_id="frameworks_requirements",
    summary="Requirements of one framework version in tree (reading) order, with search and filters",
)
@paginate(Page)
def framework_requirements(
    request: AuthedRequest,
    pk: int,
    q: str = Query("", max_length=200, description="Search ref, title and text."),
    kind: s.KindValue | None = None,
    assessable: bool | None = None,
):
    fw = _framework(request, pk)
    rows = services.search_requirements(fw.requirements.all(), q, kind or "", assessable)
    return rows.annotate(parent_ref=F("parent__ref"))


@router.get(
    "/frameworks/{id:pk}/review/requirements",
    response=list[s.ReviewRequirementOut],
    operation_id="frameworks_review_requirements",
    summary="The framework's catalog rows not verified against their source, the doubtful ones first",
)
@paginate(Page)
def framework_review_requirements(request: AuthedRequest, pk: int):
    return review.unverified_requirements(_framework(request, pk)).annotate(parent_ref=F("parent__ref"))


@router.get(
    "/frameworks/{id:pk}/review/mappings",
    response=list[s.MappingRowOut],
    operation_id="frameworks_review_mappings",
    summary="Unverified rows of the current crosswalks from or to this framework (inferences, expert judgements)",
)
@paginate(Page)
def framework_review_mappings(
    request: AuthedRequest,
    pk: int,
    mapping_set: Id | None = None,  # only this mapping set (its id)
    q: str = Query("", max_length=200, description="Search the source and target ids."),
):
    return review.unverified_mappings(_framework(request, pk), mapping_set, q.strip())


@router.get(
    "/frameworks/{id:pk}/coverage",
    response=s.CoverageOut,
    operation_id="frameworks_coverage",
    summary="How many assessable requirements of this framework reach the other one",
)
def framework_coverage(request: AuthedRequest, pk: int, against: int | None = None, max_hops: int = 3):
    fw = _framework(request, pk)
    other = _against(request, against)
    try:
        result = services.coverage(fw, other, _hops(max_hops))
    except services.NotCurrent as exc:
        raise HttpError(422, str(exc)) from None
    groups = [
        {**g.__dict__, "gaps": g.gaps, "share": round(g.share, 4)} for g in result.groups
    ]  # fmt: skip
    return {
        "framework": fw, "against": other, "max_hops": result.max_hops, "assessable": result.assessable,
        "covered": result.covered, "direct": result.direct, "full": result.full, "gaps": result.gaps,
        "share": round(result.share, 4), "groups": groups,
    }  # fmt: skip


@router.get(
    "/frameworks/{id:pk}/gaps",
    response=list[s.GapOut],
    operation_id="frameworks_gaps",
    summary="Assessable requirements of this framework that reach nothing in the other one",
)
@paginate(Page)
def framework_gaps(request: AuthedRequest, pk: int, against: int | None = None, max_hops: int = 3):
    fw = _framework(request, pk)
    other = _against(request, against)
    try:
        return services.coverage(fw, other, _hops(max_hops)).gap_rows
    except services.NotCurrent as exc:
        raise HttpError(422, str(exc)) from None


@router.get(
    "/frameworks/{id:pk}/diff",
    response=dict,
    operation_id="frameworks_diff",
    summary="The migration from another version of the same framework to this one",
)
def framework_diff(request: AuthedRequest, pk: int, against: int | None = None):
    fw = _framework(request, pk)
    old = _against(request, against)
    if old.key != fw.key:
        raise HttpError(422, f"{old.key} is another framework: a migration is between versions of {fw.key}")
    return services.diff_between(old, fw).as_dict()


@router.get(
    "/frameworks/{id:pk}/oscal",
    response=dict,
    operation_id="frameworks_oscal",
    summary="The framework version as an OSCAL 1.1 catalog",
)
def framework_oscal(request: AuthedRequest, pk: int):
    return services.oscal_catalog(_framework(request, pk))


class _ImportGate:
    """Refuses, before the body is read, an upload that is too large or from someone who is not an org admin
    (auth callbacks run before ninja parses the multipart body)."""

    def __call__(self, request: HttpRequest):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_IMPORT_BYTES + 64 * 1024:
            raise HttpError(413, f"an import is limited to {MAX_IMPORT_BYTES} bytes")
        user = super().__call__(request)  # type: ignore[misc]
        if user and not (user.is_active and user.is_org_admin):
            raise HttpError(403, "only organisation admins import frameworks")
        return user


# Same class names as the platform's, so OpenAPI shows the same two security schemes.
class BearerToken(_ImportGate, api_auth.BearerToken):
    pass


class SessionAuth(_ImportGate, NinjaSessionAuth):
    pass


@router.post(
    "/frameworks/import",
    response={201: s.ImportResultOut, 200: s.ImportResultOut, 422: s.ImportProblemsOut},
    auth=[BearerToken(), SessionAuth()],
    operation_id="frameworks_import",
    summary="Import a library file, an OSCAL catalog or an OSCAL profile (organisation admins)",
    description="Validated completely before anything is written; 422 lists every problem as "
    "{file, path, reason}. 201 when something was loaded, 200 when it was all loaded already.",
)
def import_framework(
    request: AuthedRequest,
    file: File[UploadedFile],
    framework: Form[str | None] = None,
    version: Form[str | None] = None,
):
    if file.size is not None and file.size > MAX_IMPORT_BYTES:
        raise HttpError(413, f"an import is limited to {MAX_IMPORT_BYTES} bytes")
    data = file.read(MAX_IMPORT_BYTES + 1)
    try:
        result = import_library_bytes(
            file.name or "upload", data, framework=(framework or None), version=(version or None)
        )
    except LibraryError as error:
        problems = [{"file": p.file, "path": p.path, "reason": p.reason} for p in error.problems[:200]]
        return Status(422, {"detail": problems})
    return Status(201 if result.changed else 200, result.as_dict())


@router.get(
    "/requirements/{id:pk}",
    response=s.RequirementDetailOut,
    operation_id="requirements_get",
    summary="One requirement with its parent, children, direct mappings (both directions), provenance and guidance",
)
def requirement_detail(request: AuthedRequest, pk: int):
    req = get_visible_or_404(REQUIREMENTS, request, pk)
    mappings = [
        {
            "mapping_id": d.mapping.pk, "direction": d.direction, "relationship": d.relationship,
            "strength": d.mapping.strength, "rationale": d.mapping.rationale, "source_ref": d.mapping.source_ref,
            "verified": d.mapping.verified, "reviewer": d.mapping.reviewer,
            "mapping_set": d.mapping.mapping_set, "framework": d.framework, "requirement": d.other,
        }
        for d in services.direct_mappings(req)
    ]  # fmt: skip
    return {
        **{f: getattr(req, f) for f in s.RequirementOut.model_fields if f != "parent_ref"},
        "parent_ref": req.parent.ref if req.parent else None,
        "framework": req.framework,
        "parent": req.parent,
        "children": list(req.children.order_by("position")),
        "mappings": mappings,
        "guidance": req.shown_guidance.as_dict() if req.shown_guidance else None,
    }


@router.get(
    "/requirements/{id:pk}/crosswalk",
    response=s.CrosswalkAnswerOut,
    operation_id="requirements_crosswalk",
    summary="Every requirement of another framework this one reaches: mapped first, then related",
)
def requirement_crosswalk(request: AuthedRequest, pk: int, max_hops: int = 3):
    req = get_visible_or_404(REQUIREMENTS, request, pk)
    try:
        return services.crosswalk(req, _hops(max_hops)).as_dict()
    except services.NotCurrent as exc:
        raise HttpError(422, str(exc)) from None
