"""Workflows of C5: documents, uploads, the version lifecycle, reviews and evidence links.

Services take plain values and the acting user (``by``; None for the system entry points such as the demo,
which their entry point authorised), never a request. Every write runs in one transaction with its audit
events; a version moves through ``evidence.lifecycle`` here and nowhere else.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from otcsms.core import registry
from otcsms.core.actor import current_actor
from otcsms.core.audit import append_event, chain_key, with_reason
from otcsms.core.crud import scoped
from otcsms.core.inputs import text_problem
from otcsms.core.lifecycle import Transition
from otcsms.core.models import User
from otcsms.core.scoping import may_write, memberships
from otcsms.evidence import blobs, blobstore, lifecycle, sniff
from otcsms.evidence.models import (
    DEFAULT_REVIEW_MONTHS,
    ApprovalSignature,
    CoveredAsset,
    CoveredSite,
    CoveredZone,
    Document,
    DocumentReview,
    DocumentVersion,
    EvidenceLink,
    ReviewOutcome,
    SigningThrottle,
)
from otcsms.org.scope_lifecycle import review_due_after
from otcsms.plant.models import Asset, Zone
from otcsms.tenancy.models import Site


class EvidenceInputError(ValueError):
    """A value the operation cannot take (422)."""


class EvidenceForbiddenError(Exception):
    """This user may not do this here: their role, or four eyes (403)."""


class EvidenceStateError(ValueError):
    """The record's state does not allow it (409)."""


class SigningLockedError(Exception):
    """Too many wrong passwords: this user may not sign for a while (429)."""


UploadTooLargeError = blobstore.UploadTooLargeError

DOCUMENT_FIELDS = (
    "kind", "title", "description", "owner_id", "approver_id", "classification", "tags", "review_interval_months",
)  # fmt: skip


def evidence_targets() -> list[str]:
    """Models whose records a document may evidence ("app.model"), as the apps declare them in their registry
    (``Contributions.evidence_targets``); a site's record only from a document of that site."""
    return registry.evidence_targets()


# --- who may ---------------------------------------------------------------------------------------


def _require(by: User | None, site_id: int, action: Any, what: str) -> None:
    if by is not None and not may_write(by, Document, site_id, action):
        who = (
            "approvers and site admins" if action == "approve" else "contributors, approvers and site admins"
        )
        raise EvidenceForbiddenError(f"only {who} of the site may {what}")


def may_transition(user: User, version: DocumentVersion, transition: Transition) -> bool:
    return may_write(user, Document, version.site_id, transition.action)


def refusals(user: User, version: DocumentVersion) -> dict[str, str | None]:
    """For each transition a user can request on ``version``: why this user may not make it now (None: may)."""
    answers: dict[str, str | None] = {}
    for transition in lifecycle.REQUESTABLE:
        problem = lifecycle.state_problem(transition, version.status, version.number)
        if problem is None and not may_transition(user, version, transition):
            problem = f"you may not {transition.name} versions of this site's documents"
        if problem is None and transition is lifecycle.APPROVE:
            problem = lifecycle.four_eyes_problem(user.pk, authors(version))
        answers[transition.name] = problem
    return answers


def authors(version: DocumentVersion) -> set[int]:
    return {pk for pk in (version.uploaded_by_id, version.submitted_by_id) if pk is not None}


# --- documents -------------------------------------------------------------------------------------


def clean_tags(raw: str) -> str:
    words = [" ".join(part.split()).lower() for part in raw.split(",")]
    return ", ".join(dict.fromkeys(w for w in words if w))[:500]


def create_document(
    *, site_id: int, by: User | None = None, zone_ids: Iterable[int] = (), asset_ids: Iterable[int] = (),
    covered_site_ids: Iterable[int] = (), **fields: Any,
) -> Document:  # fmt: skip
    """A new document of the site (no version yet); its review interval defaults by kind. ``covered_site_ids``:
    other sites it covers (the writer must be able to add documents there too)."""
    _require(by, site_id, "change", "add documents")
    _check_fields(fields)
    fields.setdefault("review_interval_months", DEFAULT_REVIEW_MONTHS.get(fields.get("kind", ""), 12))
    if fields.get("review_interval_months") is None:
        fields["review_interval_months"] = DEFAULT_REVIEW_MONTHS.get(fields.get("kind", ""), 12)
    fields["tags"] = clean_tags(fields.get("tags") or "")
    document = Document(site_id=site_id, created_by=by, **fields)
    with transaction.atomic():
        _validate_people(document)
        _save(document)
        _set_coverage(document, zone_ids, asset_ids, by)
        _set_covered_sites(document, covered_site_ids, by)
    return document


