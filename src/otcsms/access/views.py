"""Pages of C6: systems with their accounts, grants and reconciliation; a person's access and termination; the
access-change log; access reviews with the keyboard review screen. Workflows call ``access.services``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from otcsms.access import changelog, exports, forms, record_evidence, review_sheet, services
from otcsms.access.models import (
    AccessGrant,
    AccessSystem,
    Account,
    AccountImport,
    EvidenceExport,
    ReviewCampaign,
    ReviewItem,
    ReviewReminder,
)
from otcsms.core.http import AuthedRequest
from otcsms.core.inputs import parse_id
from otcsms.core.scoping import can
from otcsms.org.models import Person
from otcsms.plant.importfiles import MAX_FILE_BYTES, ImportRejected, import_upload
from otcsms.tenancy.models import Site
from otcsms.ui import exports as list_exports
from otcsms.ui import generic
from otcsms.ui.sites import current_site_id

CATEGORY_TITLES = {
    "unknown": "Unknown accounts (exist, not authorised)",
    "orphaned": "Orphaned accounts (person gone)",
    "dormant": "Dormant accounts",
    "privilege-above-grant": "Privilege above the grant",
    "shared-without-owner": "Shared accounts without an owner",
    "expired-grant-present": "Expired grants still in force",
}


def _authed(request: HttpRequest) -> AuthedRequest:
    return request  # type: ignore[return-value]  # login_required has run: request.user is a User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _authed(request).user
    site_id = current_site_id(request)
    systems = AccessSystem.objects.for_user(user).for_site(site_id).select_related("site", "owner")
    sites = Site.objects.for_user(user).for_site(site_id)
    reviews = ReviewCampaign.objects.for_user(user).for_site(site_id).select_related("site")[:20]
    return render(request, "access/home.html", {"systems": systems, "reviews": reviews, "sites": sites,
                                                "waiting": _waiting_for(user, site_id)})  # fmt: skip


def _waiting_for(user: Any, site_id: int | None) -> list[dict[str, Any]]:
    """The open reviews with grants waiting for this reviewer, and when they were last reminded (in-app)."""
    open_items = ReviewItem.objects.for_user(user).for_site(site_id).filter(
        reviewer=user, decision=ReviewItem.Decision.PENDING, campaign__status=ReviewCampaign.Status.OPEN
    )  # fmt: skip
    counts = {
        row["campaign_id"]: row["n"]
        for row in open_items.values("campaign_id").annotate(n=Count("pk")).order_by("campaign_id")
    }
    if not counts:
        return []
    campaigns = ReviewCampaign.objects.filter(pk__in=counts).select_related("site").order_by("due_on", "pk")
    reminded = dict(
        ReviewReminder.objects.filter(reviewer=user, campaign_id__in=counts).values("campaign_id")
        .annotate(last=Max("day")).values_list("campaign_id", "last")
    )  # fmt: skip
    return [{"campaign": c, "pending": counts[c.pk], "reminded": reminded.get(c.pk)} for c in campaigns]


# --- systems, accounts, grants (generic views) -----------------------------------------------------------
class SystemViews(generic.ViewSet):
    model: Any = AccessSystem
    url_base = "web:accesssystem"
    form_class: type[Any] | None = forms.SystemForm
    select_related = ("site", "owner", "asset", "zone")


class SystemList(SystemViews, generic.ScopedListView):
    columns = [("Name", "name"), ("Site", "site"), ("Kind", "get_kind_display"), ("Owner", "owner")]


class SystemDetail(SystemViews, generic.ScopedDetailView):
    template_name = "access/system_detail.html"
    fields = [("Site", "site"), ("Kind", "get_kind_display"), ("Asset", "asset"), ("Zone", "zone"),
              ("Owner", "owner"), ("Description", "description")]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        system, user = self.object, self.user
        ctx["accounts"] = Account.objects.for_user(user).filter(system=system).select_related("person")
        ctx["grants"] = (
            AccessGrant.objects.for_user(user).filter(system=system).select_related("person", "approved_by")
        )
        ctx["report"] = _report_context(services.system_report(system))
        ctx["imports"] = AccountImport.objects.for_user(user).filter(system=system)[:5]
        ctx["can_import"] = can(user, "change", system.site_id)
        return ctx


def _report_context(report: Any) -> list[dict[str, Any]]:
    grouped = report.by_category()
    return [{"category": c, "title": CATEGORY_TITLES[c], "items": items,
             "action": items[0].suggested_action if items else ""} for c, items in grouped.items()]  # fmt: skip


class SystemCreate(SystemViews, generic.ScopedCreateView):
    pass


class SystemUpdate(SystemViews, generic.ScopedUpdateView):
    pass


class SystemDelete(SystemViews, generic.ScopedDeleteView):
    pass


class AccountViews(generic.ViewSet):
    model: Any = Account
    url_base = "web:account"
    form_class: type[Any] | None = forms.AccountForm
    select_related = ("site", "system", "person")


class AccountList(AccountViews, generic.ScopedListView):
    columns = [("User name", "username"), ("System", "system"), ("Kind", "get_kind_display"),
               ("Person", "person"), ("Privilege", "privilege"), ("Status", "status"), ("Last logon", "last_logon")]  # fmt: skip
    search_fields = ("username",)


class AccountDetail(AccountViews, generic.ScopedDetailView):
    fields = [("System", "system"), ("Kind", "get_kind_display"), ("Person accountable", "person"),
              ("Authentication", "get_auth_display"), ("Privilege", "privilege"), ("Status", "get_status_display"),
              ("Last logon", "last_logon"), ("Note", "note")]  # fmt: skip


class AccountCreate(AccountViews, generic.ScopedCreateView):
    pass


class AccountUpdate(AccountViews, generic.ScopedUpdateView):
    pass


class AccountDelete(AccountViews, generic.ScopedDeleteView):
    pass


class GrantViews(generic.ViewSet):
    model: Any = AccessGrant
    url_base = "web:accessgrant"
    form_class: type[Any] | None = forms.GrantForm
    write_action = "approve"
    select_related = ("site", "system", "person", "requested_by", "approved_by")


class GrantList(GrantViews, generic.ScopedListView):
    columns = [("Person", "person"), ("System", "system"), ("Privilege", "privilege"), ("Type", "access_type"),
               ("Approved by", "approved_by"), ("Expires", "expires_on"), ("Status", "status")]  # fmt: skip
    search_fields = ("person__name", "system__name")


class GrantDetail(GrantViews, generic.ScopedDetailView):
    template_name = "access/grant_detail.html"
    fields = [("Person", "person"), ("System", "system"), ("Privilege", "get_privilege_display"),
              ("Access", "get_access_type_display"), ("Justification", "justification"),
              ("Requested by", "requested_by"), ("Approved by", "approved_by"), ("Starts", "starts_on"),
              ("Expires", "expires_on"), ("Status", "get_status_display"), ("Revoked at", "revoked_at"),
              ("Revocation reason", "revoke_reason"), ("Termination took effect", "terminated_at"),
              ("Other prerequisites", "prerequisites"),
              ("Documented exception (granted although not ready)", "prerequisite_exception")]  # fmt: skip


@login_required
def grant_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Grants are never deleted (the record of who held access stays): revoke them instead."""
    grant = _visible(AccessGrant, request, pk)
    messages.error(request, "grants are never deleted: revoke them, with the reason")
    return HttpResponseRedirect(reverse("web:accessgrant_detail", args=[grant.pk]))


