"""Pages of C5: the document list (search, filters), a document's page (versions, workflow, diff, reviews,
evidence), uploads, downloads, the completeness audit and the overdue reviews. Writes go through services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from otcsms.assessments.models import Response
from otcsms.core.http import authed
from otcsms.core.inputs import parse_id
from otcsms.core.scoping import may_write
from otcsms.evidence import downloads, lifecycle, services
from otcsms.evidence.cells import response_evidence
from otcsms.evidence.completeness import CATEGORIES, audit_site
from otcsms.evidence.forms import DocumentForm
from otcsms.evidence.freshness import state_of
from otcsms.evidence.models import (
    Classification,
    CompletenessSnapshot,
    CoveredAsset,
    CoveredZone,
    Document,
    DocumentKind,
    DocumentVersion,
    EvidenceLink,
    ReviewOutcome,
    ReviewReminder,
)
from otcsms.evidence.search import matching_q
from otcsms.links.services import LinkInputError, find_record
from otcsms.tenancy.models import Site
from otcsms.ui import charts
from otcsms.ui.generic import ScopedCreateView, ScopedListView, ScopedUpdateView
from otcsms.ui.links import link_panel
from otcsms.ui.sites import current_site_id

REFUSALS = (
    services.EvidenceInputError, services.EvidenceForbiddenError, services.EvidenceStateError,
    services.UploadTooLargeError, services.SigningLockedError,
)  # fmt: skip


class DocumentViews:
    model: Any = Document
    form_class: Any = DocumentForm
    url_base = "web:document"


class DocumentList(DocumentViews, ScopedListView):
    template_name = "evidence/document_list.html"
    columns = [("Title", "title"), ("Kind", "kind"), ("Site", "site"), ("Owner", "owner"),
               ("Next review", "next_review")]  # fmt: skip
    search_fields = ()  # the search below covers titles, tags and the text of versions

    def get_queryset(self) -> QuerySet[Any]:
        qs = super().get_queryset().select_related("site", "owner", "current_version")
        query = self.request.GET
        words = query.get("q", "").strip()[:200]
        if words:
            qs = qs.filter(matching_q(words))
        if query.get("kind") in DocumentKind.values:
            qs = qs.filter(kind=query["kind"])
        state = query.get("state", "")
        today = timezone.localdate()
        if state == "overdue":
            qs = qs.filter(retired_at__isnull=True, next_review__lt=today)
        elif state == "approved":
            qs = qs.filter(retired_at__isnull=True, current_version__isnull=False)
        elif state == "unapproved":
            qs = qs.filter(retired_at__isnull=True, current_version__isnull=True)
        elif state == "retired":
            qs = qs.filter(retired_at__isnull=False)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["kinds"] = DocumentKind.choices
        ctx["kind"] = self.request.GET.get("kind", "")
        ctx["state"] = self.request.GET.get("state", "")
        ctx["today"] = timezone.localdate()
        return ctx


class DocumentCreate(DocumentViews, ScopedCreateView):
    def form_valid(self, form: DocumentForm) -> HttpResponse:
        site = form.cleaned_data["site"]
        try:
            self.object = services.create_document(site_id=site.pk, by=self.user, **form.service_fields())
        except REFUSALS as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {self.object}. Upload its first version below.")
        return HttpResponseRedirect(self.get_success_url())


class DocumentUpdate(DocumentViews, ScopedUpdateView):
    def form_valid(self, form: DocumentForm) -> HttpResponse:
        try:
            self.object = services.update_document(self.get_object(), by=self.user, **form.service_fields())
        except REFUSALS as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {self.object}.")
        return HttpResponseRedirect(self.get_success_url())


def _document(request: HttpRequest, pk: int) -> Document:
    document = (
        Document.objects.for_user(authed(request).user)
        .select_related("site", "owner", "approver")
        .filter(pk=pk)
        .first()
    )
    if document is None:
        raise Http404("no such document")
    return document


def _version(request: HttpRequest, pk: int) -> DocumentVersion:
    version = (
        DocumentVersion.objects.for_user(authed(request).user)
        .select_related("document")
        .filter(pk=pk)
        .first()
    )
    if version is None:
        raise Http404("no such version")
    return version


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = authed(request).user
    document = _document(request, pk)
    versions = list(
        DocumentVersion.objects.filter(document=document).select_related("uploaded_by", "approved_by")
    )
    rows = [{"version": v, "refusals": services.refusals(user, v), "signatures": list(v.signatures.all())}
            for v in versions]  # fmt: skip
    # Only the links and covered records of sites the reader sees: a document covering several sites is evidence
    # on each, and one site's records are not shown to another's users.
    links = [
        state_of(link)
        for link in EvidenceLink.objects.for_user(user)
        .filter(document=document)
        .select_related("document", "version")
    ]
    covered_sites = list(
        Site.objects.for_user(user).filter(pk__in=document.covered_sites.values("site_id")).order_by("name")
    )
    return render(request, "evidence/document_detail.html", {
        "document": document, "rows": rows, "links": links,
        "reviews": document.reviews.select_related("reviewed_by")[:20],
        "zones": [c.zone for c in CoveredZone.objects.for_user(user).filter(document=document).select_related("zone")],
        "assets": [
            c.asset for c in CoveredAsset.objects.for_user(user).filter(document=document).select_related("asset")
        ],
        "covered_sites": covered_sites,
        "covered_unseen": document.covered_sites.count() - len(covered_sites),
        "can_change": may_write(user, Document, document.site_id, "change"),
        "can_approve": may_write(user, Document, document.site_id, "approve"),
        "max_mb": settings.EVIDENCE_MAX_UPLOAD_BYTES // (1024 * 1024), "outcomes": ReviewOutcome.choices,
        "history_url": reverse("web:history", args=["evidence.document", document.pk]),
        "reason_max": lifecycle.REASON_MAX, **link_panel(user, document),
    })  # fmt: skip


class _SizeLimit(FileUploadHandler):
    """Stops receiving an upload at the first chunk past the limit (a body without a truthful length)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.received, self.exceeded = limit, 0, False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@csrf_exempt  # checked below, once the size limit is in place: the CSRF check would read the whole body first
