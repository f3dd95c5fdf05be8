"""REST endpoints of C4: assessments (generated CRUD), answers, and results."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from otcsms.assessments import schemas as s
from otcsms.assessments import services
from otcsms.assessments.models import Assessment, Response
from otcsms.catalogs.models import Framework
from otcsms.core.crud import Resource, get_visible_or_404, register, require_write
from otcsms.org.models import Site

router = Router(tags=["assessments"])


def _create(request: HttpRequest, data: dict[str, Any]) -> Assessment:
    site = Site.objects.get(pk=data["site_id"])
    framework = Framework.objects.get(pk=data["framework_id"])
    try:
        return services.create_assessment(
            site=site, framework=framework, name=data["name"], zone_ids=data["zone_ids"],
            target_maturity=data["target_maturity"], assessor=request.user, description=data["description"],
        )  # fmt: skip
    except services.AssessmentInputError as exc:
        raise HttpError(422, str(exc)) from None


ASSESSMENTS = Resource(
    Assessment, "assessments", s.AssessmentOut, s.AssessmentCreate, s.AssessmentUpdate,
    filters=s.AssessmentFilter, select_related=("framework",), ordering=("-started_on", "-pk"),
    create_hook=_create, tags=["assessments"],
)  # fmt: skip
RESPONSES = Resource(
    Response, "responses", s.ResponseOut, filters=s.ResponseFilter, select_related=("requirement",),
    deletable=False, tags=["assessments"],
)  # fmt: skip
register(router, ASSESSMENTS)
register(router, RESPONSES)


def _assessment(request: HttpRequest, pk: int) -> Assessment:
    return get_visible_or_404(ASSESSMENTS, request, pk)


@router.get(
    "/assessments/{int:pk}/responses", response=list[s.ResponseOut], operation_id="assessment_responses"
)
@paginate(LimitOffsetPagination)
def assessment_responses(request: HttpRequest, pk: int, filters: Query[s.ResponseFilter]):
    assessment = _assessment(request, pk)
    return filters.filter(Response.objects.filter(assessment=assessment).select_related("requirement"))


@router.post("/assessments/{int:pk}/answers", response=list[s.ResponseOut], operation_id="assessment_answer")
def answer(request: HttpRequest, pk: int, payload: s.BulkAnswerIn):
    """Record one or many answers (all checked before any is written). Bulk-set a status by sending many."""
    assessment = _assessment(request, pk)
    require_write(request, Assessment, assessment.site_id, "change")
    answers = [services.Answer(**a.model_dump() | {"evidence": tuple(a.evidence)}) for a in payload.answers]
    try:
        with transaction.atomic():
            return services.set_responses(assessment, answers, request.user)
    except services.AssessmentInputError as exc:
        raise HttpError(422, str(exc)) from None


@router.get("/assessments/{int:pk}/progress", response=s.ProgressOut, operation_id="assessment_progress")
def progress(request: HttpRequest, pk: int):
    return services.progress(_assessment(request, pk))


@router.get("/assessments/{int:pk}/gaps", response=list[s.GapOut], operation_id="assessment_gaps")
@paginate(LimitOffsetPagination)
def gaps(request: HttpRequest, pk: int):
    return [
        {"zone_id": g.scope, "framework": g.key[0], "requirement": g.ref, "title": g.title, "group": g.group,
         "status": g.status, "sl_needed": g.sl_needed}
        for g in services.gaps(_assessment(request, pk))
    ]  # fmt: skip


@router.get(
    "/assessments/{int:pk}/coverage", response=list[s.CoverageOut], operation_id="assessment_coverage"
)
def coverage(request: HttpRequest, pk: int):
    return [
        {"framework": c.framework, "overall": c.overall.as_dict(),
         "by_group": {g: counts.as_dict() for g, counts in c.by_group.items()}}
        for c in services.coverage_report(_assessment(request, pk))
    ]  # fmt: skip


@router.get(
    "/assessments/{int:pk}/security-levels", response=list[s.ZoneLevelsOut], operation_id="assessment_sl"
)
def security_levels(request: HttpRequest, pk: int):
    return [
        {"zone_id": row.zone, "sl_t": list(row.sl_t), "sl_a": list(row.sl_a), "gap": list(row.gap)}
        for row in services.heatmap(_assessment(request, pk))
    ]


@router.get("/assessments/{int:pk}/inferred", response=s.InferredOut, operation_id="assessment_inferred")
def inferred(
    request: HttpRequest, pk: int, framework: str = "", requirement: str = "", zone_id: int | None = None
):
    """The effective status of any requirement in this assessment's scope, and where it comes from."""
    assessment = _assessment(request, pk)
    if not framework or not requirement or len(framework) > 100 or len(requirement) > 100:
        raise HttpError(422, "give ?framework=KEY&requirement=REF (e.g. nist-sp800-53r5 and AC-2)")
    result = services.inferred_for(assessment, zone_id, (framework, requirement))
    return {
        "framework": framework, "requirement": requirement, "zone_id": zone_id, "status": result.status,
        "inferred": result.inferred,
        "sources": [
            {"framework": src.requirement[0], "requirement": src.requirement[1], "status": src.status,
             "carried": src.carried, "relationship": src.relationship, "strength": src.strength,
             "path": [f"{fw}:{ref}" for fw, ref in src.path]}
            for src in result.sources
        ],
    }  # fmt: skip


@router.get(
    "/assessments/{int:pk}/delta/{int:other}", response=list[s.ChangeOut], operation_id="assessment_delta"
)
def delta(request: HttpRequest, pk: int, other: int):
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
