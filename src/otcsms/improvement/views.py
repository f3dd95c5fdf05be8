"""Pages of C12: the CSMS health page (KPI trends, capture now), the review calendar across apps, management
reviews (inputs, decisions -> roadmap actions, holding) and nonconformities (corrective action -> roadmap).
Workflows call ``improvement.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from otcsms.core.http import authed
from otcsms.core.inputs import parse_id
from otcsms.core.scoping import can
from otcsms.improvement import dashboard, forms, services
from otcsms.improvement.models import Decision, ManagementReview, Nonconformity
from otcsms.tenancy.models import Site
from otcsms.ui import generic
from otcsms.ui.sites import current_site_id

REFUSALS = (services.ImprovementStateError, services.ImprovementInputError)


def _chosen_sites(request: HttpRequest) -> tuple[list[Site], Site | None]:
    """The user's sites, narrowed by ?site= or the site switcher."""
    user = authed(request).user
    chosen = parse_id(request.GET.get("site", "")) or current_site_id(request)
    sites = list(Site.objects.for_user(user).for_site(chosen).order_by("name"))
    narrowed = sites[0] if chosen is not None and len(sites) == 1 else None
    return sites, narrowed


# --- the CSMS health page ---------------------------------------------------------------------------------------------
@login_required
def health(request: HttpRequest) -> HttpResponse:
    user = authed(request).user
    sites, narrowed = _chosen_sites(request)
    ids = [s.pk for s in sites]
    days = 365 if request.GET.get("range") == "year" else 180
    rows = dashboard.trends(ids, days=days, width=520)
    writable = [s for s in sites if can(user, "change", s.pk)]
    return render(request, "improvement/health.html", {
        "rows": rows, "sites": sites, "narrowed_to": narrowed, "may_capture": bool(writable),
        "range": "year" if days == 365 else "half", "captured": dashboard._capture_times(ids),
    })  # fmt: skip


@login_required
@require_POST
def capture_now(request: HttpRequest) -> HttpResponse:
    user = authed(request).user
    site_id = parse_id(request.POST.get("site", ""))
    sites = [
        s for s in Site.objects.for_user(user).for_site(site_id).order_by("pk") if can(user, "change", s.pk)
    ]
    if not sites:
        raise PermissionDenied("you may not capture KPIs at these sites")
    report = services.capture(sites)
    messages.success(request, report.summary() + ".")
    if report.errors:
        messages.error(
            request, "; ".join(f"{kpi} at {site}: {error}" for site, kpi, error in report.errors[:5])
        )
    target = reverse("web:improvement_health")
    return HttpResponseRedirect(f"{target}?site={site_id}" if site_id else target)


# --- the review calendar -------------------------------------------------------------------------------------------------
@login_required
def review_calendar(request: HttpRequest) -> HttpResponse:
    user = authed(request).user
    sites, narrowed = _chosen_sites(request)
    today = timezone.localdate()
    items = services.calendar(user, [s.pk for s in sites])
    kinds = sorted({i.kind for i in items})
    kind = request.GET.get("kind", "")
    if kind in kinds:
        items = [i for i in items if i.kind == kind]
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        items = [i for i in items if i.overdue(today)]
    q = request.GET.get("q", "").strip()[:200]
    if q:
        items = [i for i in items if q.lower() in i.title.lower()]
    names = {s.pk: s.name for s in sites}
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(request, "improvement/calendar.html", {
        "page_obj": page, "rows": [(i, names.get(i.site_id, ""), i.overdue(today)) for i in page.object_list],
        "kinds": kinds, "kind": kind if kind in kinds else "", "overdue": only_overdue, "q": q,
        "narrowed_to": narrowed, "total": len(items),
    })  # fmt: skip


# --- management reviews ----------------------------------------------------------------------------------------------------
class ReviewViews(generic.ViewSet):
    model: Any = ManagementReview
    url_base = "web:managementreview"
    form_class: type[Any] | None = forms.ReviewForm
    select_related = ("site", "chair")


class ReviewList(ReviewViews, generic.ScopedListView):
    columns = [("Review", "title"), ("Site", "site"), ("Planned", "planned_on"), ("Held", "held_on"),
               ("Status", "get_status_display"), ("Chair", "chair")]  # fmt: skip
    search_fields = ("title", "summary")


class ReviewDetail(ReviewViews, generic.ScopedDetailView):
    template_name = "improvement/review_detail.html"
    fields = [("Site", "site"), ("Status", "get_status_display"), ("Planned", "planned_on"), ("Held", "held_on"),
              ("Chair", "chair"), ("Attendees", "attendees"), ("Drill results", "drill_results"),
              ("Audit results", "audit_results"), ("Changes in threats", "threat_changes"),
              ("Conclusions", "summary")]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        review = self.object
        ctx["decisions"] = (
            Decision.objects.for_user(self.user).filter(review=review).select_related("action", "owner")
        )
        ctx["decision_form"] = forms.DecisionForm()
        ctx["inputs"] = review.inputs or {}
        ctx["may_change"] = can(self.user, "change", review.site_id)
        return ctx


