"""REST endpoints of C4: assessments (generated CRUD), answers, and results."""

from typing import Any

from django.db import transaction
from ninja import File, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate

from otcsms.assessments import gapimport, inheritance, lifecycle, services, signoff, snapshot
from otcsms.assessments import schemas as s
from otcsms.assessments.models import Assessment, Response
from otcsms.catalogs.models import Framework
from otcsms.core.api_auth import API_AUTH
from otcsms.core.audit import with_reason
from otcsms.core.crud import Resource, assign, get_visible_or_404, register, require_write, save_validated
from otcsms.core.http import AuthedRequest
from otcsms.core.lifecycle import Transition
from otcsms.core.models import User
from otcsms.core.pagination import Page
from otcsms.core.schemas import Id
from otcsms.plant.api import problems_response, refuse_oversized_upload
from otcsms.plant.importfiles import MAX_FILE_BYTES, ImportRejected
from otcsms.plant.schemas import ProblemsOut
from otcsms.tenancy.models import Site

router = Router(tags=["assessments"])


def _create(user: User, data: dict[str, Any]) -> Assessment:
    site = Site.objects.get(pk=data["site_id"])
    framework = Framework.objects.get(pk=data["framework_id"])
    try:
        return services.create_assessment(
            site=site, framework=framework, name=data["name"], zone_ids=data["zone_ids"],
            target_maturity=data["target_maturity"], assessor=user, description=data["description"],
        )  # fmt: skip
    except services.AssessmentInputError as exc:
        raise HttpError(422, str(exc)) from None


def refusal(exc: Exception) -> HttpError:
    """The API status of a refused assessment workflow: 403 who, 409 state or a concurrent write, 422 input."""
    if isinstance(exc, services.TransitionForbiddenError):
        return HttpError(403, str(exc))
    if isinstance(exc, services.AssessmentStateError | services.AssessmentConflictError):
        return HttpError(409, str(exc))
    return HttpError(422, str(exc))


REFUSALS = (
    services.AssessmentInputError, services.AssessmentStateError, services.AssessmentConflictError,
    services.TransitionForbiddenError,
)  # fmt: skip


def _update(user: User, assessment: Assessment, data: dict[str, Any]) -> Assessment:
    try:
        signoff.require_editable(assessment)
    except services.AssessmentStateError as exc:
        raise refusal(exc) from None
    return save_validated(assign(assessment, data))


def _delete(user: User, assessment: Assessment, reason: str) -> None:
    try:
        signoff.require_editable(assessment)
    except services.AssessmentStateError as exc:
        raise refusal(exc) from None
    with_reason(assessment, reason).delete()


def _update_response(user: User, response: Response, data: dict[str, Any]) -> Response:
    """PATCH /responses/{id}: the same partial answer as POST .../answers, for one response."""
    assessment = Assessment.objects.select_related("framework").get(pk=response.assessment_id)
    if "evidence" in data:
        data = data | {"evidence": tuple(data["evidence"])}
    answer = services.Answer(response.requirement_id, response.zone_id, **data)
    try:
        return services.set_response(assessment, answer, user)
    except REFUSALS as exc:
        raise refusal(exc) from None


ASSESSMENTS = Resource(
    Assessment, "assessments", s.AssessmentOut, s.AssessmentCreate, s.AssessmentUpdate,
    filters=s.AssessmentFilter, select_related=("framework",), ordering=("-started_on", "-pk"),
    create_hook=_create, update_hook=_update, delete_hook=_delete, tags=["assessments"],
)  # fmt: skip
RESPONSES = Resource(
    Response, "responses", s.ResponseOut, schema_update=s.ResponseUpdate, filters=s.ResponseFilter,
    select_related=("requirement",), update_hook=_update_response, deletable=False, tags=["assessments"],
)  # fmt: skip
register(router, ASSESSMENTS)
register(router, RESPONSES)


def _assessment(request: AuthedRequest, pk: int) -> Assessment:
    return get_visible_or_404(ASSESSMENTS, request, pk)


@router.get(
    "/assessments/{id:pk}/responses", response=list[s.ResponseOut], operation_id="assessment_responses"
)
@paginate(Page)
def assessment_responses(request: AuthedRequest, pk: int, filters: Query[s.ResponseFilter]):
    assessment = _assessment(request, pk)
    return filters.filter(Response.objects.filter(assessment=assessment).select_related("requirement"))


@router.post("/assessments/{id:pk}/answers", response=list[s.ResponseOut], operation_id="assessment_answer")
def answer(request: AuthedRequest, pk: int, payload: s.BulkAnswerIn):
    """Record one or many answers (all checked before any is written). Bulk-set a status by sending many."""
    assessment = _assessment(request, pk)
    require_write(request, Assessment, assessment.site_id, "change")
    # Only the fields each answer gives are written: evidence and maturity survive a status change.
    answers = [services.Answer(a.requirement_id, a.zone_id, **a.changes()) for a in payload.answers]
    try:
        with transaction.atomic():
            return services.set_responses(assessment, answers, request.user)
    except REFUSALS as exc:
        raise refusal(exc) from None