def update_document(
    document: Document, *, by: User | None = None, zone_ids: Iterable[int] | None = None,
    asset_ids: Iterable[int] | None = None, covered_site_ids: Iterable[int] | None = None, **fields: Any,
) -> Document:  # fmt: skip
    """Change what is said about a document (never its versions): only the fields given."""
    _require(by, document.site_id, "change", "edit documents")
    _check_fields(fields)
    if "tags" in fields:
        fields["tags"] = clean_tags(fields["tags"] or "")
    if fields.get("review_interval_months") is None:
        fields.pop("review_interval_months", None)
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        if "review_interval_months" in fields and locked.current_version_id:
            locked.next_review = _next_review(locked, timezone.localdate())
        _validate_people(locked)
        _save(locked)
        if zone_ids is not None or asset_ids is not None:
            _set_coverage(locked, zone_ids, asset_ids, by)
        if covered_site_ids is not None:
            _set_covered_sites(locked, covered_site_ids, by)
    return locked


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(DOCUMENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown document fields: {sorted(unknown)}")


def _validate_people(document: Document) -> None:
    for name in ("owner_id", "approver_id"):
        user_id = getattr(document, name)
        if user_id is None:
            continue
        user = User.objects.filter(pk=user_id, is_active=True).first()
        on_site = user is not None and (
            user.is_org_admin or memberships().filter(user_id=user_id, site_id=document.site_id).exists()
        )
        if not on_site:
            raise EvidenceInputError(f"{name}: user {user_id} has no role on the document's site")


def _set_coverage(
    document: Document, zone_ids: Iterable[int] | None, asset_ids: Iterable[int] | None, by: User | None
) -> None:
    """Make the covered zones and assets exactly these (each a record of the document's site)."""
    for model, through, ids, field in (
        (Zone, CoveredZone, zone_ids, "zone_id"), (Asset, CoveredAsset, asset_ids, "asset_id"),
    ):  # fmt: skip
        if ids is None:
            continue
        wanted = set(ids)
        rows: models.QuerySet[Any] = model.objects.all() if by is None else scoped(model, by)
        rows = rows.filter(pk__in=wanted, site_id=document.site_id)
        found = set(rows.values_list("pk", flat=True))
        if missing := wanted - found:
            name = model._meta.verbose_name
            raise EvidenceInputError(f"no {name} with id {min(missing)} on the document's site")
        existing = {getattr(c, field): c for c in through.objects.filter(document=document)}
        for pk, cover in existing.items():
            if pk not in wanted:
                cover.delete()
        for pk in sorted(wanted - set(existing)):
            _save(through(site_id=document.site_id, document=document, **{field: pk}))


def document_site_ids(document: Document) -> set[int]:
    """The sites a document is for: its own and those it covers."""
    covered = CoveredSite.objects.filter(document_id=document.pk).values_list("site_id", flat=True)
    return {document.site_id, *covered}


def _set_covered_sites(document: Document, site_ids: Iterable[int], by: User | None) -> None:
    """Make the other sites the document covers exactly these. Adding or removing a site takes the right to add
    documents on that site as well (an organisation admin has it everywhere): a site's users decide what is
    shown to them as their documents, and nobody learns of a site they have no role on."""
    wanted = set(site_ids) - {document.site_id}
    existing = {c.site_id: c for c in CoveredSite.objects.filter(document=document)}
    changed = wanted.symmetric_difference(existing)
    for site_id in sorted(changed):
        if by is not None and not may_write(by, Document, site_id, "change"):
            raise EvidenceForbiddenError(
                f"covered_site_ids: you may not add documents on site {site_id}, so you may not change its coverage"
            )
    if missing := wanted - set(Site.objects.filter(pk__in=wanted).values_list("pk", flat=True)):
        raise EvidenceInputError(f"covered_site_ids: no site with id {min(missing)}")
    for site_id, cover in existing.items():
        if site_id not in wanted:
            cover.delete()
    for site_id in sorted(wanted - set(existing)):
        _save(CoveredSite(site_id=site_id, document=document))


def _save(obj: models.Model) -> None:
    _validate(obj)
    obj.save()


def _validate(obj: models.Model, exclude: list[str] | None = None, *, constraints: bool = True) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=constraints, validate_constraints=constraints)
    except ValidationError as exc:
        raise EvidenceInputError(_first_message(exc)) from None