@login_required
@require_POST
def version_upload(request: HttpRequest, pk: int) -> HttpResponse:
    limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + 64 * 1024:
        return HttpResponse(f"The file is larger than the limit of {limit // (1024 * 1024)} MB.", status=413,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    guard = _SizeLimit(limit)
    request.upload_handlers.insert(0, guard)
    return _version_upload_checked(request, pk, guard)


@csrf_protect
def _version_upload_checked(request: HttpRequest, pk: int, guard: _SizeLimit) -> HttpResponse:
    user = authed(request).user
    document = _document(request, pk)
    if not may_write(user, Document, document.site_id, "change"):
        raise PermissionDenied("you may not upload versions of this document")
    upload = request.FILES.get("file")
    if guard.exceeded:
        messages.error(request, f"Not uploaded: the file is larger than the limit of {guard.limit} bytes.")
        return redirect("web:document_detail", pk=document.pk)
    if upload is None:
        messages.error(request, "Not uploaded: choose a file.")
        return redirect("web:document_detail", pk=document.pk)
    try:
        version = services.upload_version(
            document, upload, file_name=upload.name or "", claimed_type=upload.content_type or "",
            change_summary=request.POST.get("change_summary", "")[:1000], by=user,
        )  # fmt: skip
    except REFUSALS as exc:
        messages.error(request, f"Not uploaded: {exc}.")
        return redirect("web:document_detail", pk=document.pk)
    note = (
        " Its content is not what its type claimed: check it before submitting."
        if version.type_mismatch
        else ""
    )
    messages.success(request, f"Uploaded version {version.number} ({version.media_type}).{note}")
    return redirect("web:document_detail", pk=document.pk)


@login_required
@require_GET
def version_download(request: HttpRequest, pk: int) -> FileResponse:
    return downloads.file_response(_version(request, pk))


@login_required
@require_GET
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    previous, lines = downloads.text_diff(version)
    return render(request, "evidence/diff.html", {"version": version, "previous": previous, "lines": lines})


@login_required
@require_POST
def version_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = authed(request).user
    version = _version(request, pk)
    reason = request.POST.get("reason", "")
    actions = {
        "submit": lambda: services.submit_version(version, by=user),
        "approve": lambda: services.approve_version(
            version, by=user, password=request.POST.get("password", "")
        ),
        "reject": lambda: services.reject_version(version, by=user, reason=reason),
    }
    if name not in actions:
        raise Http404("no such transition")
    try:
        actions[name]()
    except REFUSALS as exc:
        messages.error(request, f"Not done: {exc}.")
    else:
        messages.success(request, f"Version {version.number} {lifecycle.TRANSITIONS[name].verb}.")
    return redirect("web:document_detail", pk=version.document_id)


@login_required
@require_POST
def document_retire(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    try:
        services.retire_document(document, by=authed(request).user, reason=request.POST.get("reason", ""))
    except REFUSALS as exc:
        messages.error(request, f"Not retired: {exc}.")
    else:
        messages.success(request, f"Retired {document}.")
    return redirect("web:document_detail", pk=document.pk)


@login_required
@require_POST
def document_review(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    try:
        review = services.record_review(document, outcome=request.POST.get("outcome", ""),
                                        note=request.POST.get("note", ""), by=authed(request).user)  # fmt: skip
    except REFUSALS as exc:
        messages.error(request, f"Review not recorded: {exc}.")
    else:
        when = f"; next review {review.next_review:%Y-%m-%d}" if review.next_review else ""
        messages.success(request, f"Review recorded ({review.get_outcome_display().lower()}{when}).")
    return redirect("web:document_detail", pk=document.pk)


# --- evidence links (the document page and the answer page's cell) ---------------------------------


@login_required
@require_GET
def attach_form(request: HttpRequest) -> HttpResponse:
    """The attach control of an answer row's evidence cell, loaded when the reader opens it."""
    user = authed(request).user
    response_id = parse_id(request.GET.get("response", ""))
    response = Response.objects.for_user(user).filter(pk=response_id).first() if response_id else None
    if response is None:
        raise Http404("no such response")
    documents = (
        Document.objects.for_user(user)
        .for_site(response.site_id)  # the site's own documents and those covering it
        .filter(retired_at__isnull=True)
        .order_by("title")[:500]
    )
    template = "evidence/_attach_form.html" if request.htmx else "evidence/attach.html"  # type: ignore[attr-defined]
    return render(request, template, {"response": response, "documents": documents})


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_POST
def link_add(request: HttpRequest) -> HttpResponse:
    user = authed(request).user
    document = (
        Document.objects.for_user(user).filter(pk=parse_id(request.POST.get("document", "")) or 0).first()
    )
    target_type = request.POST.get("target_type", "")
    target_id = parse_id(request.POST.get("target_id", ""))
    error = None
    named = request.POST.get("target_name", "").strip()[:200]
    if target_id is None and named and document is not None and target_type in services.evidence_targets():
        try:  # the document page names the record: a zone or asset by name, a requirement by its id (SR 1.3)
            target_id = find_record(target_type, named, user, document.site_id).pk
        except LinkInputError as exc:
            error = str(exc)
    if error is not None:
        pass
    elif document is None or target_id is None:
        error = "choose a document and the record it evidences"
    else:
        valid_until = None
        raw_until = request.POST.get("valid_until", "").strip()
        if raw_until:
            try:
                from datetime import date

                valid_until = date.fromisoformat(raw_until[:10])
            except ValueError:
                error = "the validity date is not a date (YYYY-MM-DD)"
        if error is None:
            try:
                services.link_evidence(document, target_type=target_type, target_id=target_id,
                                       version_id=parse_id(request.POST.get("version", "")),
                                       valid_until=valid_until, note=request.POST.get("note", ""), by=user)  # fmt: skip
            except REFUSALS as exc:
                error = str(exc)
    if request.htmx and target_type == "assessments.response" and target_id is not None:  # type: ignore[attr-defined]
        cell = response_evidence(user, [target_id]).get(target_id, "")
        status = 200 if error is None else 422
        return HttpResponse((f'<p class="error">{_escape(error)}</p>' if error else "") + cell, status=status)
    if error:
        messages.error(request, f"Not linked: {error}.")
    else:
        messages.success(request, "Evidence linked.")
    fallback = (
        reverse("web:document_detail", args=[document.pk]) if document else reverse("web:document_list")
    )
    return HttpResponseRedirect(_safe_next(request, fallback))


def _escape(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


@login_required
@require_POST
def link_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = authed(request).user
    link = EvidenceLink.objects.for_user(user).filter(pk=pk).first()
    if link is None:
        raise Http404("no such link")
    try:
        services.unlink_evidence(link, by=user, reason=request.POST.get("reason", ""))
    except REFUSALS as exc:
        messages.error(request, f"Not removed: {exc}.")
    else:
        messages.success(request, "Evidence link removed.")
    return HttpResponseRedirect(_safe_next(request, reverse("web:document_detail", args=[link.document_id])))


# --- the audit and the reviews ---------------------------------------------------------------------


TREND_DAYS = 90  # daily snapshots shown in the trend chart


def trend_chart(site: Site, trend: list[CompletenessSnapshot]) -> str:
    """The site's daily completeness scores (oldest first) as a line, each day a point with its score; the
    chart's title sums it up (first and last score, how many days); "" without a snapshot."""
    if not trend:
        return ""
    first, last = trend[0], trend[-1]
    summary = (
        f"Completeness of {site.name}: {first.score}% on {first.taken_on:%Y-%m-%d}"
        + (f", {last.score}% on {last.taken_on:%Y-%m-%d}" if len(trend) > 1 else "")
        + f" ({len(trend)} day{'s' if len(trend) != 1 else ''})"
    )
    points = [(s.taken_on, float(s.score)) for s in trend]
    return charts.trend_svg({"Completeness": points}, title=summary, unit="%", height=160, every_point=True)


@login_required
def completeness_page(request: HttpRequest) -> HttpResponse:
    user = authed(request).user
    sites = Site.objects.for_user(user).order_by("name")
    chosen = parse_id(request.GET.get("site", "")) or current_site_id(request)
    if chosen is not None:
        sites = sites.filter(pk=chosen)
    results = []
    for site in sites[:20]:
        result = audit_site(site)
        trend = list(CompletenessSnapshot.objects.filter(site=site).order_by("-taken_on")[:TREND_DAYS])[::-1]
        chart = trend_chart(site, trend)
        results.append({"result": result, "trend": trend, "chart": mark_safe(chart),  # noqa: S308 - numbers and escaped text only

                        "categories": [(c, result.in_order.get(c, 0), result.counted.get(c, 0), result.gaps_of(c)[:100])
                                       for c in CATEGORIES]})  # fmt: skip
    return render(request, "evidence/completeness.html", {"results": results})


@login_required
def reviews_page(request: HttpRequest) -> HttpResponse:
    """Documents past their review date, per owner and site; and the reader's own reminders."""
    user = authed(request).user
    today = timezone.localdate()
    overdue = (
        Document.objects.for_user(user).for_site(current_site_id(request))
        .filter(retired_at__isnull=True, next_review__lt=today)
        .select_related("site", "owner").order_by("owner__username", "site__name", "next_review")[:1000]
    )  # fmt: skip
    groups: dict[tuple[str, str], list[Document]] = {}
    for document in overdue:
        owner = document.owner.get_username() if document.owner else "(no owner)"
        groups.setdefault((owner, document.site.name), []).append(document)
    reminders = ReviewReminder.objects.for_user(user).filter(recipient=user).select_related("document")[:50]
    return render(request, "evidence/reviews.html", {"groups": groups, "reminders": reminders, "today": today,
                                                     "classifications": Classification.choices})  # fmt: skip
