"""REST endpoints of C6: Resources (core.crud) plus the workflows (revoke, terminate, import, review)."""

# No `from __future__ import annotations`: ninja reads the handlers' annotations when they are defined.
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from ninja import File, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate

from otcsms.access import changelog, exports, record_evidence, review_sheet, services
from otcsms.access import schemas as s
from otcsms.access.models import (
    AccessGrant,
    AccessPolicy,
    AccessSystem,
    Account,
    AccountImport,
    EvidenceExport,
    ReviewCampaign,
    ReviewItem,
    ReviewReminder,
)
from otcsms.core.api_auth import API_AUTH
from otcsms.core.crud import Resource, get_visible_or_404, register, require_write, save_validated
from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.core.pagination import Page
from otcsms.evidence.services import EvidenceForbiddenError
from otcsms.org.models import Person
from otcsms.plant.api import problems_response, refuse_oversized_upload
from otcsms.plant.importfiles import MAX_FILE_BYTES, ImportRejected
from otcsms.plant.schemas import ProblemsOut
from otcsms.tenancy.models import Site

router = Router(tags=["access"])


def _system_site(data: dict[str, Any]) -> int:
    site_id = Account.site_id_for_new(data)
    if site_id is None:  # check_references has found the system already: only a race gets here
        raise HttpError(422, "system_id: no such system")
    return site_id


def _create_account(user: User, data: dict[str, Any]) -> Account:
    return save_validated(Account(site_id=_system_site(data), **data))


def _create_grant(user: User, data: dict[str, Any]) -> AccessGrant:
    if data.get("starts_on") is None:
        data.pop("starts_on", None)
    return services.save_grant(AccessGrant(site_id=_system_site(data), **data))


def _update_grant(user: User, grant: AccessGrant, data: dict[str, Any]) -> AccessGrant:
    try:
        return services.update_grant(grant, data)
    except services.AccessStateError as exc:
        raise HttpError(409, str(exc)) from None


def _start_review(user: User, data: dict[str, Any]) -> ReviewCampaign:
    site = Site.objects.get(pk=data.pop("site_id"))
    return services.start_review(user, site, **data)


POLICIES = Resource(AccessPolicy, "access-policies", s.PolicyOut, s.PolicyCreate, s.PolicyUpdate,
                    filters=s.SiteFilter, write_action="admin", tags=["access"])  # fmt: skip
SYSTEMS = Resource(AccessSystem, "access-systems", s.SystemOut, s.SystemCreate, s.SystemUpdate,
                   filters=s.SystemFilter, ordering=("name", "pk"), tags=["access"])  # fmt: skip
ACCOUNTS = Resource(Account, "accounts", s.AccountOut, s.AccountCreate, s.AccountUpdate, filters=s.AccountFilter,
                    ordering=("system_id", "username"), create_hook=_create_account, tags=["access"])  # fmt: skip
GRANTS = Resource(AccessGrant, "access-grants", s.GrantOut, s.GrantCreate, s.GrantUpdate, filters=s.GrantFilter,
                  write_action="approve", create_hook=_create_grant, update_hook=_update_grant, deletable=False, tags=["access"])  # fmt: skip
REVIEWS = Resource(ReviewCampaign, "access-reviews", s.ReviewOut, s.ReviewCreate, None, filters=s.ReviewFilter,
                   write_action="approve", ordering=("-period_end", "pk"), create_hook=_start_review,
                   deletable=False, tags=["access"])  # fmt: skip
ITEMS = Resource(ReviewItem, "review-items", s.ReviewItemOut, filters=s.ReviewItemFilter, deletable=False,
                 tags=["access"])  # fmt: skip
IMPORTS = Resource(AccountImport, "account-imports", s.ImportOut, filters=s.ImportFilter,
                   ordering=("-imported_at", "-pk"), deletable=False, tags=["access"])  # fmt: skip
REMINDERS = Resource(ReviewReminder, "access-review-reminders", s.ReminderOut, filters=s.ReminderFilter,
                     ordering=("-day", "-pk"), deletable=False, tags=["access"])  # fmt: skip
EVIDENCE_EXPORTS = Resource(EvidenceExport, "access-evidence-exports", s.EvidenceExportOut,
                            filters=s.EvidenceExportFilter, ordering=("-exported_at", "-pk"), deletable=False,
                            tags=["access"])  # fmt: skip
for resource in (POLICIES, SYSTEMS, ACCOUNTS, GRANTS, REVIEWS, ITEMS, IMPORTS, REMINDERS, EVIDENCE_EXPORTS):
    register(router, resource)


def _refusal(exc: Exception) -> HttpError:
    if isinstance(exc, services.AccessForbiddenError | EvidenceForbiddenError):
        return HttpError(403, str(exc))
    if isinstance(exc, services.AccessStateError):
        return HttpError(409, str(exc))
    return HttpError(422, str(exc))


