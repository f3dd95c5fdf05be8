"""REST endpoints of C9: goals, actions, dependencies and requirements (core.crud Resources), the status
transitions, suggestions from an assessment's gaps, each site's plan (run, settings, what-if), progress, and
the exchange formats (OSCAL POA&M, CSV/XLSX export, import)."""

# No `from __future__ import annotations`: ninja reads the handlers' annotations when they are defined.
from typing import Any

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from ninja import File, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from otcsms.assessments.models import Assessment
from otcsms.core.api_auth import API_AUTH
from otcsms.core.crud import Resource, get_visible_or_404, register, require_write, scoped
from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.plant.api import problems_response, refuse_oversized_upload
from otcsms.plant.importfiles import MAX_FILE_BYTES, ImportRejected
from otcsms.plant.schemas import ProblemsOut
from otcsms.risk.models import ThreatScenario
from otcsms.roadmap import exchange, poam_sheet, projection, risk_links, services, sources
from otcsms.roadmap import schemas as s
from otcsms.roadmap.models import Action, ActionDependency, ActionRequirement, BusinessGoal, RoadmapPlan
from otcsms.tenancy.models import Site

router = Router(tags=["roadmap"])

REFUSALS = (services.RoadmapForbiddenError, services.RoadmapStateError, services.RoadmapInputError)


def _refusal(exc: Exception) -> HttpError:
    if isinstance(exc, services.RoadmapForbiddenError):
        return HttpError(403, str(exc))
    if isinstance(exc, services.RoadmapStateError):
        return HttpError(409, str(exc))
    return HttpError(422, str(exc))


def _create_action(user: User, data: dict[str, Any]) -> Action:
    requirement_ids = data.pop("requirement_ids", None) or []
    depends_on_ids = data.pop("depends_on_ids", None) or []
    source_type, source_id = data.pop("source_type", None), data.pop("source_id", None)
    if (source_type is None) != (source_id is None):
        raise HttpError(422, "source_type and source_id go together")
    _check_visible(user, Action, depends_on_ids, "depends_on_ids")
    try:
        action = services.save_action(
            Action(**data), requirement_ids=requirement_ids, depends_on_ids=depends_on_ids
        )
        if source_type is not None and source_id is not None:
            services.link_source(action, source_type, source_id, by=user)
    except REFUSALS as exc:
        raise _refusal(exc) from None
    return action


def _update_action(user: User, action: Action, data: dict[str, Any]) -> Action:
    requirement_ids = data.pop("requirement_ids", None)
    depends_on_ids = data.pop("depends_on_ids", None)
    _check_visible(user, Action, depends_on_ids or [], "depends_on_ids")
    for name, value in data.items():
        setattr(action, name, value)
    try:
        return services.save_action(action, requirement_ids=requirement_ids, depends_on_ids=depends_on_ids)
    except REFUSALS as exc:
        raise _refusal(exc) from None


def _check_visible(user: User, model: type[Any], ids: list[int], name: str) -> None:
    if not ids:
        return
    found = set(scoped(model, user).filter(pk__in=ids).values_list("pk", flat=True))
    if missing := sorted(set(ids) - found):
        raise HttpError(422, f"{name}: no {model._meta.verbose_name} with id {missing[0]}")


def _create_dependency(user: User, data: dict[str, Any]) -> ActionDependency:
    action = Action.objects.select_related("site").get(pk=data["action_id"])
    other = Action.objects.select_related("site").get(pk=data["depends_on_id"])
    try:
        return services.add_dependency(action, other)
    except REFUSALS as exc:
        raise _refusal(exc) from None


GOALS = Resource(BusinessGoal, "business-goals", s.GoalOut, s.GoalCreate, s.GoalUpdate, filters=s.GoalFilter,
                 ordering=("order", "name"), tags=["roadmap"])  # fmt: skip
ACTIONS = Resource(Action, "roadmap-actions", s.ActionOut, s.ActionCreate, s.ActionUpdate,
                   filters=s.ActionListFilter, create_hook=_create_action, update_hook=_update_action,
                   tags=["roadmap"])  # fmt: skip
DEPENDENCIES = Resource(ActionDependency, "action-dependencies", s.DependencyOut, s.DependencyCreate, None,
                        filters=s.DependencyFilter, create_hook=_create_dependency, tags=["roadmap"])  # fmt: skip
REQUIREMENTS = Resource(ActionRequirement, "action-requirements", s.ActionRequirementOut, None, None,
                        filters=s.ActionRequirementFilter, deletable=False, tags=["roadmap"])  # fmt: skip