@router.post("/assessments/{id:pk}/complete", response=s.AssessmentOut, operation_id="assessment_complete")
def complete(request: AuthedRequest, pk: int, payload: s.TransitionIn):
    """Sign off an assessment in progress (approver or site admin, not the one who gave most answers);
    it then refuses answers until reopened. ``reason`` is an optional note for the audit trail."""
    return _transition(request, pk, lifecycle.COMPLETE, payload.reason)


@router.post("/assessments/{id:pk}/reopen", response=s.AssessmentOut, operation_id="assessment_reopen")
def reopen(request: AuthedRequest, pk: int, payload: s.TransitionIn):
    """Reopen a completed assessment for answers (approver or site admin); ``reason`` is required."""
    return _transition(request, pk, lifecycle.REOPEN, payload.reason)


def _transition(request: AuthedRequest, pk: int, transition: Transition, reason: str) -> Assessment:
    assessment = _assessment(request, pk)
    run = signoff.complete_assessment if transition is lifecycle.COMPLETE else signoff.reopen_assessment
    try:
        with transaction.atomic():
            done = run(assessment, request.user, reason)
    except REFUSALS as exc:
        raise refusal(exc) from None
    return _assessment(request, done.pk)


@router.get("/assessments/{id:pk}/progress", response=s.ProgressOut, operation_id="assessment_progress")
def progress(request: AuthedRequest, pk: int):
    return services.progress(_assessment(request, pk))


def _inherited_from(found: inheritance.Effective[Response], names: dict[int, str]) -> dict[str, Any] | None:
    if not found.inherited:
        return None
    source = found.source
    return {"zone_id": source, "name": "site" if source is None else names.get(source, f"zone {source}")}


@router.get("/assessments/{id:pk}/gaps", response=list[s.GapOut], operation_id="assessment_gaps")
@paginate(Page)
def gaps(request: AuthedRequest, pk: int):
    """Every gap, by the answer in force in each zone (its own or inherited), not met first."""
    assessment = _assessment(request, pk)
    zones = {z.pk: z for z in services.zones_in_scope(assessment)}
    fr_of = services.fr_by_requirement(assessment.framework)
    names = {pk: z.name for pk, z in zones.items()}
    rows = []
    for g, found in services.gaps_with_answers(assessment):
        response = found.answer
        zone = zones.get(found.zone) if found.zone is not None else None
        fr = fr_of.get(response.requirement_id)
        zone_sl_t = zone.sl_t[fr - 1] if zone is not None and zone.sl_t is not None and fr else None
        rows.append({
            "zone_id": found.zone, "framework": g.key[0], "requirement": g.ref, "title": g.title,
            "group": g.group, "status": g.status, "sl_required": g.sl_required, "zone_sl_t": zone_sl_t,
            "inherited_from": _inherited_from(found, names), "owner_id": response.owner_id,
            "comment": response.comment,
        })  # fmt: skip
    return rows


