"""Review reminders: one in-app reminder per document, owner and review date, and, when SMTP is configured, one
e-mail digest per owner of the reminders not yet e-mailed.

Never twice for the same review date: a reminder is e-mailed once (``ReviewReminder.emailed_at``). A digest's
reminders are claimed (marked) in a short transaction before the mail is sent, and released again when the
server refuses it, so two workers never send the same reminder and a refused mail is retried on the next run.
No transaction is held open while the SMTP server is talked to (on SQLite it would block every writer).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone

from otcsms.core.models import User
from otcsms.evidence.models import Document, ReviewReminder

REMIND_DAYS_AHEAD = 14

log = logging.getLogger(__name__)


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


def email_configured() -> bool:
    return bool(settings.EMAIL_HOST)


@dataclass
class DigestRun:
    sent: int = 0
    failed: list[str] = field(default_factory=list)  # one line per owner whose digest the server refused


def _pending() -> QuerySet[ReviewReminder]:
    """Reminders still worth e-mailing: not e-mailed, for the document's current review date, to an active owner
    with an address, of a document not retired."""
    return ReviewReminder.objects.filter(
        emailed_at__isnull=True,
        due=F("document__next_review"),
        document__retired_at__isnull=True,
        document__owner_id=F("recipient_id"),
        recipient__is_active=True,
    ).exclude(recipient__email="")


def send_review_digests(today: dt.date) -> DigestRun:
    """One e-mail per owner listing their reminders not yet e-mailed (nothing when SMTP is not configured)."""
    run = DigestRun()
    if not email_configured():
        return run
    recipients = sorted(set(_pending().values_list("recipient_id", flat=True)))
    for recipient_id in recipients:
        claimed = _claim(recipient_id)
        if not claimed:
            continue  # another worker took them
        recipient = claimed[0].recipient
        try:
            digest(recipient, claimed, today).send()
        except Exception as exc:
            _release(claimed)
            log.warning("review digest to %s not sent: %s", recipient.email, exc)
            run.failed.append(f"{recipient.get_username()}: {exc}")
            continue
        run.sent += 1
    return run


def _claim(recipient_id: int) -> list[ReviewReminder]:
    with transaction.atomic():
        reminders = list(
            _pending()
            .filter(recipient_id=recipient_id)
            .select_for_update(of=("self",))
            .select_related("document", "document__site", "recipient")
            .order_by("due", "document__title")
        )
        now = timezone.now()
        for reminder in reminders:
            reminder.emailed_at = now
            reminder.save(update_fields=["emailed_at"])
    return reminders


def _release(reminders: list[ReviewReminder]) -> None:
    with transaction.atomic():
        for reminder in reminders:
            reminder.emailed_at = None
            reminder.save(update_fields=["emailed_at"])


def digest(recipient: User, reminders: list[ReviewReminder], today: dt.date) -> EmailMessage:
    overdue = sum(1 for r in reminders if r.due < today)
    subject = f"otcsms: {len(reminders)} document review{'s' if len(reminders) != 1 else ''} due"
    if overdue:
        subject += f" ({overdue} overdue)"
    lines = [f"Hello {recipient.get_full_name() or recipient.get_username()},", "",
             "These documents you own are due for review:", ""]  # fmt: skip
    for reminder in reminders:
        days = (reminder.due - today).days
        when = (
            f"OVERDUE since {reminder.due:%Y-%m-%d}"
            if days < 0
            else f"due {reminder.due:%Y-%m-%d} ({'today' if days == 0 else f'in {days} days'})"
        )
        document = reminder.document
        lines.append(f"  {when}: {document.title} ({document.site.name})")
        lines.append(f"      {settings.BASE_URL}{reverse('web:document_detail', args=[document.pk])}")
    lines += [
        "",
        "Record each review on the document's page: no change, revised or retired.",
        "",
        "-- otcsms",
    ]
    return EmailMessage(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [recipient.email])
