"""E-mail digests of due and overdue reviews, delivered to a real SMTP server on 127.0.0.1: one per owner, never
twice for the same review date, nothing without SMTP, retried when the server refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from otcsms.evidence import services
from otcsms.evidence.models import ReviewReminder
from otcsms.evidence.reminders import remind_due_reviews, send_review_digests
from otcsms.evidence.tasks import review_round
from tests.conftest import make_user
from tests.evidence.conftest import approved, set_next_review
from tests.smtp_peer import SmtpPeer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpPeer() as peer:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = peer.host, peer.port, 10
        settings.DEFAULT_FROM_EMAIL = "otcsms@plant.test"
        settings.BASE_URL = "https://otcsms.plant.test"
        yield peer


@pytest.fixture
def due_documents(site_a, a_contributor, a_approver):
    """Two documents of the contributor (one overdue, one due in 5 days), one of a second owner."""
    today = timezone.localdate()
    owner2 = make_user("ben", roles={site_a: "contributor"})
    made = {}
    for key, owner, days in (
        ("overdue", a_contributor, -3),
        ("soon", a_contributor, 5),
        ("other", owner2, -1),
    ):
        document = services.create_document(site_id=site_a.pk, kind="policy", title=f"Policy {key}",
                                            owner_id=owner.pk, by=a_contributor)  # fmt: skip
        approved(document, a_contributor, a_approver, f"{key}\n".encode())
        made[key] = set_next_review(document, today + dt.timedelta(days=days))
    return made


def test_one_digest_per_owner_and_never_twice(smtp, due_documents, a_contributor):
    today = timezone.localdate()
    assert remind_due_reviews(today) == 3
    run = send_review_digests(today)
    assert (run.sent, run.failed) == (2, [])
    by_recipient = {m.recipients[0]: m for m in smtp.messages}
    assert set(by_recipient) == {a_contributor.email, "ben@example.test"}
    mine = by_recipient[a_contributor.email]
    assert mine.sender == "otcsms@plant.test"
    assert mine.message["Subject"] == "otcsms: 2 document reviews due (1 overdue)"
    assert "OVERDUE since" in mine.body and "Policy overdue" in mine.body and "Policy soon" in mine.body
    assert f"https://otcsms.plant.test/documents/{due_documents['soon'].pk}/" in mine.body
    assert "Policy other" not in mine.body
    assert ReviewReminder.objects.filter(emailed_at__isnull=True).count() == 0
    # the next runs (the next days) send nothing new for the same review dates
    assert remind_due_reviews(today + dt.timedelta(days=1)) == 0
    assert send_review_digests(today + dt.timedelta(days=1)).sent == 0
    assert len(smtp.messages) == 2


def test_a_new_review_date_is_mailed_again(smtp, due_documents, a_contributor):
    today = timezone.localdate()
    remind_due_reviews(today)
    send_review_digests(today)
    set_next_review(due_documents["soon"], today + dt.timedelta(days=10))  # the date moved: a new reminder
    assert remind_due_reviews(today) == 1
    assert send_review_digests(today).sent == 1
    last = smtp.messages[-1]
    assert (
        last.recipients == [a_contributor.email]
        and "Policy soon" in last.body
        and "Policy overdue" not in last.body
    )


def test_nothing_is_mailed_without_smtp(settings, due_documents):
    settings.EMAIL_HOST = ""
    today = timezone.localdate()
    assert remind_due_reviews(today) == 3  # the in-app reminders still come
    assert send_review_digests(today).sent == 0
    assert ReviewReminder.objects.filter(emailed_at__isnull=False).count() == 0


def test_a_refused_digest_is_not_recorded_and_goes_out_next_time(smtp, due_documents):
    today = timezone.localdate()
    remind_due_reviews(today)
    smtp.refuse_rcpt = True
    run = send_review_digests(today)
    assert run.sent == 0 and len(run.failed) == 2 and smtp.messages == []
    assert ReviewReminder.objects.filter(emailed_at__isnull=False).count() == 0
    smtp.refuse_rcpt = False
    assert send_review_digests(today).sent == 2 and len(smtp.messages) == 2


def test_an_unreachable_server_is_reported_not_recorded(settings, due_documents):
    with SmtpPeer() as peer:
        port = peer.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        port,
        5,
    )  # nobody listens now
    today = timezone.localdate()
    remind_due_reviews(today)
    run = send_review_digests(today)
    assert run.sent == 0 and len(run.failed) == 2
    assert ReviewReminder.objects.filter(emailed_at__isnull=False).count() == 0


def test_owners_without_an_address_retired_documents_and_past_dates_get_no_mail(
    smtp, due_documents, a_contributor, a_approver
):
    today = timezone.localdate()
    remind_due_reviews(today)
    a_contributor.email = ""
    a_contributor.save()
    services.retire_document(due_documents["other"], by=a_approver, reason="merged into the site policy")
    assert send_review_digests(today).sent == 0 and smtp.messages == []


def test_the_job_reports_digests_and_fails_when_the_server_refuses(smtp, due_documents):
    today = timezone.localdate()
    assert "2 e-mail digests sent" in review_round(today)
    set_next_review(due_documents["overdue"], today - dt.timedelta(days=1))
    smtp.refuse_rcpt = True
    with pytest.raises(RuntimeError, match="1 digests refused"):
        review_round(today)