class ReviewCreate(ReviewViews, generic.ScopedCreateView):
    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        initial.setdefault("planned_on", timezone.localdate())
        return initial


class ReviewUpdate(ReviewViews, generic.ScopedUpdateView):
    pass


class ReviewDelete(ReviewViews, generic.ScopedDeleteView):
    pass


def _review(request: HttpRequest, pk: int) -> ManagementReview:
    review: ManagementReview | None = (
        ManagementReview.objects.for_user(authed(request).user).filter(pk=pk).first()
    )
    if review is None:
        raise Http404("no such review")
    return review


def _back(pk: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("web:managementreview_detail", args=[pk]))


@login_required
@require_POST
def review_gather(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    try:
        services.gather_inputs(review, authed(request).user)
    except services.ImprovementForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except REFUSALS as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Inputs gathered.")
    return _back(pk)


@login_required
@require_POST
def review_hold(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    try:
        services.hold(review, authed(request).user)
    except services.ImprovementForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except REFUSALS as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{review.title}: held.")
    return _back(pk)


@login_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {v[0]}" for k, v in form.errors.items()))
        return _back(pk)
    try:
        decision = services.add_decision(review, authed(request).user, text=form.cleaned_data["text"],
                                         due_on=form.cleaned_data["due_on"])  # fmt: skip
    except services.ImprovementForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except REFUSALS as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Decision recorded; roadmap action “{decision.action}” proposed.")
    return _back(pk)


# --- nonconformities --------------------------------------------------------------------------------------------------
class NcViews(generic.ViewSet):
    model: Any = Nonconformity
    url_base = "web:nonconformity"
    form_class: type[Any] | None = forms.NonconformityForm
    select_related = ("site", "owner", "action")


class NcList(NcViews, generic.ScopedListView):
    template_name = "improvement/nonconformity_list.html"
    columns = [("Nonconformity", "title"), ("Site", "site"), ("Grade", "get_grade_display"),
               ("Source", "get_source_display"), ("Detected", "detected_on"), ("Status", "get_status_display"),
               ("Owner", "owner"), ("Due", "due_on")]  # fmt: skip
    search_fields = ("title", "description", "requirement")

    def get_queryset(self):
        qs = super().get_queryset()
        status = self.request.GET.get("status", "")
        if status in Nonconformity.Status.values:
            qs = qs.filter(status=status)
        elif status == "open":
            qs = qs.exclude(status=Nonconformity.Status.CLOSED)
        grade = self.request.GET.get("grade", "")
        if grade in Nonconformity.Grade.values:
            qs = qs.filter(grade=grade)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["statuses"] = [("open", "Not closed"), *Nonconformity.Status.choices]
        ctx["grades"] = Nonconformity.Grade.choices
        ctx["chosen"] = {k: self.request.GET.get(k, "") for k in ("status", "grade")}
        return ctx


class NcDetail(NcViews, generic.ScopedDetailView):
    template_name = "improvement/nonconformity_detail.html"
    fields = [("Site", "site"), ("Status", "get_status_display"), ("Grade", "get_grade_display"),
              ("Source", "get_source_display"), ("Requirement", "requirement"), ("Detected", "detected_on"),
              ("Description", "description"), ("Root cause", "root_cause"), ("Correction", "correction"),
              ("Corrective action", "corrective_action"), ("Owner", "owner"), ("Due", "due_on"),
              ("Closed", "closed_on")]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        nc = self.object
        ctx["may_change"] = can(self.user, "change", nc.site_id)
        ctx["may_close"] = can(self.user, "approve", nc.site_id) and nc.status != Nonconformity.Status.CLOSED
        return ctx


class NcCreate(NcViews, generic.ScopedCreateView):
    pass


class NcUpdate(NcViews, generic.ScopedUpdateView):
    pass


class NcDelete(NcViews, generic.ScopedDeleteView):
    pass


def _nc(request: HttpRequest, pk: int) -> Nonconformity:
    nc: Nonconformity | None = Nonconformity.objects.for_user(authed(request).user).filter(pk=pk).first()
    if nc is None:
        raise Http404("no such nonconformity")
    return nc


@login_required
@require_POST
def nc_corrective_action(request: HttpRequest, pk: int) -> HttpResponse:
    nc = _nc(request, pk)
    try:
        services.raise_corrective_action(nc, authed(request).user)
    except services.ImprovementForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except REFUSALS as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Corrective action on the roadmap: “{nc.action}”.")
    return HttpResponseRedirect(reverse("web:nonconformity_detail", args=[pk]))


@login_required
@require_POST
def nc_close(request: HttpRequest, pk: int) -> HttpResponse:
    nc = _nc(request, pk)
    try:
        services.close_nonconformity(nc, authed(request).user)
    except services.ImprovementForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except REFUSALS as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{nc.title}: closed.")
    return HttpResponseRedirect(reverse("web:nonconformity_detail", args=[pk]))