for resource in (GOALS, ACTIONS, DEPENDENCIES, REQUIREMENTS):
    register(router, resource)


@router.post(
    "/roadmap-actions/{id:pk}/transition", response=s.ActionOut, operation_id="roadmap_actions_transition"
)
def transition(request: AuthedRequest, pk: int, payload: s.TransitionIn):
    """Move the action along its lifecycle: plan (approvers), start and finish (contributors), cancel (approvers,
    with a reason), unplan (approvers, with a reason). 409 when its status does not allow it."""
    action = get_visible_or_404(ACTIONS, request, pk)
    try:
        return services.transition(request.user, action, payload.name, payload.reason)
    except REFUSALS as exc:
        raise _refusal(exc) from None


# --- suggestions from an assessment's gaps ------------------------------------------------------------------------
def _visible_assessment(request: AuthedRequest, pk: int) -> Assessment:
    found: Assessment | None = (
        Assessment.objects.for_user(request.user).select_related("framework").filter(pk=pk).first()
    )
    if found is None:
        raise HttpError(404, f"assessment {pk} not found")
    return found


@router.get("/assessments/{id:pk}/roadmap-suggestions", response=list[s.SuggestionOut],
            operation_id="roadmap_suggestions")  # fmt: skip
def suggestions(request: AuthedRequest, pk: int):
    """Suggested actions (shipped templates) for the assessment's not met and partially met answers."""
    assessment = _visible_assessment(request, pk)
    return [_suggestion_out(x) for x in services.suggestions(assessment, request.user)]


def _suggestion_out(x: services.Suggestion) -> dict[str, Any]:
    t = x.template
    return {"template_key": t.key, "title": t.title, "description": t.description, "effort_days": t.default_effort,
            "cost": t.default_cost, "risk_reduction": t.risk_reduction, "gaps": x.gap_count, "requirements": x.refs,
            "existing_action_id": x.existing.pk if x.existing else None}  # fmt: skip


@router.post("/assessments/{id:pk}/roadmap-suggestions", response={201: list[s.ActionOut]},
             operation_id="roadmap_suggestions_create")  # fmt: skip
def create_suggested(request: AuthedRequest, pk: int, payload: s.SuggestionsIn):
    """Create the confirmed suggestions as proposed actions, each linked to the gaps it answers."""
    assessment = _visible_assessment(request, pk)
    require_write(request, Action, assessment.site_id, "change")
    if payload.goal_id is not None and not BusinessGoal.objects.filter(pk=payload.goal_id).exists():
        raise HttpError(422, f"goal_id: no business goal with id {payload.goal_id}")
    try:
        created = services.create_from_suggestions(request.user, assessment, payload.template_keys,
                                                   goal_id=payload.goal_id)  # fmt: skip
    except REFUSALS as exc:
        raise _refusal(exc) from None
    return Status(201, created)


# --- a site's plan ---------------------------------------------------------------------------------------------------
def _site(request: AuthedRequest, pk: int) -> Site:
    site = services.visible_site(request.user, pk)
    if site is None:
        raise HttpError(404, f"site {pk} not found")
    return site


def _plan_out(plan: RoadmapPlan) -> dict[str, Any]:
    result = plan.result or {}
    totals = result.get("totals") or []
    titles = dict(Action.objects.filter(site_id=plan.site_id).values_list("pk", "title"))
    phases = []
    for i, phase in enumerate(plan.phases):
        total = totals[i] if i < len(totals) and result.get("phases") == plan.phases else {}
        phases.append({**phase, "count": total.get("count", 0), "cost": total.get("cost", 0.0),
                       "effort": total.get("effort", 0.0)})  # fmt: skip
    placements = [
        {"action_id": int(k), "title": titles.get(int(k), ""), "reason": v["reason"],
         "phase": None if v["phase"] is None else v["phase"] + 1}
        for k, v in (result.get("placements") or {}).items()
    ]  # fmt: skip
    return {
        "site_id": plan.site_id, "starts_on": plan.starts_on, "coverage_weight": plan.coverage_weight,
        "phases": phases, "placements": placements, "objective": result.get("objective", 0.0),
        "bound": result.get("bound"), "gap": result.get("gap"), "method": result.get("method", "none"),
        "optimal": result.get("optimal", False), "feasible": result.get("feasible", True),
        "problems": result.get("problems", []), "computed_at": plan.computed_at,
    }  # fmt: skip


