"""Pages of C9: actions (list with filters, detail with transitions, form), business goals, a site's plan with
budgets and the what-if diff, the timeline (SVG Gantt), progress, suggestions from an assessment's gaps, and
the exports. Workflows call ``roadmap.services``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from otcsms.assessments.models import Assessment
from otcsms.core.http import authed
from otcsms.core.inputs import parse_id, text_problem
from otcsms.core.scoping import can
from otcsms.roadmap import exchange, forms, lifecycle, poam_sheet, projection, risk_links, services, sources
from otcsms.roadmap.models import Action, ActionDependency, BusinessGoal, RoadmapPlan, SourceKind
from otcsms.roadmap.phases import with_limits
from otcsms.roadmap.timeline import timeline_svg
from otcsms.tenancy.models import Site
from otcsms.ui import charts, generic
from otcsms.ui.sites import current_site_id


def _user(request: HttpRequest) -> Any:
    return authed(request).user


def _site_or_404(request: HttpRequest, pk: int) -> Site:
    site = services.visible_site(_user(request), pk)
    if site is None:
        raise Http404("no such site")
    return site


# --- actions ---------------------------------------------------------------------------------------------------------
class ActionViews(generic.ViewSet):
    model: Any = Action
    url_base = "web:roadmap_action"
    form_class: type[Any] | None = forms.ActionForm
    select_related = ("site", "owner", "goal")


class ActionList(ActionViews, generic.ScopedListView):
    template_name = "roadmap/action_list.html"
    columns = [("Action", "title"), ("Site", "site"), ("Status", "get_status_display"),
               ("Source", "get_source_kind_display"), ("Owner", "owner"), ("Effort (days)", "effort_days"),
               ("Cost", "cost"), ("Risk reduction", "risk_reduction"), ("Due", "due_on")]  # fmt: skip
    search_fields = ("title", "description")

    def get_queryset(self):
        qs = super().get_queryset()
        status = self.request.GET.get("status", "")
        if status in lifecycle.STATES:
            qs = qs.filter(status=status)
        elif status == "open":
            qs = qs.filter(status__in=lifecycle.OPEN)
        source = self.request.GET.get("source", "")
        if source in SourceKind.values:
            qs = qs.filter(source_kind=source)
        if (goal := parse_id(self.request.GET.get("goal", ""))) is not None:
            qs = qs.filter(goal_id=goal)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["statuses"] = [("open", "Open"), *Action.Status.choices]
        ctx["sources"] = SourceKind.choices
        ctx["goals"] = BusinessGoal.objects.for_user(self.user)
        ctx["chosen"] = {k: self.request.GET.get(k, "") for k in ("status", "source", "goal")}
        site_id = self.listed_site_id()
        ctx["sites"] = Site.objects.for_user(self.user).for_site(site_id).order_by("name")
        ctx["sync_site_ids"] = {site.pk for site in ctx["sites"] if can(self.user, "change", site.pk)}
        return ctx


class ActionDetail(ActionViews, generic.ScopedDetailView):
    template_name = "roadmap/action_detail.html"
    fields = [("Site", "site"), ("Status", "get_status_display"), ("Status reason", "status_reason"),
              ("Source", "get_source_kind_display"), ("Owner", "owner"), ("Business goal", "goal"),
              ("Effort (person-days)", "effort_days"), ("Cost", "cost"), ("Risk reduction (points)", "risk_reduction"),
              ("Start", "start_on"), ("Due", "due_on"), ("Pinned phase", "pinned_phase"),
              ("Completed", "completed_on"), ("Template", "template_key"), ("Description", "description")]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        action, user = self.object, self.user
        ctx["requirements"] = action.requirement_rows.select_related("requirement__framework")
        ctx["dependencies"] = (
            ActionDependency.objects.for_user(user).filter(action=action).select_related("depends_on")
        )
        ctx["dependents"] = (
            ActionDependency.objects.for_user(user).filter(depends_on=action).select_related("action")
        )
        ctx["transitions"] = [
            t for t in lifecycle.available(action.status) if can(user, t.action, action.site_id)
        ]
        plan = RoadmapPlan.objects.filter(site_id=action.site_id).first()
        placement = ((plan.result or {}).get("placements") or {}).get(str(action.pk)) if plan else None
        ctx["placement"] = placement
        ctx["plan_url"] = reverse("web:roadmap_plan", args=[action.site_id])
        shares = risk_links.linked_risks([action.pk]).get(action.pk, [])
        ctx["risk_shares"] = shares
        ctx["risk_computed"] = risk_links.computed(shares) if shares else None
        ctx["risk_effective"] = risk_links.effective(action, shares)
        return ctx


class _ActionFormMixin:
    def form_valid(self, form):
        view: Any = self
        action = form.instance
        if not view.may_write(action.audit_site_id()):
            raise PermissionDenied("you may not change this here")
        try:
            with transaction.atomic():
                view.object = services.save_action(
                    form.save(commit=False), requirement_ids=form.cleaned_data["requirement_refs"],
                    depends_on_ids=[a.pk for a in form.cleaned_data["depends_on"]],
                )  # fmt: skip
        except services.RoadmapInputError as exc:
            form.add_error("depends_on" if "depends_on" in str(exc) else None, str(exc).split(": ", 1)[-1])
            return view.form_invalid(form)
        except ValidationError as exc:
            form.add_error(None, exc)
            return view.form_invalid(form)
        messages.success(view.request, f"Saved {view.object}.")
        return HttpResponseRedirect(view.get_success_url())


class ActionCreate(_ActionFormMixin, ActionViews, generic.ScopedCreateView):
    pass


class ActionUpdate(_ActionFormMixin, ActionViews, generic.ScopedUpdateView):
    pass


class ActionDelete(ActionViews, generic.ScopedDeleteView):
    pass


@login_required
@require_POST
def action_transition(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    action = Action.objects.for_user(user).filter(pk=pk).first()
    if action is None:
        raise Http404("no such action")
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "unknown transition")
        return HttpResponseRedirect(reverse("web:roadmap_action_detail", args=[pk]))
    try:
        services.transition(user, action, form.cleaned_data["name"], form.cleaned_data["reason"])
    except services.RoadmapForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except (services.RoadmapStateError, services.RoadmapInputError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{action.title}: {action.get_status_display().lower()}.")
    return HttpResponseRedirect(reverse("web:roadmap_action_detail", args=[pk]))


@login_required
@require_POST
def sources_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """Create or update the site's actions from its open vulnerabilities and drift findings."""
    site = _site_or_404(request, pk)
    user = _user(request)
    if not can(user, "change", site.pk):
        raise PermissionDenied("only contributors, approvers and site admins create actions")
    result = sources.sync_site(site, by=user)
    messages.success(request, f"{site.name}: {result.describe()}.")
    return HttpResponseRedirect(f"{reverse('web:roadmap_action_list')}?site={site.pk}")