def _first_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return f"{field}: {messages[0]}" if field != "__all__" else messages[0]
    return exc.messages[0]


# --- uploads ---------------------------------------------------------------------------------------

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069/\\]")


def display_name(raw: str) -> str:
    """The uploader's file name as something to show and to offer in a download, never a path: its last
    component, without control or direction characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip().lstrip(".")
    return name[-200:] or "file"


def upload_version(
    document: Document, content: blobstore.Source, *, file_name: str, claimed_type: str = "",
    change_summary: str = "", by: User | None = None, limit: int | None = None,
) -> DocumentVersion:  # fmt: skip
    """Store the file and add it as the document's next version (a draft). Over the limit: nothing is stored.
    If anything fails after the blob was stored, the blob goes too (unless another version already holds it)."""
    from django.conf import settings

    _require(by, document.site_id, "change", "upload versions")
    change_summary = change_summary.strip()
    if len(change_summary) > 500 or (problem := text_problem(change_summary, multiline=False)):
        raise EvidenceInputError(f"change_summary: {problem or 'at most 500 characters'}")
    claimed_type = claimed_type.strip()[:100]
    if text_problem(claimed_type, multiline=False):
        claimed_type = ""
    limit = limit if limit is not None else settings.EVIDENCE_MAX_UPLOAD_BYTES
    with blobstore.received(content, limit) as incoming:
        if incoming.size == 0:
            raise EvidenceInputError("the file is empty")
        media_type = sniff.detect(incoming.head)
        text = blobstore.read_text(incoming.path) if sniff.is_text_like(media_type) else ""
        try:
            with transaction.atomic():
                locked = Document.objects.select_for_update().get(pk=document.pk)
                if locked.is_retired:
                    raise EvidenceStateError(f"{locked} is retired: it takes no new versions")
                number = (
                    DocumentVersion.objects.filter(document=locked).aggregate(n=Max("number"))["n"] or 0
                ) + 1
                version = DocumentVersion(
                    site_id=locked.site_id, document=locked, number=number, blob_id=incoming.sha256,
                    size=incoming.size, media_type=media_type, claimed_type=claimed_type,
                    type_mismatch=not sniff.claim_matches(claimed_type, media_type), file_name=display_name(file_name),
                    change_summary=change_summary, text=text, uploaded_by=by,
                )  # fmt: skip
                # Before the file is stored: a refusal stores nothing. The references are known good (the
                # document was just read under its lock, the uploader is the caller) and the number is unique
                # under that lock, so none of them costs a query here; the database still enforces all three.
                _validate(version, exclude=["blob", "site", "document", "uploaded_by"], constraints=False)
                blobs.store(incoming, media_type)  # the blob is held until this transaction ends
                version.save()
        except (EvidenceInputError, EvidenceStateError):
            raise
        except BaseException:
            # Stored, then the transaction failed: remove the blob unless a version (committed, or committing
            # now under its claim) holds the same content.
            with contextlib.suppress(Exception):  # never hide why the upload failed; the sweep retries
                blobs.collect(incoming.sha256)
            raise
    return version


# --- the version lifecycle -------------------------------------------------------------------------


def _locked(version: DocumentVersion, transition: Transition) -> DocumentVersion:
    Document.objects.select_for_update().filter(pk=version.document_id).values_list("pk", flat=True).first()
    locked = DocumentVersion.objects.select_related("document").get(pk=version.pk)
    if problem := lifecycle.state_problem(transition, locked.status, locked.number):
        raise EvidenceStateError(problem)
    return locked


def _reason(transition: Transition, reason: str) -> str:
    reason = reason.strip()
    problem = lifecycle.reason_problem(transition, reason)
    if problem is None and (bad := text_problem(reason, multiline=True)):
        problem = f"the reason {bad}"
    if problem:
        raise EvidenceInputError(problem)
    return reason


def submit_version(version: DocumentVersion, *, by: User | None) -> DocumentVersion:
    _require(by, version.site_id, lifecycle.SUBMIT.action, "submit versions for review")
    with transaction.atomic():
        locked = _locked(version, lifecycle.SUBMIT)
        locked.status = lifecycle.IN_REVIEW
        locked.submitted_by = by
        locked.submitted_at = timezone.now()
        locked.save()
    return locked


def reject_version(version: DocumentVersion, *, by: User | None, reason: str) -> DocumentVersion:
    """Send a version in review back to draft, saying why (the reason goes into the audit trail)."""
    _require(by, version.site_id, lifecycle.REJECT.action, "reject versions")
    reason = _reason(lifecycle.REJECT, reason)
    with transaction.atomic():
        locked = _locked(version, lifecycle.REJECT)
        locked.status = lifecycle.DRAFT
        locked.submitted_by = None
        locked.submitted_at = None
        with_reason(locked, reason).save()
    return locked


def approve_version(version: DocumentVersion, *, by: User, password: str) -> DocumentVersion:
    """Approve a version someone else uploaded and submitted: it comes into force, the version in force before
    it is superseded, the review date moves on, and the approval is signed (who, when, which content). The
    signer re-enters their password in the same request (an API token alone cannot sign): a wrong one refuses
    the approval before anything is written."""
    _require(by, version.site_id, lifecycle.APPROVE.action, "approve versions")
    check_signing_password(by, password)
    with transaction.atomic():
        locked = _locked(version, lifecycle.APPROVE)
        if problem := lifecycle.four_eyes_problem(by.pk, authors(locked)):
            raise EvidenceForbiddenError(problem)
        document = Document.objects.get(pk=locked.document_id)
        now = timezone.now()
        for old in DocumentVersion.objects.filter(document=document, status=lifecycle.APPROVED):
            old.status = lifecycle.SUPERSEDED
            with_reason(old, f"superseded by version {locked.number}").save()
        locked.status = lifecycle.APPROVED
        locked.approved_by = by
        locked.approved_at = now
        locked.save()
        document.current_version = locked
        document.next_review = _next_review(document, timezone.localdate(now))
        document.save()
        sign(locked, by, now)
    return locked


def _locked_message(until: Any) -> str:
    return (
        f"signing is locked until {until:%Y-%m-%d %H:%M} UTC after too many wrong passwords; an organisation "
        f"admin can see it in the audit trail"
    )


def check_signing_password(by: User, password: str) -> None:
    """The signer's own password, or a refusal. Wrong passwords are counted per user (whatever the channel:
    page, session or token) in a transaction of their own, committed although the approval is refused; at the
    login's failure limit signing is locked for the login's cool-off, and the lock is an audit event
    (organisation-wide: organisation admins read it). A right password clears the count; while locked, even the
    right password is refused (429). Call it outside any transaction that the refusal rolls back."""
    from django.conf import settings

    now = timezone.now()
    throttle = SigningThrottle.objects.filter(user_id=by.pk).first()
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        raise SigningLockedError(_locked_message(throttle.locked_until))
    if password and by.check_password(password):
        if throttle is not None and (throttle.failures or throttle.locked_until):
            SigningThrottle.objects.filter(user_id=by.pk).delete()
        return
    if not password:
        raise EvidenceForbiddenError("re-enter your own password to sign an approval")
    limit, cooloff = settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME
    with transaction.atomic():
        SigningThrottle.objects.bulk_create([SigningThrottle(user_id=by.pk)], ignore_conflicts=True)
        throttle = SigningThrottle.objects.select_for_update().get(user_id=by.pk)
        if throttle.locked_until is not None and throttle.locked_until > now:  # locked meanwhile
            raise SigningLockedError(_locked_message(throttle.locked_until))
        if throttle.locked_until is not None:  # a lock that has run out: counting starts again
            throttle.failures, throttle.locked_until = 0, None
        throttle.failures += 1
        throttle.last_failure_at = now
        locked = throttle.failures >= limit
        if locked:
            throttle.locked_until = now + cooloff
            append_event(
                object_type="evidence.signingthrottle", object_id=str(by.pk),
                object_repr=f"approval signing by {by.get_username()}"[:200], site_id=None, action="update",
                before={"locked_until": None}, after={"locked_until": throttle.locked_until.isoformat(), "failures": throttle.failures},
                reason=f"signing locked after {throttle.failures} wrong passwords",
            )  # fmt: skip
        throttle.save()
    if locked:
        raise SigningLockedError(_locked_message(throttle.locked_until))
    raise EvidenceForbiddenError("the password is not right: re-enter your own password to sign an approval")


def sign(version: DocumentVersion, signer: User, when: Any, meaning: str = "approved") -> ApprovalSignature:
    """The signature record of an approval whose signer re-entered their password (``approve_version``); the
    channel is the kind of the acting entry point (a browser session is "user", an API token "token")."""
    name = signer.get_full_name() or signer.get_username()
    channel = current_actor().kind
    digest = signature_digest(signer.pk, when.isoformat(), version.sha256, meaning, f"password via {channel}")
    signature = ApprovalSignature(
        site_id=version.site_id, version=version, signer=signer, signer_name=name[:200], signed_at=when,
        sha256=version.sha256, meaning=meaning, digest=digest, reauthenticated=True, channel=channel,
    )  # fmt: skip
    signature.save()
    return signature


def signature_digest(signer_id: int, when: str, sha256: str, meaning: str, how: str = "") -> str:
    """HMAC under the audit chain key; ``how`` (the re-authentication) is part of it for signatures that have one
    (those made before it was recorded verify without)."""
    message = f"{signer_id}|{when}|{sha256}|{meaning}" + (f"|{how}" if how else "")
    return hmac.new(chain_key(), message.encode(), hashlib.sha256).hexdigest()


def signature_holds(signature: ApprovalSignature) -> bool:
    how = f"password via {signature.channel}" if signature.reauthenticated else ""
    expected = signature_digest(
        signature.signer_id, signature.signed_at.isoformat(), signature.sha256, signature.meaning, how
    )
    return hmac.compare_digest(expected, signature.digest) and signature.sha256 == signature.version.sha256


def retire_document(document: Document, *, by: User | None, reason: str) -> Document:
    """Withdraw a document: its version in force is retired, nothing of it is evidence any more."""
    _require(by, document.site_id, lifecycle.RETIRE.action, "retire documents")
    reason = _reason(lifecycle.RETIRE, reason)
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.is_retired:
            raise EvidenceStateError(f"{locked} is already retired")
        for version in DocumentVersion.objects.filter(document=locked, status=lifecycle.APPROVED):
            version.status = lifecycle.RETIRED
            with_reason(version, reason).save()
        locked.retired_at = timezone.now()
        locked.current_version = None
        locked.next_review = None
        with_reason(locked, reason).save()
    return locked


# --- reviews ---------------------------------------------------------------------------------------


def _next_review(document: Document, today: date) -> date | None:
    if document.review_interval_months <= 0:
        return None
    return review_due_after(today, document.review_interval_months)


def record_review(document: Document, *, outcome: str, note: str = "", by: User | None) -> DocumentReview:
    """A periodic review: no change (the date moves on), revised (the date moves on; the revision follows as a
    new version), or retired (the document is retired, the note is the reason)."""
    _require(by, document.site_id, "change", "review documents")
    if outcome not in ReviewOutcome.values:
        raise EvidenceInputError(f"outcome: one of {', '.join(ReviewOutcome.values)}")
    note = note.strip()
    if len(note) > 2000 or (problem := text_problem(note, multiline=True)):
        raise EvidenceInputError(f"note: {problem or 'at most 2000 characters'}")
    with transaction.atomic():
        document = Document.objects.select_for_update().get(
            pk=document.pk
        )  # its state now, not as it was read
        if document.is_retired:
            raise EvidenceStateError(f"{document} is retired: there is nothing to review")
        if outcome != ReviewOutcome.RETIRED and document.current_version_id is None:
            raise EvidenceStateError(f"{document} has no approved version to review")
        if outcome == ReviewOutcome.RETIRED:
            if by is not None and not may_write(by, Document, document.site_id, "approve"):
                raise EvidenceForbiddenError(
                    "only approvers and site admins of the site may retire documents"
                )
            document = retire_document(document, by=by, reason=note)
            next_review = None
        else:
            next_review = _next_review(document, timezone.localdate())
            document.next_review = next_review
            document.save()
        review = DocumentReview(
            site_id=document.site_id, document=document, outcome=outcome, note=note, reviewed_by=by,
            next_review=next_review,
        )  # fmt: skip
        review.save()
    return review


# --- evidence links --------------------------------------------------------------------------------


def evidence_target(label: str, object_id: int, by: User | None) -> models.Model:
    from django.apps import apps

    targets = evidence_targets()
    if label not in targets:
        raise EvidenceInputError(f"target_type: one of {', '.join(targets)}")
    model = apps.get_model(label)
    rows = model._default_manager.all() if by is None else scoped(model, by)
    found: models.Model | None = rows.filter(pk=object_id).first()
    if found is None:
        raise EvidenceInputError(f"no {model._meta.verbose_name} with id {object_id}")
    return found


def link_site_id(document: Document, target: models.Model, site_id: int | None = None) -> int:
    """The site a link belongs to and counts for: the target's site (one the document is for), or for a record
    of no site (a requirement) ``site_id``, by default the document's own site."""
    target_site = (
        target.audit_site_id() if hasattr(target, "audit_site_id") else getattr(target, "site_id", None)
    )
    sites = document_site_ids(document)
    if target_site is not None:
        if target_site not in sites:
            raise EvidenceInputError(
                f"{target._meta.verbose_name} {target} belongs to another site, one the document does not cover"
            )
        if site_id is not None and site_id != target_site:
            raise EvidenceInputError("site_id: a record of a site is evidenced on its own site")
        return int(target_site)
    chosen = document.site_id if site_id is None else site_id
    if chosen not in sites:
        raise EvidenceInputError(f"site_id: {document} does not cover site {chosen}")
    return chosen