REFUSALS = (services.AccessForbiddenError, services.AccessStateError, ValueError)


@router.post("/access-grants/{id:pk}/revoke", response=s.GrantOut, operation_id="access_grants_revoke")
def revoke(request: AuthedRequest, pk: int, payload: s.Revoke):
    """Revoke a grant now, with the reason (approvers and site admins; 409 when already revoked)."""
    grant = get_visible_or_404(GRANTS, request, pk)
    require_write(request, AccessGrant, grant.site_id, "approve")
    try:
        return services.revoke_grant(grant, reason=payload.reason)
    except REFUSALS as exc:
        raise _refusal(exc) from None


@router.post("/access-terminations", response=s.TerminationOut, operation_id="access_terminate")
def terminate(request: AuthedRequest, payload: s.TerminationIn):
    """Revoke every grant of a person (on the sites you may change), recording each revocation's delay
    since the termination took effect and whether it is beyond the site's limit (default 24 h)."""
    person = Person.objects.for_user(request.user).filter(pk=payload.person_id).first()
    if person is None:
        raise HttpError(404, f"person {payload.person_id} not found")
    if not Site.objects.for_user(request.user, "approve").exists():
        raise HttpError(403, "only approvers and site admins revoke access")
    try:
        result = services.terminate_person(
            request.user, person, effective_at=payload.effective_at or timezone.now(), reason=payload.reason
        )
    except REFUSALS as exc:
        raise _refusal(exc) from None
    return {
        "person_id": person.pk, "effective_at": result.effective_at,
        "revoked": [
            {"grant_id": r.grant.pk, "site_id": r.grant.site_id, "system": str(r.grant.system),
             "privilege": r.grant.privilege, "revoked_at": r.grant.revoked_at, "delay_hours": round(r.delay_hours, 2),
             "limit_hours": r.limit_hours, "over_limit": r.over_limit}
            for r in result.revoked
        ],
        "accounts_disabled": result.accounts_disabled, "outstanding": result.outstanding,
    }  # fmt: skip


@router.get(
    "/access-systems/{id:pk}/reconciliation",
    response=s.ReconciliationOut,
    operation_id="access_reconciliation",
)
def reconciliation(request: AuthedRequest, pk: int):
    """What exists on the system against what is authorised: every discrepancy with a suggested action."""
    system = get_visible_or_404(SYSTEMS, request, pk)
    report = services.system_report(system)
    return {
        "system_id": system.pk, "site_id": system.site_id, "accounts": report.accounts, "grants": report.grants,
        "counts": report.counts(),
        "discrepancies": [{"category": d.category, "kind": d.kind, "id": d.key, "message": d.message,
                           "suggested_action": d.suggested_action} for d in report.discrepancies],
    }  # fmt: skip


