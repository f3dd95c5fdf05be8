"""REST endpoints of C5: documents, versions (upload, download, diff, workflow), reviews, signatures, evidence
links, the completeness audit and search. Writes go through ``evidence.services``."""

# No `from __future__ import annotations`: ninja reads the handlers' annotations to build the parsers.
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.security import SessionAuth as NinjaSessionAuth

from otcsms.core import api_auth
from otcsms.core.crud import Resource, get_visible_or_404, register
from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.evidence import downloads, services
from otcsms.evidence import schemas as s
from otcsms.evidence.completeness import audit_site
from otcsms.evidence.models import (
    ApprovalSignature,
    Document,
    DocumentReview,
    DocumentVersion,
    EvidenceLink,
)
from otcsms.evidence.search import search_documents
from otcsms.tenancy.models import Site

router = Router(tags=["evidence"])

REFUSALS = (
    services.EvidenceInputError, services.EvidenceForbiddenError, services.EvidenceStateError,
    services.UploadTooLargeError, services.SigningLockedError,
)  # fmt: skip


def refusal(exc: Exception) -> HttpError:
    """403 not this user, 409 not in this state, 413 too large, 422 a value the operation cannot take."""
    if isinstance(exc, services.EvidenceForbiddenError):
        return HttpError(403, str(exc))
    if isinstance(exc, services.EvidenceStateError):
        return HttpError(409, str(exc))
    if isinstance(exc, services.UploadTooLargeError):
        return HttpError(413, str(exc))
    if isinstance(exc, services.SigningLockedError):
        return HttpError(429, str(exc))
    return HttpError(422, str(exc))


# --- documents -------------------------------------------------------------------------------------


def _create_document(user: User, data: dict[str, Any]) -> Document:
    try:
        return services.create_document(by=user, **data)
    except REFUSALS as exc:
        raise refusal(exc) from None


def _update_document(user: User, document: Document, data: dict[str, Any]) -> Document:
    try:
        return services.update_document(document, by=user, **data)
    except REFUSALS as exc:
        raise refusal(exc) from None


DOCUMENTS = Resource(
    Document, "documents", s.DocumentOut, s.DocumentCreate, s.DocumentUpdate, filters=s.DocumentFilter,
    ordering=("title", "pk"), deletable=False, create_hook=_create_document, update_hook=_update_document,
    tags=["evidence"],
)  # fmt: skip
register(router, DOCUMENTS)

VERSIONS = Resource(
    DocumentVersion, "document-versions", s.VersionOut, filters=s.VersionFilter, ordering=("document_id", "-number"),
    deletable=False, tags=["evidence"],
)  # fmt: skip
register(router, VERSIONS)

REVIEWS = Resource(
    DocumentReview, "document-reviews", s.ReviewOut, filters=s.ReviewFilter, ordering=("-reviewed_at", "-pk"),
    deletable=False, tags=["evidence"],
)  # fmt: skip
register(router, REVIEWS)

SIGNATURES = Resource(
    ApprovalSignature, "document-signatures", s.SignatureOut, filters=s.SignatureFilter,
    ordering=("-signed_at", "-pk"), deletable=False, tags=["evidence"],
)  # fmt: skip
register(router, SIGNATURES)


class _UploadGate:
    """Refuses, before the body is read, an upload larger than the limit (auth runs before ninja parses the
    multipart body); the service checks the size again while it receives the file."""

    def __call__(self, request: HttpRequest) -> Any:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
        if length > limit + 64 * 1024:
            raise HttpError(413, f"the file is larger than the limit of {limit} bytes")
        return super().__call__(request)  # type: ignore[misc]


# Same class names as the platform's, so OpenAPI shows the same two security schemes.
class BearerToken(_UploadGate, api_auth.BearerToken):
    pass


class SessionAuth(_UploadGate, NinjaSessionAuth):
    pass


