"""Pages of C10: exercises (list with filters, a detail page where the timeline, participants, outcomes and
lessons are entered), IR plans, incidents, the scenario library and the drill cadences. Workflows call
``resilience.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from otcsms.core.http import authed
from otcsms.core.inputs import parse_id
from otcsms.core.models import User
from otcsms.core.scoping import can
from otcsms.resilience import forms, report, services
from otcsms.resilience.models import (
    CriterionOutcome,
    DrillCadence,
    DrillScenario,
    Exercise,
    ExerciseEntry,
    Incident,
    IncidentAsset,
    IncidentEntry,
    IncidentZone,
    IrPlan,
    Participant,
    PlanContact,
    PlanRole,
)
from otcsms.tenancy.models import Site
from otcsms.ui import generic


def _user(request: HttpRequest) -> User:
    return authed(request).user


def _visible(model: type[Any], request: HttpRequest, pk: int) -> Any:
    obj = model.objects.for_user(_user(request)).filter(pk=pk).first()
    if obj is None:
        raise Http404(f"no such {model._meta.verbose_name}")
    return obj


def _writable(request: HttpRequest, obj: Any) -> None:
    if not can(_user(request), "change", obj.site_id):
        raise PermissionDenied("only contributors, approvers and site admins of the site change this")


def _errors(form: Any) -> str:
    return "; ".join(f"{name}: {' '.join(errs)}" if name != "__all__" else " ".join(errs)
                     for name, errs in form.errors.items())  # fmt: skip


def _save_row(request: HttpRequest, row: Model) -> bool:
    try:
        with transaction.atomic():
            row.full_clean()
            row.save()
    except ValidationError as exc:
        messages.error(request, services.first_message(exc))
        return False
    except IntegrityError:
        messages.error(request, "it is recorded already")
        return False
    return True


# --- exercises ---------------------------------------------------------------------------------------------
class ExerciseViews(generic.ViewSet):
    model: Any = Exercise
    url_base = "web:exercise"
    form_class: type[Any] | None = forms.ExerciseForm
    select_related = ("site", "scenario", "plan__document")


class ExerciseList(ExerciseViews, generic.ScopedListView):
    template_name = "resilience/exercise_list.html"
    columns = [("Exercise", "title"), ("Site", "site"), ("Scenario", "scenario"), ("Scheduled", "scheduled_for"),
               ("Status", "get_status_display"), ("Held", "held_on"), ("IR plan", "plan")]  # fmt: skip
    search_fields = ("title", "scenario__title")

    def get_queryset(self):
        qs = super().get_queryset()
        self.chosen = {
            "status": self.request.GET.get("status", ""),
            "scenario": self.request.GET.get("scenario", ""),
        }
        if self.chosen["status"] in Exercise.Status.values:
            qs = qs.filter(status=self.chosen["status"])
        if (scenario := parse_id(self.chosen["scenario"])) is not None:
            qs = qs.filter(scenario_id=scenario)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["chosen"] = self.chosen
        ctx["statuses"] = Exercise.Status.choices
        ctx["scenarios"] = DrillScenario.objects.for_user(self.user).order_by("title")
        today = timezone.localdate()
        sites = Site.objects.for_user(self.user).order_by("name")[:50]
        ctx["due"] = [(d, d.overdue(today)) for d in (services.drill_due(site) for site in sites)]
        return ctx


class ExerciseDetail(ExerciseViews, generic.ScopedDetailView):
    template_name = "resilience/exercise_detail.html"
    fields = [("Site", "site"), ("Scenario", "scenario"), ("IR plan", "plan"), ("Scheduled for", "scheduled_for"),
              ("Status", "get_status_display"), ("Held on", "held_on"), ("Facilitator", "facilitator"),
              ("Notes", "notes")]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.update(exercise_context(self.user, self.object))
        return ctx


def exercise_context(user: User, exercise: Exercise) -> dict[str, Any]:
    outcomes = {o.criterion: o for o in exercise.outcomes.all()}
    criteria = [(c["key"], c["text"], outcomes.get(c["key"])) for c in exercise.scenario.success_criteria]
    return {
        "exercise": exercise,
        "entries": exercise.entries.all(),
        "measures": exercise.measured_times(),
        "participants": exercise.participants.select_related("person"),
        "criteria": criteria,
        "outcome_choices": forms.Outcome.choices,
        "lessons": exercise.lessons.select_related("action"),
        "entry_form": forms.EntryForm(initial={"at": timezone.now().replace(second=0, microsecond=0)}),
        "participant_form": forms.ParticipantForm(user=user, site_id=exercise.site_id),
        "lesson_form": forms.LessonForm(),
        "writable": can(user, "change", exercise.site_id),
    }


class ExerciseCreate(ExerciseViews, generic.ScopedCreateView):
    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        for name in ("scenario", "plan"):
            if (pk := parse_id(self.request.GET.get(name, ""))) is not None:
                initial[name] = pk
        return initial


class ExerciseUpdate(ExerciseViews, generic.ScopedUpdateView):
    pass


class ExerciseDelete(ExerciseViews, generic.ScopedDeleteView):
    pass


@login_required
@require_POST
def exercise_entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    """One more timeline line; from htmx, the timeline and a fresh form come back (focus stays on the text)."""
    exercise = _visible(Exercise, request, pk)
    _writable(request, exercise)
    form = forms.EntryForm(request.POST)
    problem = ""
    if form.is_valid():
        try:
            services.add_entry(exercise, **form.cleaned_data)
        except services.ResilienceInputError as exc:
            problem = str(exc)
        except ValidationError as exc:
            problem = services.first_message(exc)
    else:
        problem = _errors(form)
    if request.headers.get("HX-Request"):
        ctx = exercise_context(_user(request), Exercise.objects.get(pk=exercise.pk))
        if problem:
            ctx["entry_form"] = form
        ctx["entry_problem"] = problem
        html = render_to_string("resilience/_timeline.html", ctx, request=request)
        return HttpResponse(html, status=422 if problem else 200)
    if problem:
        messages.error(request, problem)
    return HttpResponseRedirect(reverse("web:exercise_detail", args=[pk]) + "#timeline")


@login_required
@require_POST
def exercise_participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _visible(Exercise, request, pk)
    _writable(request, exercise)
    form = forms.ParticipantForm(request.POST, user=_user(request), site_id=exercise.site_id)
    if not form.is_valid():
        messages.error(request, _errors(form))
    elif _save_row(request, Participant(site_id=exercise.site_id, exercise=exercise, **form.cleaned_data)):
        messages.success(request, f"{form.cleaned_data['person']} takes part.")
    return HttpResponseRedirect(reverse("web:exercise_detail", args=[pk]) + "#participants")


@login_required
@require_POST
def exercise_outcome_set(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _visible(Exercise, request, pk)
    _writable(request, exercise)
    form = forms.OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
    else:
        try:
            services.set_outcome(exercise, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, services.first_message(exc))
        else:
            messages.success(request, "Outcome recorded.")
    return HttpResponseRedirect(reverse("web:exercise_detail", args=[pk]) + "#outcomes")


@login_required
@require_POST
def exercise_lesson_add(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _visible(Exercise, request, pk)
    _writable(request, exercise)
    form = forms.LessonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
    else:
        try:
            lesson = services.add_lesson(_user(request), exercise, **form.cleaned_data)
        except services.ResilienceForbiddenError as exc:
            raise PermissionDenied(str(exc)) from None
        except (services.ResilienceInputError, ValidationError) as exc:
            messages.error(
                request, services.first_message(exc) if isinstance(exc, ValidationError) else str(exc)
            )
        else:
            messages.success(request, f"Lesson recorded; roadmap action “{lesson.action}” created.")
    return HttpResponseRedirect(reverse("web:exercise_detail", args=[pk]) + "#lessons")


@login_required
def exercise_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The drill report of one exercise (HTML; the Reports page gives every exercise of a site, HTML or PDF)."""
    exercise = _visible(Exercise, request, pk)
    data = report.build(exercise.site, _user(request), {"exercise": str(exercise.pk)})
    ctx = {"data": data, "site": exercise.site, "provenance": report.page_provenance(_user(request)),
           **data["context"]}  # fmt: skip
    return render(request, data["template"], ctx)