def link_evidence(
    document: Document, *, target_type: str, target_id: int, version_id: int | None = None,
    valid_until: date | None = None, note: str = "", by: User | None = None, site_id: int | None = None,
) -> EvidenceLink:  # fmt: skip
    """``document`` (its version in force), or its version ``version_id``, evidences the target record. The link
    belongs to the target's site (the document's own or one it covers); ``site_id`` names the site a record of
    no site (a requirement) is evidenced for. Who may write on that site may link."""
    document = Document.objects.get(pk=document.pk)  # as stored now: the link reads its state
    note = note.strip()
    if len(note) > 500 or (problem := text_problem(note, multiline=False)):
        raise EvidenceInputError(f"note: {problem or 'at most 500 characters'}")
    if by is not None and site_id is not None and not may_write(by, Document, site_id, "change"):
        raise EvidenceForbiddenError(
            "only contributors, approvers and site admins of the site may link evidence"
        )
    target = evidence_target(target_type, target_id, by)
    site_id = link_site_id(document, target, site_id)
    _require(by, site_id, "change", "link evidence")
    if (
        version_id is not None
        and not DocumentVersion.objects.filter(pk=version_id, document=document).exists()
    ):
        raise EvidenceInputError(f"version_id: no version {version_id} of {document}")
    content_type = ContentType.objects.get_for_model(target)
    link = EvidenceLink(
        site_id=site_id, document=document, version_id=version_id, target_type=content_type,
        target_id=target.pk, target_repr=str(target)[:200], valid_until=valid_until, note=note, created_by=by,
    )  # fmt: skip
    with transaction.atomic():
        if EvidenceLink.objects.filter(
            document=document, target_type=content_type, target_id=target.pk
        ).exists():
            raise EvidenceStateError(f"{document} already evidences {target}")
        _save(link)
    return link


def unlink_evidence(link: EvidenceLink, *, by: User | None, reason: str = "") -> None:
    _require(by, link.site_id, "change", "remove evidence links")
    if problem := text_problem(reason, multiline=True):
        raise EvidenceInputError(f"reason: {problem}")
    with transaction.atomic():
        with_reason(link, reason[:500]).delete()
