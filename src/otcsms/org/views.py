"""Pages of C1, built from the generic scoped views (ui.generic)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from otcsms.core import registry
from otcsms.core.http import AuthedRequest
from otcsms.core.inputs import parse_id
from otcsms.core.scoping import may_write
from otcsms.org import forms, scope_lifecycle, services
from otcsms.org.models import (
    CsmsActivity,
    CsmsRole,
    Person,
    Raci,
    Responsibility,
    RoleAssignment,
    ScopeStatement,
)
from otcsms.tenancy.models import Organisation, Site, SiteMembership
from otcsms.ui import generic
from otcsms.ui.site_sections import SiteSection


# --- sites ----------------------------------------------------------------------------------------
class SiteViews(generic.ViewSet):
    model: Any = Site
    url_base = "web:site"
    write_action = "admin"
    form_class: type[Any] | None = forms.SiteForm


class SiteList(SiteViews, generic.ScopedListView):
    site_filtered = False
    columns = [("Name", "name"), ("Code", "code"), ("Sector", "sector"), ("Location", "location"),
               ("NERC impact", "nerc_impact")]  # fmt: skip
    search_fields = ("name", "code", "location")


class SiteDetail(SiteViews, generic.ScopedDetailView):
    template_name = "org/site_detail.html"
    fields = [("Code", "code"), ("Sector", "sector"), ("Location", "location"),
              ("NERC registration", "nerc_registration"), ("NERC impact", "nerc_impact"),
              ("Description", "description")]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        site = self.object
        user = self.user
        ctx["assignments"] = (
            RoleAssignment.objects.for_user(user).filter(site=site).select_related("role", "person")
        )
        ctx["memberships"] = SiteMembership.objects.for_user(user).filter(site=site).select_related("user")
        ctx["people"] = Person.objects.for_user(user).filter(site=site)
        ctx["scope"] = services.current_scope(site)
        ctx["can_change"] = may_write(user, RoleAssignment, site.pk)
        ctx["can_admin"] = may_write(user, SiteMembership, site.pk, "admin")
        ctx["sections"] = site_sections(user, site)
        return ctx


def site_sections(user, site: Site) -> list[SiteSection]:
    """The panels other apps add to a site's page (zones, assets, assessments, ...), by their order."""
    sections = [registry.resolve(path)(user, site) for path in registry.site_sections()]
    return sorted(sections, key=lambda section: section.order)


class SiteCreate(SiteViews, generic.ScopedCreateView):
    def form_valid(self, form):

        form.instance.organisation = Organisation.current()
        return super().form_valid(form)


class SiteUpdate(SiteViews, generic.ScopedUpdateView):
    pass


class SiteDelete(SiteViews, generic.ScopedDeleteView):
    def get_object(self, queryset=None):
        if not self.user.is_org_admin:
            raise PermissionDenied("only organisation admins delete sites")
        return super().get_object(queryset)


# --- the organisation -----------------------------------------------------------------------------
@login_required
def organisation_edit(request: AuthedRequest) -> HttpResponse:
    """The organisation's name and description: organisation admins only."""
    if not may_write(request.user, Organisation, None):
        raise PermissionDenied("only organisation admins change the organisation")
    organisation = Organisation.current()
    form = forms.OrganisationForm(request.POST or None, instance=organisation, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, f"Saved the organisation: {organisation}.")
        return redirect("web:dashboard")
    return render(request, "org/organisation_form.html", {"form": form, "object": organisation})


# --- people ---------------------------------------------------------------------------------------
class PersonViews(generic.ViewSet):
    model: Any = Person
    url_base = "web:person"
    form_class: type[Any] | None = forms.PersonForm
    select_related = ("site",)


class PersonList(PersonViews, generic.ScopedListView):
    columns = [("Name", "name"), ("Job title", "job_title"), ("Employer", "employer"), ("Site", "site"),
               ("Email", "email")]  # fmt: skip
    search_fields = ("name", "email", "job_title", "employer")


class PersonDetail(PersonViews, generic.ScopedDetailView):
    fields = [("Site", "site"), ("Email", "email"), ("Job title", "job_title"), ("Employer", "employer"),
              ("Manager", "manager"), ("Active", "active"), ("User account", "user")]  # fmt: skip


class PersonCreate(PersonViews, generic.ScopedCreateView):
    def form_valid(self, form):

        form.instance.organisation = Organisation.current()
        return super().form_valid(form)


class PersonUpdate(PersonViews, generic.ScopedUpdateView):
    pass


class PersonDelete(PersonViews, generic.ScopedDeleteView):
    pass


# --- CSMS roles and activities --------------------------------------------------------------------
class CsmsRoleViews(generic.ViewSet):
    model: Any = CsmsRole
    url_base = "web:csmsrole"
    form_class: type[Any] | None = forms.CsmsRoleForm


