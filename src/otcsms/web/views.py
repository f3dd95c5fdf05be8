"""Platform pages: dashboard, site switcher, object history, audit trail, API tokens, users."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from otcsms.core.audit import verify_chain
from otcsms.core.crud import scoped
from otcsms.core.history import model_of_object_type, object_history, same_object
from otcsms.core.http import AuthedRequest
from otcsms.core.inputs import parse_id
from otcsms.core.models import ApiToken, Audited, AuditEvent, User
from otcsms.core.users import UserInputError, create_user
from otcsms.improvement import dashboard as program
from otcsms.org.models import Person, RoleAssignment, ScopeStatement
from otcsms.tenancy.models import Site, SiteMembership
from otcsms.ui import exports
from otcsms.ui.sites import choose_site, current_site_id
from otcsms.web import onboarding
from otcsms.web.findings import open_severe_count


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    user = request.user
    site_id = current_site_id(request)
    sites = Site.objects.for_user(user).for_site(site_id)
    people = Person.objects.for_user(user)
    assignments = RoleAssignment.objects.for_user(user).for_site(site_id)
    scopes = ScopeStatement.objects.for_user(user).for_site(site_id)
    approved_sites = set(scopes.filter(status="approved").values_list("site_id", flat=True))
    roles_per_site = dict(assignments.values("site_id").annotate(n=Count("id")).values_list("site_id", "n"))
    site_rows = [
        {"site": s, "scope_approved": s.pk in approved_sites, "roles": roles_per_site.get(s.pk, 0)}
        for s in sites
    ]
    counts = {
        "sites": sites.count(),
        "people": (people.filter(site_id=site_id) if site_id else people).count(),
        "role_assignments": assignments.count(),
        "sites_without_scope": sum(1 for r in site_rows if not r["scope_approved"]),
        "severe_findings": open_severe_count(user, site_id),
    }
    recent = AuditEvent.objects.for_user(user)
    if site_id is not None:
        recent = recent.filter(site_id=site_id)
    # The system's own housekeeping (the library loaded at install: thousands of events) would bury the
    # changes people made; it stays one click away.
    show_system = request.GET.get("events") == "all"
    if not show_system:
        recent = recent.exclude(actor_kind="system")
    checklist = onboarding.checklist_for(user)
    return render(request, "web/dashboard.html", {
        "counts": counts, "site_rows": site_rows, "recent_events": recent[:10], "show_system": show_system,
        "memberships": SiteMembership.objects.filter(user=user).select_related("site"),
        "checklist": checklist, "checklist_hidden": _checklist_hidden(request, checklist),
        "board": program.build(user, site_id),
    })  # fmt: skip


CHECKLIST_HIDDEN = "otcsms_checklist_hidden"


def _checklist_hidden(request: HttpRequest, checklist: onboarding.Checklist | None) -> bool:
    """Hidden only while complete: a step that comes undone (a new zone without SL-T) shows it again."""
    if request.GET.get("checklist") == "show":
        request.session.pop(CHECKLIST_HIDDEN, None)
    return checklist is not None and checklist.complete and bool(request.session.get(CHECKLIST_HIDDEN))


@login_required
@require_POST
def hide_checklist(request: HttpRequest) -> HttpResponse:
    """Hide the completed getting-started checklist for the rest of the session."""
    checklist = onboarding.checklist_for(request.user)
    if checklist is None or not checklist.complete:
        # the page offers no such button: only a hand-made request gets here
        return HttpResponse("the getting-started checklist can be hidden once every step is done",
                            status=409, content_type="text/plain; charset=utf-8")  # fmt: skip
    request.session[CHECKLIST_HIDDEN] = True
    messages.success(request, "Hid the getting-started checklist; the dashboard links to it.")
    return redirect("web:dashboard")


@login_required
@require_POST
def switch_site(request: AuthedRequest) -> HttpResponse:
    raw = request.POST.get("site", "")
    site_id = parse_id(raw)
    if (raw and site_id is None) or not choose_site(request, site_id):
        messages.error(request, "That site is not available to you.")
    target = request.POST.get("next", "/")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


@login_required
def history(request: AuthedRequest, object_type: str, pk: int) -> HttpResponse:
    """Every audit event of one object the user can see."""
    model = model_of_object_type(object_type)  # links from older events carry a moved model's former label
    if model is None:
        raise Http404("unknown kind of object")
    if not issubclass(model, Audited):
        raise Http404("this kind of object has no history")
    obj = scoped(model, request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404("not found")
    page = Paginator(object_history(request.user, obj), 50).get_page(request.GET.get("page"))
    return render(request, "web/history.html", {"object": obj, "meta": model._meta, "page": page})


# The audit trail as a file: each event's number (the id column), what the page shows, the change document
# (before, after, reason: secrets already masked when it was written) and the event's hash in the chain.
AUDIT_COLUMNS = (("When (UTC)", "occurred_at"), ("Who", "actor_label"), ("Action", "action"),
                 ("Object type", "object_type"), ("Object id", "object_id"), ("Object", "object_repr"),
                 ("Site id", "site_id"), ("Change", "data"), ("Hash", "hash"))  # fmt: skip


@login_required
def audit_trail(request: AuthedRequest) -> HttpResponse:
    events = AuditEvent.objects.for_user(request.user)
    site_id = current_site_id(request)
    if site_id is not None:
        events = events.filter(site_id=site_id)
    object_type = request.GET.get("type", "")[:100]
    if object_type:
        events = events.filter(object_type__in=same_object(object_type))
    actor = request.GET.get("actor", "")[:100]
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if request.method == "GET":
        file = exports.answer(request, "Audit trail", AUDIT_COLUMNS, lambda: events, key=lambda e: e.seq)
        if file is not None:
            return file
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    may_verify = request.user.is_org_admin or AuditEvent.objects.for_user(request.user).exists()
    report = None
    if request.method == "POST":
        if not may_verify:
            raise PermissionDenied("only organisation admins and auditors verify the trail")
        report = verify_chain()
    return render(request, "web/audit.html", {
        "page": page, "report": report, "may_verify": may_verify, "type": object_type, "actor": actor,
        "export_links": exports.export_links(request),
    })  # fmt: skip


@login_required
def tokens(request: AuthedRequest) -> HttpResponse:
    created_secret = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()[:100]
        if not name:
            messages.error(request, "Give the token a name, e.g. the script that will use it.")
        else:
            with transaction.atomic():
                _token, created_secret = ApiToken.issue(request.user, name)
    return render(request, "web/tokens.html", {
        "tokens": ApiToken.objects.filter(user=request.user), "created_secret": created_secret,
    })  # fmt: skip


@login_required
@require_POST
def revoke_token(request: AuthedRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(user=request.user, pk=pk).first()
    if token is None:
        raise Http404("no such token")
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save()
        messages.success(request, f"Revoked {token}.")
    return redirect("web:tokens")


@login_required
def users(request: AuthedRequest) -> HttpResponse:
    if not request.user.is_org_admin:
        raise PermissionDenied("only organisation admins manage users")
    if request.method == "POST":
        try:
            user = create_user(
                request.POST.get("username", "").strip(),
                request.POST.get("password", ""),
                email=request.POST.get("email", "").strip(),
                is_org_admin=request.POST.get("is_org_admin") == "on",
            )
            messages.success(request, f"Created user {user}. Grant site roles under Site access.")
            return redirect("web:users")
        except UserInputError as exc:
            messages.error(request, str(exc))
    return render(request, "web/users.html", {"users": User.objects.prefetch_related("memberships__site")})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