class GrantCreate(GrantViews, generic.ScopedCreateView):
    pass


class GrantUpdate(GrantViews, generic.ScopedUpdateView):
    form_class = forms.GrantEditForm


def _visible(model: Any, request: HttpRequest, pk: int, action: str = "view") -> Any:
    obj = model.objects.for_user(_authed(request).user, action).filter(pk=pk).first()
    if obj is None:
        if model.objects.for_user(_authed(request).user).filter(pk=pk).exists():
            raise PermissionDenied(f"you may not change this {model._meta.verbose_name}")
        raise Http404(f"no {model._meta.verbose_name} {pk}")
    return obj


@login_required
@require_POST
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(AccessGrant, request, pk, "approve")
    try:
        services.revoke_grant(grant, reason=request.POST.get("reason", "")[:500])
        messages.success(request, f"Revoked {grant}.")
    except (services.AccessStateError, ValueError) as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(reverse("web:accessgrant_detail", args=[grant.pk]))


@login_required
@require_POST
def system_import(request: HttpRequest, pk: int) -> HttpResponse:
    system = _visible(AccessSystem, request, pk, "change")
    upload = request.FILES.get("file")
    back = HttpResponseRedirect(reverse("web:accesssystem_detail", args=[system.pk]))
    if upload is None:
        messages.error(request, "choose the account export to import")
        return back
    if upload.size and upload.size > MAX_FILE_BYTES:
        messages.error(request, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
        return back
    try:
        result = services.import_accounts(system, upload.read(MAX_FILE_BYTES + 1), upload.name or "")
    except ImportRejected as exc:
        shown = "; ".join(str(p) for p in exc.problems[:10])
        more = f" (and {len(exc.problems) - 10} more)" if len(exc.problems) > 10 else ""
        messages.error(request, f"nothing was imported: {shown}{more}")
        return back
    messages.success(request, result.describe())
    return back


# --- people ---------------------------------------------------------------------------------------------
@login_required
def person_access(request: HttpRequest, pk: int) -> HttpResponse:
    user = _authed(request).user
    person = _visible(Person, request, pk)
    grants = (
        AccessGrant.objects.for_user(user)
        .filter(person=person)
        .select_related("system", "approved_by", "site")
    )
    accounts = Account.objects.for_user(user).filter(person=person).select_related("system")
    may_terminate = (
        person.active
        and grants.filter(status="active", site__in=Site.objects.for_user(user, "approve")).exists()
    )
    return render(request, "access/person.html", {
        "person": person, "grants": grants, "accounts": accounts, "may_terminate": may_terminate,
        "now": timezone.now(),
    })  # fmt: skip


@login_required
@require_POST
def person_terminate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _authed(request).user
    person = _visible(Person, request, pk)
    if not Site.objects.for_user(user, "approve").exists():
        raise PermissionDenied("only approvers and site admins revoke access")
    raw = request.POST.get("effective_at", "").strip()
    try:
        effective = datetime.fromisoformat(raw) if raw else timezone.now()
        if timezone.is_naive(effective):
            effective = timezone.make_aware(effective, timezone.get_current_timezone())
        result = services.terminate_person(
            user, person, effective_at=effective, reason=request.POST.get("reason", "")[:400]
        )
    except ValueError as exc:
        messages.error(
            request, str(exc) if "termination" in str(exc) else "the time must be like 2026-03-01T08:30"
        )
        return HttpResponseRedirect(reverse("web:access_person", args=[person.pk]))
    late = len(result.over_limit)
    messages.success(request, f"Revoked {len(result.revoked)} grants and disabled {result.accounts_disabled} accounts"
                     + (f"; {late} revoked later than the site's limit" if late else "")
                     + (f"; {result.outstanding} on sites you may not change remain" if result.outstanding else ""))  # fmt: skip
    return HttpResponseRedirect(reverse("web:access_person", args=[person.pk]))


# --- the access-change log -------------------------------------------------------------------------------
@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    user = _authed(request).user
    system_id = parse_id(request.GET.get("system", ""))
    person_id = parse_id(request.GET.get("person", ""))
    rows = changelog.changes(user, system_id=system_id, person_id=person_id, site_id=current_site_id(request))
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        response = HttpResponse(changelog.export(rows, fmt), content_type=exports.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="access-changes.{fmt}"'
        return response
    subject: AccessSystem | Person | None = None
    if system_id is not None:
        subject = AccessSystem.objects.for_user(user).filter(pk=system_id).first()
    elif person_id is not None:
        subject = Person.objects.for_user(user).filter(pk=person_id).first()
    return render(request, "access/log.html", {"rows": rows[:1000], "subject": subject,
                                               "query": request.GET.urlencode()})  # fmt: skip


@login_required
def site_record(request: HttpRequest, pk: int) -> HttpResponse:
    site = _visible(Site, request, pk)
    name, data = exports.site_record(_authed(request).user, site)
    response = HttpResponse(data, content_type=exports.CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- access reviews ------------------------------------------------------------------------------------------
@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    user = _authed(request).user
    site_id = parse_id(request.GET.get("site", "")) or current_site_id(request)
    reviews = ReviewCampaign.objects.for_user(user).for_site(site_id).select_related("site")
    file = list_exports.answer(
        request, "Access reviews", REVIEW_LIST_COLUMNS, lambda: ((r, services.progress_of(r)) for r in reviews),
        value=_review_list_value, key=lambda row: row[0].pk,
    )  # fmt: skip
    if file is not None:
        return file
    rows = [(r, services.progress_of(r)) for r in reviews[:200]]
    may_start = Site.objects.for_user(user, "approve").exists()
    return render(request, "access/review_list.html", {
        "rows": rows, "may_start": may_start, "export_links": list_exports.export_links(request),
    })  # fmt: skip


# The list as a file: the review's id, then its columns; "progress.*" are read from its progress.
REVIEW_LIST_COLUMNS = (("Review", "title"), ("Site", "site.name"), ("Period start", "period_start"),
                       ("Period end", "period_end"), ("Due on", "due_on"), ("Items", "progress.total"),
                       ("Decided", "progress.decided"), ("Revoked", "progress.revoked"), ("Status", "status"),
                       ("Signed off by", "signed_off_by"), ("Signed off at", "signed_off_at"))  # fmt: skip


def _review_list_value(row: tuple[ReviewCampaign, services.Progress], path: str) -> Any:
    campaign, progress = row
    if path.startswith("progress."):
        return list_exports.attribute(progress, path.removeprefix("progress."))
    return list_exports.attribute(campaign, path)


class ReviewCreate(generic.ScopedCreateView):
    model = ReviewCampaign
    form_class = forms.ReviewForm
    url_base = "web:access_review"
    write_action = "approve"

    def form_valid(self, form):
        data = form.cleaned_data
        if not self.may_write(data["site"].pk):
            raise PermissionDenied("you may not start a review here")
        try:
            campaign = services.start_review(
                self.user, data["site"], title=data["title"], period_start=data["period_start"],
                period_end=data["period_end"], due_on=data.get("due_on"),
                routing=data.get("routing") or ReviewCampaign.Routing.MANAGER,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, services.validation_message(exc))
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("web:access_review", args=[campaign.pk]))


@login_required
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _authed(request).user
    campaign = _visible(ReviewCampaign, request, pk)
    items = services.items_for(campaign)
    mine = request.GET.get("mine") == "1"
    pending = request.GET.get("pending") == "1"
    rows = [(i, services.may_decide(user, i)) for i in items
            if (not mine or i.reviewer_id == user.pk) and (not pending or i.decision == "pending")]  # fmt: skip
    return render(request, "access/review.html", {
        "campaign": campaign, "rows": rows, "progress": services.progress_of(campaign), "mine": mine,
        "pending": pending, "open": campaign.status == ReviewCampaign.Status.OPEN,
        "may_sign": can(user, "approve", campaign.site_id),
        "reviewers": services.progress_by_reviewer(campaign),
        "evidence_refusal": record_evidence.refusal(user, campaign),
        "evidence_exports": EvidenceExport.objects.for_user(user).filter(campaign=campaign)
        .select_related("document", "version")[:12],
    })  # fmt: skip


@login_required
@require_POST
def review_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The button: store the signed-off review's whole record as evidence (access.record_evidence)."""
    campaign = _visible(ReviewCampaign, request, pk)
    try:
        result = record_evidence.export_review(_authed(request).user, campaign)
    except services.AccessForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except (services.AccessStateError, ValueError) as exc:
        messages.error(request, str(exc))
    else:
        missing = f"; not in the library: {len(result.missing)} requirements" if result.missing else ""
        messages.success(request, f"Stored {len(result.exports)} evidence documents, submitted for approval"
                         f"{missing}.")  # fmt: skip
    return HttpResponseRedirect(reverse("web:access_review", args=[campaign.pk]))


@login_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """One decision from the review screen; plain-text answers (the progress line, or why it was refused)."""
    user = _authed(request).user
    campaign = _visible(ReviewCampaign, request, pk)
    item_id = parse_id(request.POST.get("item", ""))
    item = (
        ReviewItem.objects.for_user(user).filter(pk=item_id, campaign=campaign).first() if item_id else None
    )
    if item is None:
        return HttpResponse("no such item in this review", status=404, content_type="text/plain")
    try:
        with transaction.atomic():
            services.decide(
                user, item, decision=request.POST.get("decision", ""), comment=request.POST.get("comment", "")
            )
    except services.AccessForbiddenError as exc:
        return HttpResponse(str(exc), status=403, content_type="text/plain")
    except services.AccessStateError as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain")
    except ValueError as exc:
        return HttpResponse(str(exc), status=422, content_type="text/plain")
    progress = services.progress_of(campaign)
    text = f"{progress.decided} / {progress.total} reviewed ({progress.percent}%)"
    if request.headers.get("HX-Request"):
        return HttpResponse(text, content_type="text/plain")
    return HttpResponseRedirect(reverse("web:access_review", args=[campaign.pk]))


@login_required
@require_POST
def review_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _visible(ReviewCampaign, request, pk)
    try:
        services.sign_off(_authed(request).user, campaign, note=request.POST.get("note", ""))
        messages.success(request, f"{campaign} is signed off.")
    except services.AccessForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except services.AccessStateError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(reverse("web:access_review", args=[campaign.pk]))


@login_required
def review_export(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _visible(ReviewCampaign, request, pk)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx", "json"):
        raise Http404("format must be csv, xlsx or json")
    name, data = exports.review_record(campaign, fmt)
    response = HttpResponse(data, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def review_sheet_download(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _visible(ReviewCampaign, request, pk)
    name, data = review_sheet.export_xlsx(campaign)
    response = HttpResponse(data, content_type=review_sheet.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def review_sheet_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The review in a spreadsheet: download the workbook, import it back once decided (all or nothing, every
    problem listed); each decision is the importing user's, as on the review screen."""
    user = _authed(request).user
    campaign = _visible(ReviewCampaign, request, pk)
    context: dict[str, Any] = {"campaign": campaign, "open": campaign.status == ReviewCampaign.Status.OPEN,
                               "problems": []}  # fmt: skip
    if request.method != "POST":
        return render(request, "access/review_sheet.html", context)
    result, context["problems"] = import_upload(
        request.FILES.get("file"),
        lambda data, name: review_sheet.import_review(campaign, data, name, by=user),
    )
    if result is not None:
        messages.success(request, result.describe()[:1].upper() + result.describe()[1:] + ".")
        return HttpResponseRedirect(reverse("web:access_review", args=[campaign.pk]))
    return render(request, "access/review_sheet.html", context, status=422)