@router.get("/sites/{id:pk}/roadmap-plan", response=s.PlanOut, operation_id="roadmap_plan_get")
def plan_get(request: AuthedRequest, pk: int):
    """The site's plan: phases with budgets and capacities, each action's phase and why, the objective and the
    solver's bound (how close to the best plan it is). Empty until the plan is first run."""
    return _plan_out(services.plan_of(_site(request, pk)))


@router.patch("/sites/{id:pk}/roadmap-plan", response=s.PlanOut, operation_id="roadmap_plan_update")
def plan_update(request: AuthedRequest, pk: int, payload: s.PlanSettingsIn):
    """Set the phases (budget per phase, team capacity in person-days), start day or coverage weight, and plan
    again (approvers and site admins)."""
    plan = services.plan_of(_site(request, pk))
    require_write(request, RoadmapPlan, plan.site_id, "approve")
    phases = None if payload.phases is None else [p.model_dump() for p in payload.phases]
    try:
        services.save_settings(request.user, plan, phases=phases, starts_on=payload.starts_on,
                               coverage_weight=payload.coverage_weight)  # fmt: skip
    except REFUSALS as exc:
        raise _refusal(exc) from None
    return _plan_out(plan)


@router.post("/sites/{id:pk}/roadmap-plan/run", response=s.PlanOut, operation_id="roadmap_plan_run")
def plan_run(request: AuthedRequest, pk: int):
    """Plan the site's open actions again with the saved settings, and keep the result."""
    plan = services.plan_of(_site(request, pk))
    require_write(request, RoadmapPlan, plan.site_id, "change")
    try:
        services.run_plan(request.user, plan)
    except REFUSALS as exc:
        raise _refusal(exc) from None
    return _plan_out(plan)


@router.post("/sites/{id:pk}/roadmap-plan/what-if", response=s.WhatIfOut, operation_id="roadmap_plan_what_if")
def plan_what_if(request: AuthedRequest, pk: int, payload: s.WhatIfIn):
    """What moves with other budgets and capacities (one per phase; null: no limit). Nothing is saved."""
    plan = services.plan_of(_site(request, pk))
    if len(payload.budgets) > len(plan.phases) or len(payload.capacities) > len(plan.phases):
        raise HttpError(
            422, f"the plan has {len(plan.phases)} phases: give at most one budget and capacity each"
        )
    try:
        found = services.what_if(plan, payload.budgets, payload.capacities)
    except REFUSALS as exc:
        raise _refusal(exc) from None
    return {
        "objective_before": found.before.objective, "objective_after": found.after.objective,
        "feasible": found.after.feasible, "problems": list(found.after.problems),
        "moves": [{"action_id": m.action_id, "title": m.title, "reason": m.reason,
                   "before": None if m.before is None else m.before + 1,
                   "after": None if m.after is None else m.after + 1} for m in found.moves],
    }  # fmt: skip


@router.post("/sites/{id:pk}/roadmap-sources/sync", response=s.SyncOut, operation_id="roadmap_sources_sync")
def sources_sync(request: AuthedRequest, pk: int):
    """Create or update the site's actions from its open vulnerabilities and drift findings: one action per
    source, never twice; the open ones are updated; actions whose every source closed are closed (done), unless
    a person changed them since (``kept_open``, with why) (docs/roadmap.md)."""
    site = _site(request, pk)
    require_write(request, Action, site.pk, "change")
    return sources.sync_site(site, by=request.user).as_dict()


@router.get("/roadmap-actions/{id:pk}/risks", response=s.ActionRisksOut, operation_id="roadmap_action_risks")
def action_risks(request: AuthedRequest, pk: int):
    """The risk scenarios linked to the action and what each contributes to its risk reduction."""
    action = get_visible_or_404(ACTIONS, request, pk)
    shares = risk_links.linked_risks([action.pk]).get(action.pk, [])
    visible = set(scoped(ThreatScenario, request.user).filter(pk__in=[x.scenario_id for x in shares])
                  .values_list("pk", flat=True))  # fmt: skip
    return {"action_id": action.pk, "risk_reduction": risk_links.effective(action, shares),
            "computed": risk_links.computed(shares) if shares else None, "manual": action.risk_reduction_manual,
            "scenarios": [x for x in shares if x.scenario_id in visible]}  # fmt: skip


