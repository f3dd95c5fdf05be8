"""REST endpoints of C12: KPI definitions, snapshots and capture, the review calendar, management reviews
(inputs, holding, decisions that become roadmap actions) and nonconformities (corrective action -> roadmap)."""

# No `from __future__ import annotations`: ninja reads the handlers' annotations when they are defined.
from typing import Any

from django.db import transaction
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError

from otcsms.core.crud import Resource, get_visible_or_404, register
from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.core.roles import Action as ScopeAction
from otcsms.core.scoping import can, is_member
from otcsms.improvement import schemas as s
from otcsms.improvement import services
from otcsms.improvement.models import Decision, KpiSnapshot, ManagementReview, Nonconformity
from otcsms.tenancy.models import Site

router = Router(tags=["improvement"])

REFUSALS = (
    services.ImprovementForbiddenError,
    services.ImprovementStateError,
    services.ImprovementInputError,
)


def _refusal(exc: Exception) -> HttpError:
    if isinstance(exc, services.ImprovementForbiddenError):
        return HttpError(403, str(exc))
    if isinstance(exc, services.ImprovementStateError):
        return HttpError(409, str(exc))
    return HttpError(422, str(exc))


def _create_decision(user: User, data: dict[str, Any]) -> Decision:
    review = ManagementReview.objects.get(
        pk=data["review_id"]
    )  # the resource checked that the caller sees it
    try:
        return services.add_decision(review, user, text=data["text"], owner_id=data.get("owner_id"),
                                     due_on=data.get("due_on"))  # fmt: skip
    except REFUSALS as exc:
        raise _refusal(exc) from None


def _create_nc(user: User, data: dict[str, Any]) -> Nonconformity:
    if data.get("detected_on") is None:
        data["detected_on"] = timezone.localdate()
    nc = Nonconformity(**data)
    try:
        with transaction.atomic():
            return services._save(nc)
    except REFUSALS as exc:
        raise _refusal(exc) from None


SNAPSHOTS = Resource(KpiSnapshot, "kpi-snapshots", s.SnapshotOut, None, None, filters=s.SnapshotFilter,
                     deletable=False, ordering=("site_id", "kpi", "series", "captured_at"), tags=["improvement"])  # fmt: skip
REVIEWS = Resource(ManagementReview, "management-reviews", s.ReviewOut, s.ReviewCreate, s.ReviewUpdate,
                   filters=s.ReviewFilter, ordering=("-planned_on", "-pk"), tags=["improvement"])  # fmt: skip
DECISIONS = Resource(Decision, "review-decisions", s.DecisionOut, s.DecisionCreate, s.DecisionUpdate,
                     filters=s.DecisionFilter, create_hook=_create_decision, tags=["improvement"])  # fmt: skip
NONCONFORMITIES = Resource(Nonconformity, "nonconformities", s.NcOut, s.NcCreate, s.NcUpdate, filters=s.NcFilter,
                           create_hook=_create_nc, ordering=("-detected_on", "-pk"), tags=["improvement"])  # fmt: skip
for resource in (SNAPSHOTS, REVIEWS, DECISIONS, NONCONFORMITIES):
    register(router, resource)


@router.get("/kpis", response=list[s.KpiOut], operation_id="kpis_list")
def kpis(request: AuthedRequest):
    """The KPIs every app declares (the same for every member)."""
    if not (request.user.is_org_admin or is_member(request.user)):
        raise HttpError(403, "only members of the organisation read its KPIs")
    return [
        {"key": k.key, "title": k.title, "unit": k.unit, "better": k.better}
        for k in services.kpi_definitions()
    ]


@router.get("/sites/{id:pk}/kpis", response=list[s.KpiValueOut], operation_id="site_kpis_latest")
def site_kpis(request: AuthedRequest, pk: int):
    """The site's newest captured value of every KPI."""
    site = _site(request, pk, "view")
    newest = services.latest([site.pk]).get(site.pk, {})
    return [{"key": k.key, "title": k.title, "unit": k.unit, "values": dict(newest.get(k.key, {}))}
            for k in services.kpi_definitions()]  # fmt: skip


@router.post("/kpis/capture", response={201: s.CaptureOut}, operation_id="kpis_capture")
def capture(request: AuthedRequest, payload: s.CaptureIn):
    """Measure and store every KPI now, for one site or for every site the caller may change."""
    if payload.site_id is not None:
        sites = [_site(request, payload.site_id, "change")]
    else:
        sites = [site for site in Site.objects.for_user(request.user).order_by("pk")
                 if can(request.user, "change", site.pk)]  # fmt: skip
        if not sites:
            raise HttpError(403, "you may not capture KPIs at any site")
    report = services.capture(sites)
    return 201, {"captured_at": report.at, "sites": report.sites, "values": report.values,
                 "errors": [{"site": a, "kpi": b, "error": c} for a, b, c in report.errors]}  # fmt: skip


@router.get("/review-calendar", response=list[s.DueOut], operation_id="review_calendar")
def review_calendar(request: AuthedRequest, site_id: int | None = None):
    """Everything due for review at the caller's sites (or one of them), soonest first, across apps."""
    sites = Site.objects.for_user(request.user)
    if site_id is not None:
        sites = sites.filter(pk=site_id)
    today = timezone.localdate()
    return [{"kind": r.kind, "title": r.title, "site_id": r.site_id, "due_on": r.due_on, "overdue": r.overdue(today),
             "url": r.url, "owner": r.owner}
            for r in services.calendar(request.user, list(sites.values_list("pk", flat=True)))]  # fmt: skip


@router.post("/management-reviews/{id:pk}/gather-inputs", response=s.ReviewOut, operation_id="review_gather")
def gather(request: AuthedRequest, pk: int):
    """Record what the platform knows now (KPIs, findings, overdue reviews, nonconformities, threat changes)."""
    review = get_visible_or_404(REVIEWS, request, pk)
    try:
        return services.gather_inputs(review, request.user)
    except REFUSALS as exc:
        raise _refusal(exc) from None


@router.post("/management-reviews/{id:pk}/hold", response=s.ReviewOut, operation_id="review_hold")
def hold(request: AuthedRequest, pk: int, payload: s.HoldIn):
    review = get_visible_or_404(REVIEWS, request, pk)
    try:
        return services.hold(review, request.user, payload.held_on)
    except REFUSALS as exc:
        raise _refusal(exc) from None


@router.post(
    "/nonconformities/{id:pk}/corrective-action", response=s.NcOut, operation_id="nc_corrective_action"
)
def corrective_action(request: AuthedRequest, pk: int):
    """Put the corrective action on the roadmap (a proposed action whose source is the nonconformity)."""
    nc = get_visible_or_404(NONCONFORMITIES, request, pk)
    try:
        return services.raise_corrective_action(nc, request.user)
    except REFUSALS as exc:
        raise _refusal(exc) from None


@router.post("/nonconformities/{id:pk}/close", response=s.NcOut, operation_id="nc_close")
def close(request: AuthedRequest, pk: int):
    """Close it (approvers): its root cause must be known."""
    nc = get_visible_or_404(NONCONFORMITIES, request, pk)
    try:
        return services.close_nonconformity(nc, request.user)
    except REFUSALS as exc:
        raise _refusal(exc) from None


def _site(request: AuthedRequest, pk: int, action: ScopeAction) -> Site:
    site: Site | None = Site.objects.for_user(request.user).filter(pk=pk).first()
    if site is None:
        raise HttpError(404, f"site {pk} not found")
    if action != "view" and not can(request.user, action, site.pk):
        raise HttpError(403, f"you may not {action} at this site")
    return site