# rows removed from a detail page: kind -> (model, parent attribute, parent's detail page)
ROWS: dict[str, tuple[type[Any], str, str]] = {
    "participant": (Participant, "exercise_id", "web:exercise_detail"),
    "entry": (ExerciseEntry, "exercise_id", "web:exercise_detail"),
    "outcome": (CriterionOutcome, "exercise_id", "web:exercise_detail"),
    "role": (PlanRole, "plan_id", "web:irplan_detail"),
    "contact": (PlanContact, "plan_id", "web:irplan_detail"),
    "incident-entry": (IncidentEntry, "incident_id", "web:incident_detail"),
    "zone": (IncidentZone, "incident_id", "web:incident_detail"),
    "asset": (IncidentAsset, "incident_id", "web:incident_detail"),
}


@login_required
@require_POST
def row_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in ROWS:
        raise Http404("no such kind of row")
    model, parent, page = ROWS[kind]
    row = _visible(model, request, pk)
    _writable(request, row)
    reason = request.POST.get("reason", "").strip()[:500]
    with transaction.atomic():
        row._audit_reason = reason
        row.delete()
    messages.success(request, f"Removed {row}.")
    return HttpResponseRedirect(reverse(page, args=[getattr(row, parent)]))


# --- IR plans ----------------------------------------------------------------------------------------------
class PlanViews(generic.ViewSet):
    model: Any = IrPlan
    url_base = "web:irplan"
    form_class: type[Any] | None = forms.PlanForm
    select_related = ("site", "document", "bcp_document")