@router.post(
    "/assessments/{id:pk}/gaps-import",
    response={200: dict[str, Any], 422: ProblemsOut},
    operation_id="assessment_gaps_import",
    summary="Apply an edited gap list (CSV or XLSX export) to the answers (all or nothing)",
    auth=[refuse_oversized_upload, *API_AUTH],
)
def gaps_import(request: AuthedRequest, pk: int, file: File[UploadedFile]):
    """The gap list exported as CSV or XLSX (`gaps.csv`, `gaps.xlsx`, `otcsms gaps`), edited: a changed status,
    owner or comment updates the answer of that zone and requirement. A changed read-only column, a row that is
    no longer a gap, an inherited answer or a bad value is a problem; on any problem nothing is written: 422 with
    every problem (row, column, reason)."""
    assessment = _assessment(request, pk)
    require_write(request, Assessment, assessment.site_id, "change")
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise HttpError(413, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        with transaction.atomic():
            result = gapimport.import_gaps(
                assessment, file.read(MAX_FILE_BYTES + 1), file.name or "", by=request.user
            )
    except ImportRejected as exc:
        return problems_response(exc)
    return Status(200, result.as_dict())


@router.get(
    "/assessments/{id:pk}/effective-answers", response=list[s.EffectiveAnswerOut],
    operation_id="assessment_effective_answers",
)  # fmt: skip
@paginate(Page)
def effective_answers(request: AuthedRequest, pk: int):
    """The answer in force for every requirement and zone that has one: the zone's own, else its nearest
    ancestor zone's, else the site's (``inherited_from`` says which)."""
    assessment = _assessment(request, pk)
    names = {z.pk: z.name for z in services.zones_in_scope(assessment)}
    refs = {s.requirement_id: s.ref for s in services.slots(assessment)}
    return [
        {"requirement_id": requirement_id, "requirement": refs.get(requirement_id, ""), "zone_id": zone_id,
         "status": found.answer.status, "inherited_from": _inherited_from(found, names),
         "response_id": found.answer.pk, "owner_id": found.answer.owner_id, "comment": found.answer.comment}
        for (requirement_id, zone_id), found in services.effective_responses(assessment).items()
    ]  # fmt: skip


@router.get(
    "/assessments/{id:pk}/scope-changes", response=s.ScopeChangesOut, operation_id="assessment_scope_changes"
)
def scope_changes(request: AuthedRequest, pk: int):
    """How the zones' SL-T now differs from the snapshot the assessment follows (empty when it does not)."""
    found = snapshot.scope_changes(_assessment(request, pk))
    return {
        "changed": bool(found),
        "levels": [vars_of(change) for change in found.levels],
        "added": [{"zone": zone, "requirement": ref} for zone, ref in found.added],
        "removed": [{"zone": zone, "requirement": ref} for zone, ref in found.removed],
    }


def vars_of(change: snapshot.LevelChange) -> dict[str, Any]:
    return {
        "zone_id": change.zone_id,
        "zone": change.zone,
        "fr": change.fr,
        "old": change.old,
        "new": change.new,
    }


@router.post("/assessments/{id:pk}/rescope", response=s.AssessmentOut, operation_id="assessment_rescope")
def rescope(request: AuthedRequest, pk: int):
    """Adopt the zones' current SL-T as the assessment's scope (audited); until then it keeps its snapshot."""
    assessment = _assessment(request, pk)
    try:
        done = snapshot.rescope(assessment, request.user)
    except REFUSALS as exc:
        raise refusal(exc) from None
    return _assessment(request, done.pk)


@router.get("/assessments/{id:pk}/coverage", response=list[s.CoverageOut], operation_id="assessment_coverage")
def coverage(request: AuthedRequest, pk: int):
    return [
        {"framework": c.framework, "overall": c.overall.as_dict(),
         "by_group": {g: counts.as_dict() for g, counts in c.by_group.items()}}
        for c in services.coverage_report(_assessment(request, pk))
    ]  # fmt: skip


@router.get(
    "/assessments/{id:pk}/security-levels", response=list[s.ZoneLevelsOut], operation_id="assessment_sl"
)
def security_levels(request: AuthedRequest, pk: int):
    return [
        {"zone_id": row.zone, "sl_t": list(row.sl_t), "sl_a": list(row.sl_a), "gap": list(row.gap)}
        for row in services.heatmap(_assessment(request, pk))
    ]


@router.get("/assessments/{id:pk}/inferred", response=s.InferredOut, operation_id="assessment_inferred")
def inferred(
    request: AuthedRequest, pk: int, framework: str = "", requirement: str = "", zone_id: Id | None = None
):
    """The effective status of any requirement in this assessment's scope, and where it comes from."""
    assessment = _assessment(request, pk)
    if not framework or not requirement or len(framework) > 100 or len(requirement) > 100:
        raise HttpError(422, "give ?framework=KEY&requirement=REF (e.g. nist-sp800-53r5 and AC-2)")
    result = services.inferred_for(assessment, zone_id, (framework, requirement))
    return {
        "framework": framework, "requirement": requirement, "zone_id": zone_id, "status": result.status,
        "inferred": result.inferred, "partial_evidence_only": result.partial_evidence_only,
        "sources": [
            {"framework": src.requirement[0], "requirement": src.requirement[1], "status": src.status,
             "carried": src.carried, "partial_evidence": src.partial_evidence, "relationship": src.relationship,
             "strength": src.strength, "hops": src.hops, "path": [f"{fw}:{ref}" for fw, ref in src.path]}
            for src in result.sources
        ],
    }  # fmt: skip


@router.get(
    "/assessments/{id:pk}/delta/{id:other}", response=list[s.ChangeOut], operation_id="assessment_delta"
)
def delta(request: AuthedRequest, pk: int, other: int):
    """Changes from assessment ``other`` (older) to this one."""
    newer, older = _assessment(request, pk), _assessment(request, other)
    try:
        changes = services.delta_between(older, newer)
    except services.AssessmentInputError as exc:
        raise HttpError(422, str(exc)) from None
    return [
        {"zone_id": c.scope, "framework": c.key[0], "requirement": c.key[1], "before": c.before, "after": c.after,
         "direction": c.direction}
        for c in changes
    ]  # fmt: skip
