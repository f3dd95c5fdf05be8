"""The access job: remind each reviewer of the grants waiting for them in open access reviews, once a day.

Declared in access/registry.py (``jobs``): the jobs app creates its schedule with the others at ``init``. A
reminder is a row (one per reviewer, review and day: a unique constraint, so a second worker or a second run
that day adds nothing). It is shown in the app (the Access page and the review page); it is also sent by
e-mail when the instance has e-mail configured (``OTCSMS_EMAIL_HOST``: the evidence app's rule, one for both) and
the reviewer has an address. An overdue review is a finding besides (``access.review-overdue``).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from otcsms.access.models import ReviewCampaign, ReviewItem, ReviewReminder
from otcsms.evidence.reminders import email_configured
from otcsms.jobs.decorators import job
from otcsms.jobs.defaults import ScheduleSpec

log = logging.getLogger(__name__)

REVIEW_REMINDERS = ScheduleSpec(
    "access-review-reminders",
    "otcsms.access.tasks.access_review_reminders",
    "Remind each reviewer of the grants waiting for them in open access reviews, once a day (in the app, "
    "and by e-mail when e-mail is configured).",
    cron="0 7 * * *",
)


def remind_reviewers(today: dt.date) -> tuple[int, int]:
    """One reminder per reviewer with pending grants per open review, for ``today`` (never twice); returns
    (reminders created, e-mails sent)."""
    waiting = (
        ReviewItem.objects.filter(
            campaign__status=ReviewCampaign.Status.OPEN,
            decision=ReviewItem.Decision.PENDING,
            reviewer__isnull=False,
            reviewer__is_active=True,
        )
        .values(
            "campaign_id", "site_id", "reviewer_id", "reviewer__email", "campaign__title", "campaign__due_on"
        )
        .annotate(pending=Count("pk"))
        .order_by("campaign_id", "reviewer_id")
    )
    by_email = email_configured()
    created = sent = 0
    for row in waiting:
        address = (row["reviewer__email"] or "").strip()
        channel = ReviewReminder.Channel.EMAIL if by_email and address else ReviewReminder.Channel.IN_APP
        with transaction.atomic():
            reminder, made = ReviewReminder.objects.get_or_create(
                campaign_id=row["campaign_id"], reviewer_id=row["reviewer_id"], day=today,
                defaults={"site_id": row["site_id"], "pending": row["pending"], "channel": channel},
            )  # fmt: skip
        if not made:
            continue
        created += 1
        if channel == ReviewReminder.Channel.EMAIL:
            sent += _send(reminder, address, row["campaign__title"], row["campaign__due_on"])
    return created, sent


def _send(reminder: ReviewReminder, address: str, title: str, due_on: dt.date | None) -> int:
    due = f", due {due_on:%Y-%m-%d}" if due_on else ""
    body = (
        f"{reminder.pending} access grants wait for your decision in the review {title!r}{due}.\n\n"
        f"Open /access/reviews/{reminder.campaign_id}/?mine=1&pending=1 in otcsms: c confirms a grant, r revokes "
        "it with the reason.\n"
    )
    try:
        send_mail(f"Access review {title}: {reminder.pending} grants wait for you", body,
                  settings.DEFAULT_FROM_EMAIL, [address])  # fmt: skip
    except Exception as exc:  # a mail server down must not stop the other reminders; the row says why
        log.warning("access review reminder %s: e-mail failed: %s", reminder.pk, exc)
        reminder.email_error = f"{type(exc).__name__}: {exc}"[:500]
        with transaction.atomic():
            reminder.save()
        return 0
    return 1


@job("access-review-reminders")
def access_review_reminders() -> str:
    created, sent = remind_reviewers(timezone.localdate())
    return f"{created} access review reminders ({sent} by e-mail)"