class PlanList(PlanViews, generic.ScopedListView):
    template_name = "resilience/plan_list.html"
    columns = [("IR plan", "document"), ("Site", "site"), ("Business continuity plan", "bcp_document"),
               ("Scope", "scope")]  # fmt: skip
    search_fields = ("document__title", "scope")


class PlanDetail(PlanViews, generic.ScopedDetailView):
    template_name = "resilience/plan_detail.html"
    fields = [("Site", "site"), ("Scope", "scope")]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        plan: IrPlan = self.object
        holders = services.role_holders(plan)
        ctx["roles"] = [(r, holders.get(r.role_id, [])) for r in plan.roles.select_related("role")]
        ctx["contacts"] = plan.contacts.select_related("person")
        ctx["bcp"] = services.continuity_plan(plan)
        ctx["last_tested"] = plan.last_tested()
        ctx["exercises"] = plan.exercises.select_related("scenario").order_by("-scheduled_for")[:20]
        ctx["role_form"] = forms.PlanRoleForm(user=self.user)
        ctx["contact_form"] = forms.PlanContactForm(user=self.user, site_id=plan.site_id)
        ctx["writable"] = ctx["can_edit"]
        return ctx


class PlanCreate(PlanViews, generic.ScopedCreateView):
    def form_valid(self, form):
        data = form.cleaned_data
        if not self.may_write(data["site"].pk):
            raise PermissionDenied("you may not change this here")
        try:
            self.object = services.create_plan(
                site_id=data["site"].pk, by=self.user, document_id=data["document"].pk if data["document"] else None,
                title=data.get("new_title") or "", scope=data.get("scope") or "",
                bcp_document_id=data["bcp_document"].pk if data["bcp_document"] else None,
            )  # fmt: skip
        except services.ResilienceInputError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {self.object}.")
        return HttpResponseRedirect(self.get_success_url())


class PlanUpdate(PlanViews, generic.ScopedUpdateView):
    pass


class PlanDelete(PlanViews, generic.ScopedDeleteView):
    pass


@login_required
@require_POST
def plan_role_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible(IrPlan, request, pk)
    _writable(request, plan)
    form = forms.PlanRoleForm(request.POST, user=_user(request))
    if not form.is_valid():
        messages.error(request, _errors(form))
    elif _save_row(request, PlanRole(site_id=plan.site_id, plan=plan, **form.cleaned_data)):
        messages.success(request, f"{form.cleaned_data['role']} added to the plan.")
    return HttpResponseRedirect(reverse("web:irplan_detail", args=[pk]) + "#roles")


@login_required
@require_POST
def plan_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible(IrPlan, request, pk)
    _writable(request, plan)
    form = forms.PlanContactForm(request.POST, user=_user(request), site_id=plan.site_id)
    if not form.is_valid():
        messages.error(request, _errors(form))
    elif _save_row(request, PlanContact(site_id=plan.site_id, plan=plan, **form.cleaned_data)):
        messages.success(request, f"{form.cleaned_data['person']} added to the contacts.")
    return HttpResponseRedirect(reverse("web:irplan_detail", args=[pk]) + "#contacts")


# --- incidents ---------------------------------------------------------------------------------------------
class IncidentViews(generic.ViewSet):
    model: Any = Incident
    url_base = "web:incident"
    form_class: type[Any] | None = forms.IncidentForm
    select_related = ("site", "plan__document")


class IncidentList(IncidentViews, generic.ScopedListView):
    template_name = "resilience/incident_list.html"
    columns = [("Incident", "title"), ("Site", "site"), ("Classification", "get_classification_display"),
               ("Status", "get_status_display"), ("Detected (UTC)", "detected_at"),
               ("Reportable (CIP-008)", "reportable")]  # fmt: skip
    search_fields = ("title", "description")

    def get_queryset(self):
        qs = super().get_queryset()
        self.chosen = {
            "status": self.request.GET.get("status", ""),
            "reportable": self.request.GET.get("reportable", ""),
        }
        if self.chosen["status"] in Incident.Status.values:
            qs = qs.filter(status=self.chosen["status"])
        if self.chosen["reportable"] in ("yes", "no"):
            qs = qs.filter(reportable=self.chosen["reportable"] == "yes")
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["chosen"] = self.chosen
        ctx["statuses"] = Incident.Status.choices
        return ctx