@router.post(
    "/access-systems/{id:pk}/account-imports",
    response={201: s.ImportOut, 422: ProblemsOut},
    operation_id="access_import_accounts",
    summary="Import a system's account export (CSV UTF-8/UTF-16 with BOM, XLSX, JSON, LDIF), all or nothing",
    auth=[refuse_oversized_upload, *API_AUTH],
)
def import_accounts(request: AuthedRequest, pk: int, file: File[UploadedFile]):
    """Every account of the file replaces the system's inventory; accounts no longer listed are marked removed.
    On any problem nothing is written: 422 with every problem (row, column, reason)."""
    system = get_visible_or_404(SYSTEMS, request, pk)
    require_write(request, Account, system.site_id, "change")
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise HttpError(413, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        result = services.import_accounts(system, file.read(MAX_FILE_BYTES + 1), file.name or "")
    except ImportRejected as exc:
        return problems_response(exc)
    return Status(201, result.record)


@router.get("/access-changes", response=list[s.ChangeOut], operation_id="access_changes")
@paginate(Page)
def access_changes(request: AuthedRequest, filters: Query[s.ChangeFilter]):
    """The access-change log (grants and accounts), newest first: who, what, when, approved by whom, why.
    Read from the audit trail, for those who may read it (org admins, auditors, site admins)."""
    return changelog.changes(
        request.user, system_id=filters.system_id, person_id=filters.person_id, site_id=filters.site_id
    )


@router.get(
    "/access-reviews/{id:pk}/progress", response=s.ProgressOut, operation_id="access_reviews_progress"
)
def review_progress(request: AuthedRequest, pk: int):
    """How far the review is, overall and per reviewer (most pending first)."""
    campaign = get_visible_or_404(REVIEWS, request, pk)
    progress = services.progress_of(campaign)
    reviewers = [{"reviewer_id": p.reviewer_id, "reviewer": p.reviewer, "total": p.total, "decided": p.decided,
                  "pending": p.pending} for p in services.progress_by_reviewer(campaign)]  # fmt: skip
    return {"total": progress.total, "confirmed": progress.confirmed, "revoked": progress.revoked,
            "decided": progress.decided, "percent": progress.percent, "reviewers": reviewers}  # fmt: skip


@router.post(
    "/access-reviews/{id:pk}/evidence",
    response={201: s.EvidenceExportsOut},
    operation_id="access_reviews_export_evidence",
)
def export_evidence(request: AuthedRequest, pk: int):
    """Store the signed-off review's record, the site's access-change log since the review's period began and
    its reconciliation report as evidence document versions (submitted for approval), each linked to the
    requirements it evidences (CIP-004-7 R4-R5, 62443-3-3 SR 1.3 / SR 2.1, 62443-2-1). Site admins and
    organisation admins (the log comes from the audit trail); 409 before sign-off."""
    campaign = get_visible_or_404(REVIEWS, request, pk)
    try:
        result = record_evidence.export_review(request.user, campaign)
    except (*REFUSALS, EvidenceForbiddenError) as exc:
        raise _refusal(exc) from None
    return Status(201, {"exports": result.exports, "missing_requirements": [list(p) for p in result.missing]})


@router.post("/access-reviews/{id:pk}/sign-off", response=s.ReviewOut, operation_id="access_reviews_sign_off")
def sign_off(request: AuthedRequest, pk: int, payload: s.SignOff):
    """Sign a review off once every grant is decided (approvers and site admins; 409 otherwise)."""
    campaign = get_visible_or_404(REVIEWS, request, pk)
    try:
        return services.sign_off(request.user, campaign, note=payload.note)
    except REFUSALS as exc:
        raise _refusal(exc) from None


@router.get("/access-reviews/{id:pk}/export", response={200: None}, operation_id="access_reviews_export")
def review_export(request: AuthedRequest, pk: int, format: str = "csv"):
    """The review's record (every grant, reviewer, decision, comment, sign-off) as CSV, XLSX or JSON."""
    campaign = get_visible_or_404(REVIEWS, request, pk)
    if format not in ("csv", "xlsx", "json"):
        raise HttpError(422, "format must be csv, xlsx or json")
    name, data = exports.review_record(campaign, format)
    response = HttpResponse(data, content_type=exports.CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/access-reviews/{id:pk}/sheet", response={200: None}, operation_id="access_reviews_sheet")
def review_sheet_export(request: AuthedRequest, pk: int):
    """The review as a workbook to decide offline: one row per grant (id R-…), the decision and comment columns
    to fill in; POST it back to access-reviews/{id}/import."""
    campaign = get_visible_or_404(REVIEWS, request, pk)
    name, data = review_sheet.export_xlsx(campaign)
    response = HttpResponse(data, content_type=review_sheet.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/access-reviews/{id:pk}/import",
    response={200: s.ReviewSheetImportOut, 422: ProblemsOut},
    operation_id="access_reviews_import",
    summary="Record the decisions of an edited review workbook (all or nothing)",
    auth=[refuse_oversized_upload, *API_AUTH],
)
def review_sheet_import(request: AuthedRequest, pk: int, file: File[UploadedFile]):
    """The workbook of access-reviews/{id}/sheet (or a CSV/JSON with its columns), edited: each changed decision
    (confirmed, revoked) and comment is recorded as the caller, who must be allowed to decide that grant as on
    the review screen (its reviewer, an approver, a site admin); a revocation needs a comment and revokes the
    grant. On any problem nothing is written: 422 with every problem (row, column, reason)."""
    campaign = get_visible_or_404(REVIEWS, request, pk)
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise HttpError(413, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        result = review_sheet.import_review(
            campaign, file.read(MAX_FILE_BYTES + 1), file.name or "", by=request.user
        )
    except ImportRejected as exc:
        return problems_response(exc)
    return Status(200, result.as_dict())


@router.get("/sites/{id:pk}/access-record", response={200: None}, operation_id="access_site_record")
def site_record(request: AuthedRequest, pk: int):
    """The site's whole access record as XLSX, for an auditor: what it evidences (CIP-004-7 R4-R5, 62443-3-3
    SR 1.3, SR 2.1, 62443-2-1 USER 1.x), grants with revocation delays, accounts, reconciliation, reviews and
    the access-change log (the log for those who may read the site's audit trail)."""
    site = Site.objects.for_user(request.user).filter(pk=pk).first()
    if site is None:
        raise HttpError(404, f"site {pk} not found")
    name, data = exports.site_record(request.user, site)
    response = HttpResponse(data, content_type=exports.CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/review-items/{id:pk}/decide", response=s.ReviewItemOut, operation_id="review_items_decide")
def decide(request: AuthedRequest, pk: int, payload: s.Decide):
    """Confirm or revoke the grant under review (its reviewer, approvers, site admins); a revocation needs a
    comment and revokes the grant at once."""
    item = get_visible_or_404(ITEMS, request, pk)
    try:
        return services.decide(request.user, item, decision=payload.decision, comment=payload.comment)
    except REFUSALS as exc:
        raise _refusal(exc) from None