class CsmsRoleList(CsmsRoleViews, generic.ScopedListView):
    columns = [("Role", "name"), ("Description", "description")]
    search_fields = ("name", "description")


class CsmsRoleDetail(CsmsRoleViews, generic.ScopedDetailView):
    template_name = "org/csmsrole_detail.html"
    fields = [("Description", "description")]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["assignments"] = (
            RoleAssignment.objects.for_user(self.user)
            .filter(role=self.object)
            .select_related("site", "person")
        )
        return ctx


class CsmsRoleCreate(CsmsRoleViews, generic.ScopedCreateView):
    pass


class CsmsRoleUpdate(CsmsRoleViews, generic.ScopedUpdateView):
    pass


class CsmsRoleDelete(CsmsRoleViews, generic.ScopedDeleteView):
    pass


class CsmsActivityViews(generic.ViewSet):
    model: Any = CsmsActivity
    url_base = "web:csmsactivity"
    form_class: type[Any] | None = forms.CsmsActivityForm


class CsmsActivityList(CsmsActivityViews, generic.ScopedListView):
    columns = [("Activity", "name"), ("Reference", "reference"), ("Description", "description")]
    search_fields = ("name", "reference", "description")


class CsmsActivityDetail(CsmsActivityViews, generic.ScopedDetailView):
    fields = [("Reference", "reference"), ("Order", "order"), ("Description", "description")]


class CsmsActivityCreate(CsmsActivityViews, generic.ScopedCreateView):
    pass


class CsmsActivityUpdate(CsmsActivityViews, generic.ScopedUpdateView):
    pass


class CsmsActivityDelete(CsmsActivityViews, generic.ScopedDeleteView):
    pass


# --- role assignments -----------------------------------------------------------------------------
class RoleAssignmentViews(generic.ViewSet):
    model: Any = RoleAssignment
    url_base = "web:roleassignment"
    form_class: type[Any] | None = forms.RoleAssignmentForm
    select_related = ("site", "role", "person")


class RoleAssignmentList(RoleAssignmentViews, generic.ScopedListView):
    columns = [("Person", "person"), ("CSMS role", "role"), ("Site", "site"), ("From", "starts_on"),
               ("Until", "ends_on")]  # fmt: skip
    search_fields = ("person__name", "role__name")


class RoleAssignmentDetail(RoleAssignmentViews, generic.ScopedDetailView):
    fields = [("Site", "site"), ("CSMS role", "role"), ("Person", "person"), ("From", "starts_on"),
              ("Until", "ends_on"), ("Note", "note")]  # fmt: skip


class RoleAssignmentCreate(RoleAssignmentViews, generic.ScopedCreateView):
    pass


class RoleAssignmentUpdate(RoleAssignmentViews, generic.ScopedUpdateView):
    pass


class RoleAssignmentDelete(RoleAssignmentViews, generic.ScopedDeleteView):
    pass


# --- memberships (site access) --------------------------------------------------------------------
class MembershipViews(generic.ViewSet):
    model: Any = SiteMembership
    url_base = "web:membership"
    form_class: type[Any] | None = forms.MembershipForm
    write_action = "admin"
    select_related = ("site", "user")


class MembershipList(MembershipViews, generic.ScopedListView):
    columns = [("User", "user"), ("Site", "site"), ("Role", "role")]
    search_fields = ("user__username",)


class MembershipDetail(MembershipViews, generic.ScopedDetailView):
    fields = [("User", "user"), ("Site", "site"), ("Role", "role")]


class MembershipCreate(MembershipViews, generic.ScopedCreateView):
    pass


class MembershipUpdate(MembershipViews, generic.ScopedUpdateView):
    pass


class MembershipDelete(MembershipViews, generic.ScopedDeleteView):
    pass


# --- RACI matrix ----------------------------------------------------------------------------------
@login_required
def raci_matrix(request: AuthedRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.for_user(request.user), pk=pk)
    can_change = may_write(request.user, Responsibility, site.pk)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("you may not change this site's RACI chart")
        _save_raci_cell(request, site)
        if request.htmx:
            return HttpResponse(status=204)
        return redirect("web:raci", pk=site.pk)
    activities = list(CsmsActivity.objects.for_user(request.user))
    roles = list(CsmsRole.objects.for_user(request.user))
    cells = {
        (r.activity_id, r.role_id): r.raci
        for r in Responsibility.objects.for_user(request.user).filter(site=site)
    }
    rows = [(a, [(role, cells.get((a.pk, role.pk), "")) for role in roles]) for a in activities]
    missing_accountable = [a for a in activities if "A" not in {cells.get((a.pk, r.pk)) for r in roles}]
    return render(request, "org/raci.html", {
        "site": site, "roles": roles, "rows": rows, "can_change": can_change, "choices": Raci.choices,
        "missing_accountable": missing_accountable,
    })  # fmt: skip