class IncidentDetail(IncidentViews, generic.ScopedDetailView):
    template_name = "resilience/incident_detail.html"
    fields = [("Site", "site"), ("Classification", "get_classification_display"), ("Status", "get_status_display"),
              ("IR plan", "plan"), ("Description", "description")]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        incident: Incident = self.object
        now = timezone.now()
        ctx["deadlines"] = [(d, d.overdue(now)) for d in incident.deadlines()]
        ctx["entries"] = incident.entries.all()
        marks = [(e.at, e.milestone) for e in ctx["entries"] if e.milestone]
        ctx["measures"] = services.timing.measured_times(incident.detected_at, marks)
        ctx["zones"] = incident.zone_rows.select_related("zone")
        ctx["assets"] = incident.asset_rows.select_related("asset")
        ctx["entry_form"] = forms.IncidentEntryForm(initial={"at": now.replace(second=0, microsecond=0)})
        ctx["zone_form"] = forms.ZoneForm(user=self.user, site_id=incident.site_id)
        ctx["asset_form"] = forms.AssetForm(user=self.user, site_id=incident.site_id)
        ctx["writable"] = ctx["can_edit"]
        return ctx


class IncidentCreate(IncidentViews, generic.ScopedCreateView):
    pass


class IncidentUpdate(IncidentViews, generic.ScopedUpdateView):
    pass


class IncidentDelete(IncidentViews, generic.ScopedDeleteView):
    pass


@login_required
@require_POST
def incident_row_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    incident = _visible(Incident, request, pk)
    _writable(request, incident)
    user = _user(request)
    row: Model | None = None
    if kind == "entry":
        form: Any = forms.IncidentEntryForm(request.POST)
        if form.is_valid():
            row = IncidentEntry(site_id=incident.site_id, incident=incident, **form.cleaned_data)
    elif kind == "zone":
        form = forms.ZoneForm(request.POST, user=user, site_id=incident.site_id)
        if form.is_valid():
            row = IncidentZone(site_id=incident.site_id, incident=incident, **form.cleaned_data)
    elif kind == "asset":
        form = forms.AssetForm(request.POST, user=user, site_id=incident.site_id)
        if form.is_valid():
            row = IncidentAsset(site_id=incident.site_id, incident=incident, **form.cleaned_data)
    else:
        raise Http404("no such kind of row")
    if row is None:
        messages.error(request, _errors(form))
    elif _save_row(request, row):
        messages.success(request, "Recorded.")
    return HttpResponseRedirect(reverse("web:incident_detail", args=[pk]) + f"#{kind}s")


# --- scenarios and cadences --------------------------------------------------------------------------------
class ScenarioViews(generic.ScopedMixin):
    """Read-only pages: the library is changed by loading the shipped file (an organisation admin)."""

    model: Any = DrillScenario
    url_base = "web:drillscenario"
    form_class: type[Any] | None = None

    def url(self, kind: str, *args: Any) -> str:
        return (
            reverse("web:drillscenario_list")
            if kind in ("create", "edit", "delete")
            else super().url(kind, *args)
        )


class ScenarioList(ScenarioViews, generic.ScopedListView):
    template_name = "resilience/scenario_list.html"
    columns = [("Scenario", "title"), ("Protocols", "protocols"), ("Summary", "summary")]
    search_fields = ("title", "summary", "protocols")
    site_filtered = False


class ScenarioDetail(ScenarioViews, generic.ScopedDetailView):
    template_name = "resilience/scenario_detail.html"
    fields = [("Protocols", "protocols"), ("Summary", "summary")]


@login_required
@require_POST
def scenario_load(request: HttpRequest) -> HttpResponse:
    if not _user(request).is_org_admin:
        raise PermissionDenied("only organisation admins load the scenario library")
    added, updated = services.load_library()
    messages.success(request, f"Scenario library loaded: {added} added, {updated} updated.")
    return HttpResponseRedirect(reverse("web:drillscenario_list"))


class CadenceViews(generic.ViewSet):
    model: Any = DrillCadence
    url_base = "web:drillcadence"
    form_class: type[Any] | None = forms.CadenceForm
    select_related = ("site",)


class CadenceList(CadenceViews, generic.ScopedListView):
    columns = [("Cadence", "months"), ("Site", "site"), ("Programme start", "programme_start")]
    search_fields = ("site__name",)


class CadenceDetail(CadenceViews, generic.ScopedDetailView):
    fields = [("Site", "site"), ("Months between drills", "months"), ("Programme start", "programme_start")]


class CadenceCreate(CadenceViews, generic.ScopedCreateView):
    pass


class CadenceUpdate(CadenceViews, generic.ScopedUpdateView):
    pass


class CadenceDelete(CadenceViews, generic.ScopedDeleteView):
    pass
