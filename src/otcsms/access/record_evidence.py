"""A signed-off access review's record, stored as evidence: three documents of the evidence app (C5), each given
a new version on every export and linked to the requirements that part evidences.

- the review record (every grant, reviewer, decision, comment, sign-off): one document per review;
- the access-change log of the site from the first day of the review's period: one document per site;
- the reconciliation report of the site at the time of the export: one document per site.

Each version is uploaded and submitted for review through ``evidence.services`` (an approver other than the
exporter approves it: four eyes, as for any document). Each document is linked to its requirements twice over:
an evidence link of the evidence app (what coverage, completeness and the answer page count) and an object link
of kind ``evidence`` (what the requirement's page and the document's page show), plus an object link of kind
``source`` to the review it came from. All in one transaction: a failure leaves no document, version or link.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Final

from django.db import transaction
from django.utils.text import slugify

from otcsms.access import exports
from otcsms.access.models import EvidenceExport, ReviewCampaign
from otcsms.access.services import AccessForbiddenError, AccessStateError
from otcsms.catalogs.models import Requirement
from otcsms.core.models import User
from otcsms.core.scoping import can, may_write
from otcsms.evidence import blobs
from otcsms.evidence import services as evidence
from otcsms.evidence.models import Document, DocumentKind, EvidenceLink
from otcsms.links import services as links
from otcsms.links.models import LinkKind

FORMAT: Final = "csv"  # text: the evidence app indexes it for search and diffs one version with the next
Pair = tuple[str, str]


@dataclass(frozen=True)
class Part:
    key: str
    kind: str
    evidences: tuple[Pair, ...]


PARTS: Final = (
    Part(EvidenceExport.Part.REVIEW, DocumentKind.RECORD, exports.REVIEW_EVIDENCES),
    Part(EvidenceExport.Part.CHANGES, DocumentKind.RECORD, exports.CHANGE_LOG_EVIDENCES),
    Part(EvidenceExport.Part.RECONCILIATION, DocumentKind.REPORT, exports.RECONCILIATION_EVIDENCES),
)


@dataclass
class Exported:
    campaign: ReviewCampaign
    exports: list[EvidenceExport] = field(default_factory=list)
    missing: list[Pair] = field(default_factory=list)  # requirements not in the loaded library

    def describe(self) -> str:
        lines = [
            f"{e.get_part_display()}: document {e.document_id} {e.document.title!r} version {e.version.number} "
            f"({e.version.get_status_display().lower()}), linked to {len(e.requirements)} requirements"
            for e in self.exports
        ]
        if self.missing:
            lines.append("not in the library, not linked: " + ", ".join(f"{k} {r}" for k, r in self.missing))
        return "\n".join(lines)


def refusal(user: User | None, campaign: ReviewCampaign) -> str | None:
    """Why ``user`` may not export the review's record as evidence now, or None."""
    if campaign.status != ReviewCampaign.Status.SIGNED_OFF:
        return "only a signed-off review is exported as evidence: sign it off first"
    if user is not None and not (
        may_write(user, Document, campaign.site_id, "change") and can(user, "audit", campaign.site_id)
    ):
        return ("exporting the record as evidence publishes the access-change log read from the audit trail: "
                "site admins and organisation admins do it")  # fmt: skip
    return None


def export_review(user: User | None, campaign: ReviewCampaign) -> Exported:
    """Store the three parts of the review's record as new evidence versions, linked to their requirements.
    ``user`` None: the command line (acting as itself). AccessStateError/AccessForbiddenError when refused."""
    if problem := refusal(user, campaign):
        raise (
            AccessStateError if campaign.status != ReviewCampaign.Status.SIGNED_OFF else AccessForbiddenError
        )(problem)
    files: dict[str, tuple[str, bytes]] = {
        EvidenceExport.Part.REVIEW: exports.review_record(campaign, FORMAT),
        EvidenceExport.Part.CHANGES: exports.change_log_record(user, campaign, FORMAT),
        EvidenceExport.Part.RECONCILIATION: exports.reconciliation_report(campaign.site, FORMAT)[:2],
    }
    result = Exported(campaign)
    stored: list[str] = []
    try:
        with transaction.atomic():
            for part in PARTS:
                name, data = files[part.key]
                result.exports.append(_store(user, campaign, part, name, data, result, stored))
    except BaseException:
        for sha256 in stored:  # the versions are gone with the transaction: their blobs go too, unless shared
            with contextlib.suppress(Exception):  # never hide why the export failed; the blob sweep retries
                blobs.collect(sha256)
        raise
    return result