@router.post(
    "/documents/{id:pk}/versions", response={201: s.VersionOut}, auth=[BearerToken(), SessionAuth()],
    operation_id="documents_upload_version",
    summary="Upload a file as the document's next version (a draft); multipart: file, change_summary",
)  # fmt: skip
def upload_version(
    request: AuthedRequest, pk: int, file: File[UploadedFile], change_summary: Form[str] = ""
) -> Status[DocumentVersion]:
    document = get_visible_or_404(DOCUMENTS, request, pk)
    try:  # the service checks the caller may write here (403) before it reads the file
        version = services.upload_version(
            document, file, file_name=file.name or "", claimed_type=file.content_type or "",
            change_summary=change_summary[:1000], by=request.user,
        )  # fmt: skip
    except REFUSALS as exc:
        raise refusal(exc) from None
    return Status(201, version)


@router.post("/documents/{id:pk}/retire", response=s.DocumentOut, operation_id="documents_retire")
def retire_document(request: AuthedRequest, pk: int, payload: s.ReasonIn) -> Document:
    document = get_visible_or_404(DOCUMENTS, request, pk)
    try:
        return services.retire_document(document, by=request.user, reason=payload.reason)
    except REFUSALS as exc:
        raise refusal(exc) from None


@router.post("/documents/{id:pk}/reviews", response={201: s.ReviewOut}, operation_id="documents_review")
def review_document(request: AuthedRequest, pk: int, payload: s.ReviewIn) -> Status[DocumentReview]:
    document = get_visible_or_404(DOCUMENTS, request, pk)
    try:
        review = services.record_review(document, outcome=payload.outcome, note=payload.note, by=request.user)
    except REFUSALS as exc:
        raise refusal(exc) from None
    return Status(201, review)


# --- versions --------------------------------------------------------------------------------------


@router.get(
    "/document-versions/{id:pk}/content", operation_id="document_versions_content",
    summary="The file, as an attachment (never rendered in the browser)",
)  # fmt: skip
def version_content(request: AuthedRequest, pk: int) -> FileResponse:
    version = get_visible_or_404(VERSIONS, request, pk)
    return downloads.file_response(version)


@router.get("/document-versions/{id:pk}/diff", response=dict, operation_id="document_versions_diff")
def version_diff(request: AuthedRequest, pk: int) -> dict[str, Any]:
    version = get_visible_or_404(VERSIONS, request, pk)
    previous, lines = downloads.text_diff(version)
    return {"version_id": version.pk, "previous_id": previous.pk if previous else None, "diff": lines}


def _transition(request: AuthedRequest, pk: int, act: Any, **kwargs: Any) -> DocumentVersion:
    version = get_visible_or_404(VERSIONS, request, pk)
    try:
        with transaction.atomic():
            result: DocumentVersion = act(version, by=request.user, **kwargs)
    except REFUSALS as exc:
        raise refusal(exc) from None
    return result


@router.post(
    "/document-versions/{id:pk}/submit", response=s.VersionOut, operation_id="document_versions_submit"
)
def submit_version(request: AuthedRequest, pk: int) -> DocumentVersion:
    return _transition(request, pk, services.submit_version)


@router.post(
    "/document-versions/{id:pk}/approve", response=s.VersionOut, operation_id="document_versions_approve",
    summary="Approve (approvers and site admins; never the uploader or submitter) and sign: the approver's own "
    "password in the body, with a session or a token alike (403 when it is not right; 429 when signing is locked "
    "after too many wrong passwords)",
)  # fmt: skip
def approve_version(request: AuthedRequest, pk: int, payload: s.ApproveIn) -> DocumentVersion:
    # Not inside a transaction of the request: a wrong password is counted (and may lock signing) although the
    # approval is refused; the service writes the approval in a transaction of its own.
    version = get_visible_or_404(VERSIONS, request, pk)
    try:
        return services.approve_version(version, by=request.user, password=payload.password)
    except REFUSALS as exc:
        raise refusal(exc) from None


