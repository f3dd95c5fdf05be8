"""Is a piece of evidence current? The one rule, as a query condition (for audits over many links) and per link
(for the reasons shown next to it).

A link is current when its document is not retired, carries no stale mark (another app's word that it no longer
describes what runs, e.g. drift of the asset it records: ``stale_marks``), is not past its review date, the link is not past its
validity date, and what it points at is approved and in force: the document's version in force (a link to the
document), or the pinned version itself while it is approved (a link to a version; once superseded it is stale).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from otcsms.evidence import lifecycle
from otcsms.evidence.models import Document, EvidenceLink


def current_links_q(today: date, prefix: str = "") -> Q:
    """Rows of EvidenceLink (or of a model reaching it through ``prefix``) that are current evidence on ``today``."""
    p = prefix
    return (
        Q(**{f"{p}document__retired_at__isnull": True})
        & Q(**{f"{p}document__stale_marks__isnull": True})
        & (Q(**{f"{p}document__next_review__isnull": True}) | Q(**{f"{p}document__next_review__gte": today}))
        & (Q(**{f"{p}valid_until__isnull": True}) | Q(**{f"{p}valid_until__gte": today}))
        & (
            (Q(**{f"{p}version__isnull": True}) & Q(**{f"{p}document__current_version__isnull": False}))
            | Q(**{f"{p}version__status": lifecycle.APPROVED})
        )
    )


def current_documents_q(today: date) -> Q:
    """Documents with an approved version in force, not retired, not marked stale, not past their review date."""
    return Q(retired_at__isnull=True, current_version__isnull=False, stale_marks__isnull=True) & (
        Q(next_review__isnull=True) | Q(next_review__gte=today)
    )


@dataclass(frozen=True, slots=True)
class LinkState:
    link: EvidenceLink
    current: bool
    why: str  # empty when current


def state_of(link: EvidenceLink, today: date | None = None) -> LinkState:
    """Why ``link`` is stale, or that it is current. Reads link.document and link.version (select them)."""
    day = today or timezone.localdate()
    document: Document = link.document
    if document.is_retired:
        return LinkState(link, False, "the document is retired")
    marked = document.stale_marks.order_by("since", "pk").first()
    if marked is not None:
        return LinkState(link, False, marked.reason)
    if link.version_id is not None and link.version is not None and link.version.status != lifecycle.APPROVED:
        status = link.version.get_status_display().lower()
        return LinkState(link, False, f"version {link.version.number} is {status}")
    if link.version_id is None and document.current_version_id is None:
        return LinkState(link, False, "the document has no approved version")
    if document.next_review is not None and document.next_review < day:
        return LinkState(link, False, f"the document was due for review on {document.next_review:%Y-%m-%d}")
    if link.valid_until is not None and link.valid_until < day:
        return LinkState(link, False, f"valid until {link.valid_until:%Y-%m-%d}")
    return LinkState(link, True, "")