# --- business goals --------------------------------------------------------------------------------------------------
class GoalViews(generic.ViewSet):
    model: Any = BusinessGoal
    url_base = "web:businessgoal"
    form_class: type[Any] | None = forms.GoalForm


class GoalList(GoalViews, generic.ScopedListView):
    columns = [("Goal", "name"), ("Order", "order"), ("Description", "description")]
    site_filtered = False


class GoalDetail(GoalViews, generic.ScopedDetailView):
    fields = [("Description", "description"), ("Order", "order")]


class GoalCreate(GoalViews, generic.ScopedCreateView):
    pass


class GoalUpdate(GoalViews, generic.ScopedUpdateView):
    pass


class GoalDelete(GoalViews, generic.ScopedDeleteView):
    pass


# --- the plan ---------------------------------------------------------------------------------------------------------
def _amount(text: str) -> float | None:
    """A budget or capacity typed in a form: empty is no limit; otherwise a number >= 0 (ValueError)."""
    text = text.strip().replace(",", "").replace("_", "")
    if not text:
        return None
    if len(text) > 20:
        raise ValueError("too long")
    value = float(text)
    if not 0 <= value <= 1e12:
        raise ValueError("out of range")
    return value


def _limits(request: HttpRequest, count: int) -> tuple[list[float | None], list[float | None]] | str:
    budgets, capacities = [], []
    for i in range(count):
        try:
            budgets.append(_amount(request.POST.get(f"budget_{i}", "")))
            capacities.append(_amount(request.POST.get(f"capacity_{i}", "")))
        except ValueError:
            return f"phase {i + 1}: a budget and a capacity are empty (no limit) or a number from 0 to 1e12"
    return budgets, capacities