def _save_raci_cell(request: AuthedRequest, site: Site) -> None:
    activity = get_object_or_404(
        CsmsActivity.objects.for_user(request.user), pk=_posted_id(request, "activity")
    )
    role = get_object_or_404(CsmsRole.objects.for_user(request.user), pk=_posted_id(request, "role"))
    value = request.POST.get("raci", "")
    if value not in {"", *Raci.values}:
        raise PermissionDenied("not a RACI value")
    with transaction.atomic():
        cell = Responsibility.objects.filter(site=site, activity=activity, role=role).first()
        if not value:
            if cell is not None:
                cell.delete()
        elif cell is None:
            Responsibility.objects.create(site=site, activity=activity, role=role, raci=value)
        elif cell.raci != value:
            cell.raci = value
            cell.save()


def _posted_id(request: HttpRequest, name: str) -> int:
    """The id posted as ``name``; 404 for anything that is not one (as for an id that names nothing)."""
    pk = parse_id(request.POST.get(name))
    if pk is None:
        raise Http404(f"no {name} with that id")
    return pk


# --- CSMS scope statements ------------------------------------------------------------------------
# Every transition is the service's (org.services, org.scope_lifecycle): the pages only show what it allows.
@login_required
def scope_page(request: AuthedRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.for_user(request.user), pk=pk)
    versions = list(
        ScopeStatement.objects.for_user(request.user)
        .filter(site=site)
        .select_related("drafted_by", "edited_by", "approved_by", "discarded_by")
    )
    for version in versions:
        if version.status == ScopeStatement.Status.DRAFT:
            version.refusals = services.refusals(request.user, version)
    return render(request, "org/scope.html", {
        "site": site, "versions": versions, "current": services.current_scope(site), "today": timezone.localdate(),
        "draft": next((v for v in versions if v.status == ScopeStatement.Status.DRAFT), None),
        "can_change": services.may_transition(request.user, site.pk, scope_lifecycle.REVISE),
        "can_approve": services.may_transition(request.user, site.pk, scope_lifecycle.APPROVE),
        "discard_form": forms.ScopeDiscardForm(),
    })  # fmt: skip


@login_required
def scope_revise(request: AuthedRequest, pk: int) -> HttpResponse:
    """Write the scope: edits the site's open draft if there is one, else starts the next version."""
    site = get_object_or_404(Site.objects.for_user(request.user), pk=pk)
    if not services.may_transition(request.user, site.pk, scope_lifecycle.REVISE):
        raise PermissionDenied("you may not change this site's scope")
    draft = services.open_draft(site)
    latest = draft or ScopeStatement.objects.filter(site=site).order_by("-version").first()
    if request.method == "POST":
        form = forms.ScopeForm(request.POST)
        if form.is_valid():
            saved = _save_scope(request, site, draft, form)
            if saved is not None:
                messages.success(request, f"Saved version {saved.version} as a draft.")
                return redirect("web:scope", pk=site.pk)
    else:
        initial = {name: getattr(latest, name) for name in forms.ScopeForm.FIELDS} if latest else {}
        form = forms.ScopeForm(initial=initial)
    return render(
        request, "org/scope_form.html", {"site": site, "form": form, "latest": latest, "draft": draft}
    )


def _save_scope(
    request: AuthedRequest, site: Site, draft: ScopeStatement | None, form: forms.ScopeForm
) -> ScopeStatement | None:
    """The saved draft, or None with the reason on the form (e.g. someone else opened a draft meanwhile)."""
    try:
        if draft is not None:
            return services.edit_draft(draft, by=request.user, **form.cleaned_data)
        return services.revise_scope(site, by=request.user, **form.cleaned_data)
    except services.ScopeForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except services.ScopeStateError as exc:
        form.add_error(None, str(exc))
        return None


@login_required
@require_POST
def scope_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = get_object_or_404(ScopeStatement.objects.for_user(request.user), pk=pk)
    try:
        approved = services.approve_scope(scope, request.user)
    except services.ScopeForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except services.ScopeStateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Approved version {approved.version}.")
    return redirect("web:scope", pk=scope.site_id)


@login_required
@require_POST
def scope_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = get_object_or_404(ScopeStatement.objects.for_user(request.user), pk=pk)
    form = forms.ScopeDiscardForm(request.POST)
    if not form.is_valid():
        if not services.may_transition(request.user, scope.site_id, scope_lifecycle.DISCARD):
            raise PermissionDenied("you may not discard this site's scope drafts")
        problems = [str(problem) for problem in form.errors.get("reason", ["say why"])]
        messages.error(request, f"Not discarded: {'; '.join(problems)}")
        return redirect("web:scope", pk=scope.site_id)
    try:
        discarded = services.discard_draft(scope, by=request.user, reason=form.cleaned_data["reason"])
    except services.ScopeForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except (services.ScopeStateError, services.ScopeInputError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Discarded version {discarded.version}.")
    return redirect("web:scope", pk=scope.site_id)
