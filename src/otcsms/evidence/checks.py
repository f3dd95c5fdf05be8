"""Continuous checks of the documentation (the completeness audit, as findings): registered in the check registry.

Each is one question of ``evidence.completeness`` (or the review date of a document), reported per object of the
site, so a finding closes by itself when the gap is filled. Requirements missing evidence are reported once per
assessment (one finding that lists them), not once per slot: an assessment of 62443-3-3 has a thousand.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from otcsms.checks.engine import Problem, check
from otcsms.evidence.completeness import audit_site, unevidenced_message, unevidenced_slots
from otcsms.evidence.freshness import current_links_q
from otcsms.evidence.models import Document, DocumentKind, EvidenceLink
from otcsms.tenancy.models import Site


@check(
    id="evidence.requirements-without-evidence",
    title="In-scope requirements without current evidence",
    severity="medium",
    requirements=(("iec62443-2-1-2010", "4.3.4.4"), ("iec62443-2-1-2024", "ORG 2")),
    remediation="Link an approved, current document to each requirement (or to its answers) from the assessment's "
    "answer page or the document's page.",
)
def requirements_without_evidence(site: Site) -> Iterator[Problem]:
    """The completeness audit's requirements question: an assessment-level problem with the audit's message (not
    the per-slot gaps the audit lists for its page)."""
    for assessment, _count, missing in unevidenced_slots(site, timezone.localdate()):
        if missing:
            yield Problem(assessment, unevidenced_message(assessment, [slot.ref for slot, _ in missing]))


@check(
    id="evidence.stale",
    title="Evidence superseded, retired, past its review date or its validity",
    severity="medium",
    requirements=(("iec62443-2-1-2010", "4.3.4.4"), ("iec62443-2-1-2010", "4.3.2.6.7")),
    remediation="Review the document (or approve its revision), or link current evidence instead of the stale link.",
)
def stale_evidence(site: Site) -> Iterator[Problem]:
    today = timezone.localdate()
    stale = EvidenceLink.objects.filter(site=site).exclude(current_links_q(today))
    counts: dict[int, int] = {}
    for document_id in stale.values_list("document_id", flat=True):
        counts[document_id] = counts.get(document_id, 0) + 1
    for document in Document.objects.filter(pk__in=counts):
        n = counts[document.pk]
        yield Problem(document, f"{document.title} is stale evidence for {n} record{'s' if n != 1 else ''}")


@check(
    id="evidence.review-overdue",
    title="Document past its review date",
    severity="medium",
    requirements=(("iec62443-2-1-2010", "4.3.2.6.7"), ("iec62443-2-1-2010", "4.3.4.3.6")),
    remediation="Review the document: record the outcome (no change, revised, retired) on its page.",
)
def review_overdue(site: Site) -> Iterator[Problem]:
    today = timezone.localdate()
    overdue = Document.objects.filter(site=site, retired_at__isnull=True, next_review__lt=today)
    for document in overdue:
        yield Problem(document, f"{document.title} was due for review on {document.next_review:%Y-%m-%d}")


@check(
    id="evidence.zone-without-diagram",
    title="Zone without a current approved network diagram",
    severity="medium",
    requirements=(
        ("iec62443-2-1-2010", "4.2.3.5"),
        ("iec62443-2-1-2024", "CM 1.2"),
        ("iec62443-2-1-2024", "NET 1.2"),
    ),
    remediation="Upload the zone's network diagram as a document of kind network diagram covering the zone, "
    "and have it approved.",
)
def zone_without_diagram(site: Site) -> Iterator[Problem]:
    for gap in audit_site(site, categories=("zones",)).gaps:
        yield Problem(gap.object, gap.message)


@check(
    id="evidence.asset-without-configuration",
    title="Asset without a current configuration record",
    severity="low",
    requirements=(("iec62443-3-3", "SR 7.6"), ("iec62443-2-1-2024", "CM 1.3")),
    remediation="Upload the asset's configuration as a document of kind configuration file covering the asset, "
    "and have it approved.",
)
def asset_without_configuration(site: Site) -> Iterator[Problem]:
    for gap in audit_site(site, categories=("assets",)).gaps:
        yield Problem(gap.object, gap.message)


@check(
    id="evidence.policy-without-owner",
    title="Policy without an owner",
    severity="medium",
    requirements=(("iec62443-2-1-2010", "4.3.2.6.1"), ("iec62443-2-1-2024", "ORG 1")),
    remediation="Give the policy an owner: the person who keeps it current and is reminded of its reviews.",
)
def policy_without_owner(site: Site) -> Iterator[Problem]:
    policies = Document.objects.filter(
        site=site, kind=DocumentKind.POLICY, retired_at__isnull=True, owner__isnull=True
    )
    for policy in policies:
        yield Problem(policy, f"policy {policy.title} has no owner")