@router.post(
    "/document-versions/{id:pk}/reject", response=s.VersionOut, operation_id="document_versions_reject"
)
def reject_version(request: AuthedRequest, pk: int, payload: s.ReasonIn) -> DocumentVersion:
    return _transition(request, pk, services.reject_version, reason=payload.reason)


# --- evidence links --------------------------------------------------------------------------------


def _update_link(user: User, link: EvidenceLink, data: dict[str, Any]) -> EvidenceLink:
    if "note" in data and data["note"] is not None:
        link.note = data["note"]
    if "valid_until" in data:
        link.valid_until = data["valid_until"]
    link.full_clean()
    link.save()
    return link


def _delete_link(user: User, link: EvidenceLink, reason: str) -> None:
    try:
        services.unlink_evidence(link, by=user, reason=reason)
    except REFUSALS as exc:
        raise refusal(exc) from None


LINKS = Resource(
    EvidenceLink, "evidence-links", s.LinkOut, None, s.LinkUpdate, filters=s.LinkFilter,
    select_related=("document", "version"), ordering=("-created_at", "-pk"), update_hook=_update_link,
    delete_hook=_delete_link, tags=["evidence"],
)  # fmt: skip
register(router, LINKS)


@router.post(
    "/evidence-links", response={201: s.LinkOut}, operation_id="evidence_links_create", tags=["evidence"]
)
def create_link(request: AuthedRequest, payload: s.LinkCreate) -> Status[EvidenceLink]:
    """A document, or one pinned version, evidences a record. The link belongs to the record's site: the document's
    own, or one it covers (for a record of no site, ``site_id``, by default the document's). Whoever may add
    documents on that site may link; a record or document the caller cannot see is a 422, as one that does not
    exist."""
    user = request.user
    if not Site.objects.for_user(
        user, "change"
    ).exists():  # nothing to link anywhere: refused before any lookup
        raise HttpError(403, "you may not change evidence links here")
    data = payload.model_dump()
    document = Document.objects.for_user(user).filter(pk=data.pop("document_id")).first()
    if document is None:
        raise HttpError(422, "document_id: no such document")
    try:
        with transaction.atomic():
            link = services.link_evidence(document, by=user, **data)
    except REFUSALS as exc:
        raise refusal(exc) from None
    return Status(201, link)


# --- completeness and search -----------------------------------------------------------------------


@router.get("/evidence-completeness", response=list[s.CompletenessOut], operation_id="evidence_completeness")
def completeness(request: AuthedRequest, query: Query[s.CompletenessQuery]) -> list[dict[str, Any]]:
    """The documentation-completeness audit of every site the caller sees (or one): score, counts, gaps."""
    sites = Site.objects.for_user(request.user).order_by("name")
    if query.site_id is not None:
        sites = sites.filter(pk=query.site_id)
    out = []
    for site in sites[:100]:
        result = audit_site(site)
        gaps = [
            {"category": g.category, "object_type": g.object._meta.label_lower, "object_id": g.object.pk,
             "message": g.message}
            for g in result.gaps[:500]
        ]  # fmt: skip
        out.append({"site_id": site.pk, "site": site.name, "score": result.score, "counts": result.as_counts(),
                    "gaps": gaps})  # fmt: skip
    return out


@router.get("/document-search", response=list[s.SearchHit], operation_id="document_search")
def search(request: AuthedRequest, q: Query[s.SearchQuery]) -> list[dict[str, Any]]:
    hits = search_documents(request.user, q.q, site_id=q.site_id, limit=q.limit)
    return [
        {"id": h.document.pk, "site_id": h.document.site_id, "title": h.document.title, "kind": h.document.kind,
         "tags": h.document.tag_list(), "version_id": h.version.pk if h.version else None, "snippet": h.snippet,
         "rank": round(h.rank, 6)}
        for h in hits
    ]  # fmt: skip