def _with_names(request: HttpRequest, phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The phases with the names typed on the page (a name not sent keeps the phase's own). Checked by
    ``save_settings`` (1-60 printable characters) and by the text rule."""
    named = []
    for i, phase in enumerate(phases):
        name = request.POST.get(f"name_{i}")
        if name is None:
            named.append(phase)
            continue
        name = name.strip()
        if len(name) > 60 or (problem := text_problem(name, multiline=False)):
            raise services.RoadmapInputError(
                f"phase {i + 1}: a name of 1-60 printable characters{f' ({problem})' if len(name) <= 60 else ''}"
            )
        named.append({**phase, "name": name})
    return named


def _placement_rows(site: Site, result: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not result:
        return []
    actions = Action.objects.filter(site=site).in_bulk()
    rows = []
    for key, value in (result.get("placements") or {}).items():
        action = actions.get(int(key))
        if action is not None:
            rows.append({"action": action, "phase": value["phase"], "reason": value["reason"]})
    rows.sort(key=lambda r: (r["phase"] is None, r["phase"] or 0, r["action"].pk))
    return rows


@login_required
def plan_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A site's plan: budgets and capacities per phase, each action's phase with its reason, the bound; a
    what-if (any reader: nothing saved) and save-and-plan (approvers)."""
    site = _site_or_404(request, pk)
    user = _user(request)
    plan = services.plan_of(site)
    may_save = can(user, "approve", site.pk)
    may_run = can(user, "change", site.pk)
    what_if = None
    if request.method == "POST":
        limits = _limits(request, len(plan.phases))
        intent = request.POST.get("intent", "what-if")
        if isinstance(limits, str):
            messages.error(request, limits)
        elif intent == "save":
            if not may_save:
                raise PermissionDenied("only approvers and site admins set the roadmap budgets")
            try:
                phases = _with_names(request, with_limits(plan.phases, *limits))
                services.save_settings(user, plan, phases=phases)
            except services.RoadmapInputError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Budgets saved and the roadmap planned again.")
                return HttpResponseRedirect(reverse("web:roadmap_plan", args=[site.pk]))
        elif intent == "run":
            if not may_run:
                raise PermissionDenied("only contributors, approvers and site admins run the plan")
            try:
                services.run_plan(user, plan)
            except services.RoadmapInputError as exc:
                messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("web:roadmap_plan", args=[site.pk]))
        else:
            try:
                what_if = services.what_if(plan, *limits)
            except services.RoadmapInputError as exc:
                messages.error(request, str(exc))
    result = plan.result
    shown_phases = what_if.phases_after if what_if else plan.phases
    context = {
        "site": site, "plan": plan, "result": result, "may_save": may_save, "may_run": may_run,
        "rows": _placement_rows(site, result), "what_if": what_if, "phases": _phase_rows(plan, shown_phases),
        "moves": _move_rows(what_if) if what_if else [],
        "gap_percent": round(100 * float((result or {}).get("gap") or 0), 2),
    }  # fmt: skip
    return render(request, "roadmap/plan.html", context)


def _phase_rows(plan: RoadmapPlan, phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals = ((plan.result or {}).get("totals")) or []
    rows = []
    for i, phase in enumerate(phases):
        total = totals[i] if i < len(totals) else {}
        rows.append({"index": i, "number": i + 1, **phase, "used_cost": total.get("cost", 0),
                     "used_effort": total.get("effort", 0), "count": total.get("count", 0),
                     "starts": plan.starts_on + timedelta(days=phase["start_day"]),
                     "ends": plan.starts_on + timedelta(days=phase["end_day"])})  # fmt: skip
    return rows


def _move_rows(found: services.WhatIf) -> list[dict[str, Any]]:
    def label(p: int | None) -> str:
        return "not planned" if p is None else f"phase {p + 1}"

    return [{"action_id": m.action_id, "title": m.title, "before": label(m.before), "after": label(m.after),
             "reason": m.reason} for m in found.moves]  # fmt: skip


# --- timeline and progress -----------------------------------------------------------------------------------------
@login_required
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    site = _site_or_404(request, pk)
    svg = timeline_svg(site)
    return render(request, "roadmap/timeline.html", {"site": site, "svg": svg})


@login_required
def progress_page(request: HttpRequest, pk: int) -> HttpResponse:
    site = _site_or_404(request, pk)
    found = services.progress(site.pk)
    statuses = [(value, label, found.counts[value], found.effort[value], found.cost[value])
                for value, label in Action.Status.choices]  # fmt: skip
    assessment = projection.latest_zone_assessment(site.pk)
    projected = projection.projected_levels(assessment) if assessment is not None else []
    return render(request, "roadmap/progress.html", {"site": site, "progress": found, "statuses": statuses,
                                                      "burndown_svg": _burndown_svg(found), "assessment": assessment,
                                                      "projected": projected})  # fmt: skip


def _burndown_svg(found: services.Progress) -> str:
    """Gaps still open, over time: all of them the day before the first completion, then after each day an action
    closing some was finished (a single point today when none is). Drawn by the chart kit, every point with its
    count and day."""
    days = [(date.fromisoformat(day), float(n)) for day, n in found.burndown]
    start = days[0][0] - timedelta(days=1) if days else timezone.localdate()
    return charts.trend_svg({"Gaps still open": [(start, float(found.gaps_total)), *days]},
                            title="Gaps still open", width=640, height=180, every_point=True)  # fmt: skip


# --- suggestions from an assessment --------------------------------------------------------------------------------
@login_required
def suggestions_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    assessment = Assessment.objects.for_user(user).select_related("framework", "site").filter(pk=pk).first()
    if assessment is None:
        raise Http404("no such assessment")
    may_create = can(user, "change", assessment.site_id)
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied("only contributors, approvers and site admins create actions")
        keys = [k[:60] for k in request.POST.getlist("template")][:50]
        goal_id = parse_id(request.POST.get("goal", ""))
        if goal_id is not None and not BusinessGoal.objects.filter(pk=goal_id).exists():
            goal_id = None
        if not keys:
            messages.error(request, "choose at least one suggested action")
        else:
            try:
                created = services.create_from_suggestions(user, assessment, keys, goal_id=goal_id)
            except services.RoadmapInputError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, f"Created {len(created)} proposed action{'s' if len(created) != 1 else ''}."
                )
                return HttpResponseRedirect(f"{reverse('web:roadmap_action_list')}?site={assessment.site_id}")
    found = services.suggestions(assessment, user)
    return render(request, "roadmap/suggestions.html", {
        "assessment": assessment, "suggestions": found, "may_create": may_create,
        "goals": BusinessGoal.objects.for_user(user)})  # fmt: skip


# --- home and exports -------------------------------------------------------------------------------------------------
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    sites = Site.objects.for_user(user).for_site(current_site_id(request)).order_by("name")
    rows = []
    for site in sites:
        found = services.progress(site.pk)
        rows.append({"site": site, "progress": found})
    assessments = (
        Assessment.objects.for_user(user).for_site(current_site_id(request)).select_related("site")[:20]
    )
    return render(request, "roadmap/home.html", {"rows": rows, "assessments": assessments})


@login_required
def export_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    site = _site_or_404(request, pk)
    if fmt == "poam":
        response: HttpResponse = JsonResponse(exchange.poam(site))
        response["Content-Disposition"] = f'attachment; filename="roadmap-{site.code}-poam.json"'
        return response
    if fmt == "poam-xlsx":
        name, sheet = poam_sheet.export_xlsx(site)
        response = HttpResponse(sheet, content_type=poam_sheet.CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if fmt not in ("csv", "xlsx"):
        raise Http404("no such format")
    name, data = exchange.export(site, fmt)
    response = HttpResponse(data, content_type=exchange.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def poam_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The POA&M workbook: download it, and import it back once edited (all or nothing, every problem listed)."""
    from otcsms.plant.importfiles import import_upload

    site = _site_or_404(request, pk)
    user = _user(request)
    context: dict[str, Any] = {"site": site, "may_import": can(user, "change", site.pk), "problems": []}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if not context["may_import"]:
            raise PermissionDenied("only contributors, approvers and site admins import a POA&M")
        result, context["problems"] = import_upload(
            upload, lambda data, name: poam_sheet.import_poam(site, data, name, by=user)
        )
        if result is not None:
            messages.success(request, result.describe()[:1].upper() + result.describe()[1:] + ".")
            return HttpResponseRedirect(reverse("web:roadmap_poam", args=[site.pk]))
        return render(request, "roadmap/poam.html", context, status=422)
    return render(request, "roadmap/poam.html", context)
