"""The evidence job: remind owners of reviews that are due, and record each site's completeness for its trend.

Declared in evidence/registry.py (``jobs``): the jobs app creates its schedule with the others at ``init``.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from otcsms.evidence import blobs
from otcsms.evidence.completeness import audit_site
from otcsms.evidence.models import CompletenessSnapshot, Document, ReviewReminder
from otcsms.jobs.decorators import job
from otcsms.jobs.defaults import ScheduleSpec
from otcsms.tenancy.models import Site

REMIND_DAYS_AHEAD = 14

REVIEW_REMINDERS = ScheduleSpec(
    "evidence-reviews",
    "otcsms.evidence.tasks.evidence_reviews",
    "Remind document owners of reviews due within 14 days or overdue (in-app), and record each site's "
    "documentation completeness for its trend.",
    cron="15 4 * * *",
)


BLOB_SWEEP = ScheduleSpec(
    "evidence-blob-sweep",
    "otcsms.evidence.tasks.evidence_blob_sweep",
    "Remove stored evidence files that no document version references (left by failed or interrupted "
    "uploads).",
    cron="45 3 * * *",
)


def remind_due_reviews(today: dt.date) -> int:
    """One reminder per document, owner and review date (never twice); returns how many were created."""
    due = Document.objects.filter(
        retired_at__isnull=True,
        owner__isnull=False,
        next_review__lte=today + dt.timedelta(days=REMIND_DAYS_AHEAD),
    ).values_list("pk", "site_id", "owner_id", "next_review")
    created = 0
    for document_id, site_id, owner_id, next_review in due.iterator():
        if next_review is None:  # excluded by the filter; the type does not know
            continue
        with transaction.atomic():
            _, made = ReviewReminder.objects.get_or_create(
                document_id=document_id, recipient_id=owner_id, due=next_review, defaults={"site_id": site_id}
            )
        created += made
    return created


def snapshot_completeness(today: dt.date) -> int:
    taken = 0
    for site in Site.objects.all():
        result = audit_site(site, today)
        with transaction.atomic():
            CompletenessSnapshot.objects.update_or_create(
                site=site, taken_on=today, defaults={"score": result.score, "counts": result.as_counts()}
            )
        taken += 1
    return taken


@job("evidence-reviews")
def evidence_reviews() -> str:
    today = timezone.localdate()
    reminders = remind_due_reviews(today)
    sites = snapshot_completeness(today)
    return f"{reminders} review reminders created; completeness recorded for {sites} sites"


@job("evidence-blob-sweep")
def evidence_blob_sweep() -> str:
    removed = blobs.sweep()
    return f"{removed} unreferenced evidence blobs removed"