@router.get("/sites/{id:pk}/roadmap-progress", response=s.ProgressOut, operation_id="roadmap_progress")
def progress(request: AuthedRequest, pk: int):
    """Planned against done (counts, effort, cost per status), the burn-down of the gaps the actions answer, and
    the SL-A per zone once every action (not cancelled) is done, from the latest IEC 62443-3-3 assessment."""
    site = _site(request, pk)
    found = services.progress(site.pk)
    assessment = projection.latest_zone_assessment(site.pk)
    projected = projection.projected_levels(assessment) if assessment is not None else []
    return {"assessment_id": assessment.pk if assessment else None,
            "projected_sl": [{"zone_id": z.zone.pk, "zone": z.zone.name, "sl_t": list(z.sl_t),
                              "sl_a_now": list(z.sl_a_now), "sl_a_after": list(z.sl_a_after),
                              "reaches_target": z.reaches_target} for z in projected],
            "site_id": site.pk, "counts": found.counts, "effort": found.effort, "cost": found.cost,
            "percent_done": found.percent, "gaps_total": found.gaps_total, "gaps_closed": found.gaps_closed,
            "burndown": found.burndown}  # fmt: skip


# --- exchange ----------------------------------------------------------------------------------------------------------
@router.get("/sites/{id:pk}/roadmap-poam", response={200: None}, operation_id="roadmap_poam")
def poam(request: AuthedRequest, pk: int, format: str = "json"):
    """The site's roadmap as a plan of action and milestones: ``format`` json (OSCAL POA&M) or xlsx (a workbook
    for people: every action and every open gap no action addresses yet, filters, frozen header; edit owner,
    status, status_reason, start_on, due_on and POST it to roadmap-poam-import)."""
    site = _site(request, pk)
    if format == "xlsx":
        name, data = poam_sheet.export_xlsx(site)
        sheet = HttpResponse(data, content_type=poam_sheet.CONTENT_TYPE)
        sheet["Content-Disposition"] = f'attachment; filename="{name}"'
        return sheet
    if format != "json":
        raise HttpError(422, "format must be json (OSCAL) or xlsx")
    response = JsonResponse(exchange.poam(site))
    response["Content-Disposition"] = f'attachment; filename="roadmap-{site.code}-poam.json"'
    return response


@router.get("/sites/{id:pk}/roadmap-export", response={200: None}, operation_id="roadmap_export")
def export(request: AuthedRequest, pk: int, format: str = "csv"):
    """The site's roadmap as CSV or XLSX: every action with its phase, reason, dependencies and requirements."""
    site = _site(request, pk)
    if format not in ("csv", "xlsx"):
        raise HttpError(422, "format must be csv or xlsx")
    name, data = exchange.export(site, format)
    response = HttpResponse(data, content_type=exchange.CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/sites/{id:pk}/roadmap-import",
    response={201: list[s.ActionOut], 422: ProblemsOut},
    operation_id="roadmap_import",
    summary="Import roadmap actions from CSV, XLSX or JSON (all or nothing)",
    auth=[refuse_oversized_upload, *API_AUTH],
)
def import_actions(request: AuthedRequest, pk: int, file: File[UploadedFile]):
    """Columns: title (required), description, owner, goal, effort_days, cost, risk_reduction, start_on, due_on,
    pinned_phase, status (proposed/planned), depends_on (titles, `;`), requirements (framework:ref, `;`).
    On any problem nothing is written: 422 with every problem (row, column, reason)."""
    site = _site(request, pk)
    require_write(request, Action, site.pk, "change")
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise HttpError(413, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        with transaction.atomic():
            result = exchange.import_actions(
                site, file.read(MAX_FILE_BYTES + 1), file.name or "", by=request.user
            )
    except ImportRejected as exc:
        return problems_response(exc)
    return Status(201, result.created)


@router.post(
    "/sites/{id:pk}/roadmap-poam-import",
    response={200: s.PoamImportOut, 422: ProblemsOut},
    operation_id="roadmap_poam_import",
    summary="Apply an edited POA&M workbook to the site's actions (all or nothing)",
    auth=[refuse_oversized_upload, *API_AUTH],
)
def import_poam(request: AuthedRequest, pk: int, file: File[UploadedFile]):
    """The POA&M exported by roadmap-poam?format=xlsx, edited: changed owner, status (run as lifecycle
    transitions, with who may make each), status_reason, start_on and due_on update the actions; a changed
    weakness, risk or cost, an unknown id or an edited gap row is a problem. On any problem nothing is written:
    422 with every problem (row, column, reason)."""
    site = _site(request, pk)
    require_write(request, Action, site.pk, "change")
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise HttpError(413, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        result = poam_sheet.import_poam(site, file.read(MAX_FILE_BYTES + 1), file.name or "", by=request.user)
    except ImportRejected as exc:
        return problems_response(exc)
    return Status(200, result.as_dict())