def _store(user: User | None, campaign: ReviewCampaign, part: Part, name: str, data: bytes, result: Exported,
           stored: list[str]) -> EvidenceExport:  # fmt: skip
    document = _document(user, campaign, part)
    version = evidence.upload_version(
        document, [data], file_name=name, claimed_type=exports.CONTENT_TYPES[FORMAT].split(";")[0],
        change_summary=f"exported from the signed-off access review {campaign.title}"[:500], by=user,
    )  # fmt: skip
    stored.append(version.sha256)
    version = evidence.submit_version(version, by=user)
    linked: list[Pair] = []
    for pair in part.evidences:
        requirement = _requirement(pair)
        if requirement is None:
            if pair not in result.missing:
                result.missing.append(pair)
            continue
        _link(user, document, requirement)
        linked.append(pair)
    _link_source(user, document, campaign)
    export = EvidenceExport(
        site_id=campaign.site_id, campaign=campaign, part=part.key, document=document, version=version,
        requirements=[list(p) for p in linked], exported_by=user,
    )  # fmt: skip
    export.full_clean()
    export.save()
    return export


def _document(user: User | None, campaign: ReviewCampaign, part: Part) -> Document:
    """The document this part was exported to before (per review for its record, per site for the others),
    unless retired; else a new one."""
    earlier = EvidenceExport.objects.filter(
        site_id=campaign.site_id, part=part.key, document__retired_at__isnull=True
    )
    if part.key == EvidenceExport.Part.REVIEW:
        earlier = earlier.filter(campaign=campaign)
    found = earlier.select_related("document").order_by("-exported_at", "-pk").first()
    if found is not None:
        return found.document
    site = campaign.site
    titles: dict[str, str] = {
        EvidenceExport.Part.REVIEW: f"Access review record: {campaign.title}",
        EvidenceExport.Part.CHANGES: f"Access-change log: {site.name}",
        EvidenceExport.Part.RECONCILIATION: f"Access reconciliation report: {site.name}",
    }
    title = titles[part.key]
    return evidence.create_document(
        site_id=campaign.site_id, by=user, kind=part.kind, title=title[:200],
        description=f"Exported by the access app from {campaign.title} (docs/access.md).",
        owner_id=user.pk if user is not None else None, classification="confidential",
        tags=f"access, {slugify(part.key)}, cip-004, sr-1.3",
    )  # fmt: skip


def _requirement(pair: Pair) -> Requirement | None:
    key, ref = pair
    return (
        Requirement.objects.filter(framework__key=key, framework__is_current=True, ref=ref)
        .order_by("pk")
        .first()
    )


def _link(user: User | None, document: Document, requirement: Requirement) -> None:
    if not EvidenceLink.objects.filter(
        document=document, target_type__app_label="catalogs", target_type__model="requirement",
        target_id=requirement.pk,
    ).exists():  # fmt: skip
        evidence.link_evidence(
            document, target_type="catalogs.requirement", target_id=requirement.pk, by=user
        )
    _object_link(user, document, "catalogs.requirement", requirement.pk, LinkKind.EVIDENCE)


def _link_source(user: User | None, document: Document, campaign: ReviewCampaign) -> None:
    _object_link(user, document, "access.reviewcampaign", campaign.pk, LinkKind.SOURCE)


def _object_link(user: User | None, document: Document, target_type: str, target_id: int, kind: str) -> None:
    with contextlib.suppress(links.LinkConflictError):  # linked by an earlier export
        links.create_link(site_id=document.site_id, source_type="evidence.document", source_id=document.pk,
                          target_type=target_type, target_id=target_id, kind=kind, by=user)  # fmt: skip
