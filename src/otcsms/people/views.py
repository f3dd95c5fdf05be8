"""Pages of C11: courses, requirements, assignments, completions and screenings (generic scoped pages), the
training matrix of a site (people x required courses, coloured by status), a person's readiness, and the import
of an LMS export of completions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from otcsms.core.http import AuthedRequest
from otcsms.core.inputs import parse_id, parse_int
from otcsms.core.scoping import may_write
from otcsms.org.models import Person
from otcsms.people import forms, rules, services
from otcsms.people.completionfile import MAX_BYTES, CompletionFileRejected
from otcsms.people.models import Completion, Course, CourseAssignment, CourseRequirement, Screening
from otcsms.tenancy.models import Site
from otcsms.ui import generic
from otcsms.ui.sites import current_site_id

MATRIX_PAGE = 50


def _authed(request: HttpRequest) -> AuthedRequest:
    return request  # type: ignore[return-value]  # login_required has run: request.user is a User


# --- generic pages ---------------------------------------------------------------------------------------
class CourseViews(generic.ViewSet):
    model: Any = Course
    url_base = "web:course"
    form_class: type[Any] | None = forms.CourseForm


class CourseList(CourseViews, generic.ScopedListView):
    columns = [("Title", "title"), ("Code", "code"), ("Kind", "kind"), ("Valid (months)", "validity_months"),
               ("Active", "active")]  # fmt: skip
    search_fields = ("title", "code", "description")
    site_filtered = False


class CourseDetail(CourseViews, generic.ScopedDetailView):
    fields = [("Code", "code"), ("Kind", "kind"), ("Valid for (months, outside NERC CIP sites)", "validity_months"),
              ("Active", "active"), ("Description", "description")]  # fmt: skip


class CourseCreate(CourseViews, generic.ScopedCreateView):
    pass


class CourseUpdate(CourseViews, generic.ScopedUpdateView):
    pass


class CourseDelete(CourseViews, generic.ScopedDeleteView):
    pass


class RequirementViews(generic.ViewSet):
    model: Any = CourseRequirement
    url_base = "web:courserequirement"
    form_class: type[Any] | None = forms.RequirementForm
    select_related = ("site", "course", "role")


class RequirementList(RequirementViews, generic.ScopedListView):
    columns = [("Course", "course"), ("Site", "site"), ("CSMS role", "role"), ("Privilege", "privilege"),
               ("Note", "note")]  # fmt: skip
    search_fields = ("course__title", "course__code", "role__name")


class RequirementDetail(RequirementViews, generic.ScopedDetailView):
    fields = [("Site", "site"), ("Course", "course"), ("CSMS role (empty: everyone)", "role"),
              ("Only for this privilege and above", "privilege"), ("Note", "note")]  # fmt: skip


class RequirementCreate(RequirementViews, generic.ScopedCreateView):
    pass


class RequirementUpdate(RequirementViews, generic.ScopedUpdateView):
    pass


class RequirementDelete(RequirementViews, generic.ScopedDeleteView):
    pass


class AssignmentViews(generic.ViewSet):
    model: Any = CourseAssignment
    url_base = "web:courseassignment"
    form_class: type[Any] | None = forms.AssignmentForm
    select_related = ("site", "course", "person")


class AssignmentList(AssignmentViews, generic.ScopedListView):
    columns = [("Person", "person"), ("Course", "course"), ("Site", "site"), ("Assigned", "assigned_on"),
               ("Due", "due_on")]  # fmt: skip
    search_fields = ("person__name", "course__title", "course__code")


class AssignmentDetail(AssignmentViews, generic.ScopedDetailView):
    fields = [("Site", "site"), ("Person", "person"), ("Course", "course"), ("Assigned", "assigned_on"),
              ("Due", "due_on"), ("Note", "note")]  # fmt: skip


class AssignmentCreate(AssignmentViews, generic.ScopedCreateView):
    pass


class AssignmentUpdate(AssignmentViews, generic.ScopedUpdateView):
    pass


class AssignmentDelete(AssignmentViews, generic.ScopedDeleteView):
    pass


class CompletionViews(generic.ViewSet):
    model: Any = Completion
    url_base = "web:completion"
    form_class: type[Any] | None = forms.CompletionForm
    select_related = ("site", "course", "person")


class CompletionList(CompletionViews, generic.ScopedListView):
    template_name = "people/completion_list.html"
    columns = [("Person", "person"), ("Course", "course"), ("Completed", "completed_on"),
               ("Expires", "expires_on"), ("Site", "site"), ("Source", "source")]  # fmt: skip
    search_fields = ("person__name", "person__email", "course__title", "course__code")


class CompletionDetail(CompletionViews, generic.ScopedDetailView):
    fields = [("Site", "site"), ("Person", "person"), ("Course", "course"), ("Completed", "completed_on"),
              ("Expires", "expires_on"), ("Score", "score"), ("Evidence", "evidence_reference"),
              ("Source", "source"), ("Note", "note")]  # fmt: skip


class CompletionCreate(CompletionViews, generic.ScopedCreateView):
    pass


class CompletionUpdate(CompletionViews, generic.ScopedUpdateView):
    pass


class CompletionDelete(CompletionViews, generic.ScopedDeleteView):
    pass


class ScreeningViews(generic.ViewSet):
    model: Any = Screening
    url_base = "web:screening"
    form_class: type[Any] | None = forms.ScreeningForm
    select_related = ("site", "person")


class ScreeningList(ScreeningViews, generic.ScopedListView):
    columns = [("Person", "person"), ("Kind", "kind"), ("Completed", "completed_on"), ("Result", "result"),
               ("Next due", "next_due"), ("Site", "site")]  # fmt: skip
    search_fields = ("person__name", "reference")


class ScreeningDetail(ScreeningViews, generic.ScopedDetailView):
    fields = [("Site", "site"), ("Person", "person"), ("Kind", "kind"), ("Completed", "completed_on"),
              ("Result", "result"), ("Next due", "next_due"), ("Reference", "reference"), ("Note", "note")]  # fmt: skip


class ScreeningCreate(ScreeningViews, generic.ScopedCreateView):
    pass


class ScreeningUpdate(ScreeningViews, generic.ScopedUpdateView):
    pass


class ScreeningDelete(ScreeningViews, generic.ScopedDeleteView):
    pass


# --- the training matrix ----------------------------------------------------------------------------------
def _chosen_site(request: HttpRequest) -> tuple[Site | None, list[Site]]:
    sites = list(Site.objects.for_user(_authed(request).user).order_by("name"))
    wanted = parse_id(request.GET.get("site", "")) or current_site_id(request)
    chosen = next((s for s in sites if s.pk == wanted), None) or (sites[0] if sites else None)
    return chosen, sites


@login_required
def training_matrix(request: HttpRequest) -> HttpResponse:
    user = _authed(request).user
    site, sites = _chosen_site(request)
    q = request.GET.get("q", "").strip()[:200]
    number = parse_int(request.GET.get("page", "1"), minimum=1, maximum=10**6) or 1
    ctx: dict[str, Any] = {"site": site, "sites": sites, "q": q}
    if site is not None:
        matrix, total = services.training_matrix(user, site, query=q, offset=(number - 1) * MATRIX_PAGE,
                                                 limit=MATRIX_PAGE)  # fmt: skip
        page = Paginator(range(total), MATRIX_PAGE).get_page(number)
        ctx.update(matrix=matrix, total=total, page_obj=page, cip=rules.is_cip_site(site.nerc_impact),
                   may_record=may_write(user, Completion, site.pk))  # fmt: skip
    return render(request, "people/matrix.html", ctx)


# --- a person's readiness -------------------------------------------------------------------------------------
@login_required
def person_readiness(request: HttpRequest, pk: int) -> HttpResponse:
    user = _authed(request).user
    person = Person.objects.for_user(user).filter(pk=pk).select_related("site", "manager").first()
    if person is None:
        raise Http404(f"no person {pk}")
    sites = list(Site.objects.for_user(user).order_by("name"))
    wanted = parse_id(request.GET.get("site", "")) or person.site_id
    site = next((s for s in sites if s.pk == wanted), None)
    if site is None and person.site_id is None and sites:
        site = sites[0]
    privilege = request.GET.get("privilege", "")
    privilege = privilege if privilege in rules.PRIVILEGES else ""
    ctx: dict[str, Any] = {"person": person, "site": site, "sites": sites, "privilege": privilege,
                           "privileges": rules.PRIVILEGES}  # fmt: skip
    if site is not None:
        ctx["readiness"] = services.readiness(person, site, privilege or None, user=user)
        ctx["completions"] = (
            Completion.objects.for_user(user).filter(person=person).select_related("course")[:50]
        )
        ctx["screenings"] = Screening.objects.for_user(user).filter(person=person)[:20]
        ctx["assignments"] = services.assignments_open(person).filter(
            pk__in=CourseAssignment.objects.for_user(user).values("pk")
        )
        ctx["may_record"] = may_write(user, Completion, site.pk)
    return render(request, "people/readiness.html", ctx)


# --- import --------------------------------------------------------------------------------------------------
@login_required
def completion_import(request: HttpRequest) -> HttpResponse:
    user = _authed(request).user
    writable = list(Site.objects.for_user(user, "change").order_by("name"))
    ctx: dict[str, Any] = {"sites": writable, "problems": [], "max_mb": MAX_BYTES // 2**20,
                           "chosen": parse_id(request.GET.get("site", "")) or current_site_id(request)}  # fmt: skip
    if request.method == "POST":
        site_id = parse_id(request.POST.get("site", ""))
        site = next((s for s in writable if s.pk == site_id), None)
        upload = request.FILES.get("file")
        ctx["chosen"] = site_id
        if site is None:
            ctx["error"] = "choose a site where you may record completions"
        elif upload is None:
            ctx["error"] = "choose the LMS export to import"
        elif upload.size and upload.size > MAX_BYTES:
            ctx["error"] = f"the file is larger than {MAX_BYTES // 2**20} MB"
        else:
            try:
                result = services.import_completions(
                    site, upload.read(MAX_BYTES + 1), (upload.name or "")[:100]
                )
            except CompletionFileRejected as exc:
                ctx["error"] = f"Nothing was imported: {len(exc.problems)} problem(s) in the file."
                ctx["problems"] = exc.problems[:200]
            else:
                messages.success(request, result.describe())
                return HttpResponseRedirect(reverse("web:training_matrix") + f"?site={site.pk}")
        return render(request, "people/import.html", ctx, status=422)
    return render(request, "people/import.html", ctx)
