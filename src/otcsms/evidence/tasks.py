"""The evidence job: remind owners of reviews that are due, and record each site's completeness for its trend.

Declared in evidence/registry.py (``jobs``): the jobs app creates its schedule with the others at ``init``.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from otcsms.evidence import blobs
from otcsms.evidence.completeness import audit_site
from otcsms.evidence.models import CompletenessSnapshot
from otcsms.evidence.reminders import email_configured, remind_due_reviews, send_review_digests
from otcsms.jobs.decorators import job
from otcsms.jobs.defaults import ScheduleSpec
from otcsms.tenancy.models import Site

REVIEW_REMINDERS = ScheduleSpec(
    "evidence-reviews",
    "otcsms.evidence.tasks.evidence_reviews",
    "Remind document owners of reviews due within 14 days or overdue (in-app, and one e-mail digest per owner "
    "when SMTP is configured), and record each site's documentation completeness for its trend.",
    cron="15 4 * * *",
)


BLOB_SWEEP = ScheduleSpec(
    "evidence-blob-sweep",
    "otcsms.evidence.tasks.evidence_blob_sweep",
    "Remove stored evidence files that no document version references (left by failed or interrupted "
    "uploads).",
    cron="45 3 * * *",
)


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
    return review_round(timezone.localdate())


def review_round(today: dt.date) -> str:
    """The job's work for one day: its one-line summary; raises when a digest was refused (the run is retried)."""
    reminders = remind_due_reviews(today)
    sites = snapshot_completeness(today)
    mail = send_review_digests(today)
    summary = f"{reminders} review reminders created; completeness recorded for {sites} sites"
    if email_configured():
        summary += f"; {mail.sent} e-mail digests sent"
    if mail.failed:  # the run fails (and is retried); what was sent stays sent
        raise RuntimeError(f"{summary}; {len(mail.failed)} digests refused: {'; '.join(mail.failed)[:500]}")
    return summary


@job("evidence-blob-sweep")
def evidence_blob_sweep() -> str:
    removed = blobs.sweep()
    return f"{removed} unreferenced evidence blobs removed"
