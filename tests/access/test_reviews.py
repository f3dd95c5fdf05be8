"""Access reviews beyond deciding: who reviews which grant, progress per reviewer, daily reminders (in the app,
and by e-mail to a real SMTP peer on 127.0.0.1 when e-mail is configured); and the reconciliation computed once
per site per check run."""

from __future__ import annotations

from datetime import date, timedelta

from django.test import Client, override_settings
from django.urls import reverse

from otcsms.access import checks as access_checks
from otcsms.access.models import Account, ReviewReminder
from otcsms.access.services import decide, progress_by_reviewer, start_review
from otcsms.access.tasks import REVIEW_REMINDERS, access_review_reminders, remind_reviewers
from otcsms.checks.engine import run_checks
from otcsms.checks.models import Finding
from otcsms.jobs.services import default_schedules
from tests.access.conftest import grant
from tests.conftest import make_user
from tests.smtp_peer import SmtpPeer

TODAY = date(2026, 12, 2)


def two_reviewers(hmi, site_a, a_approver):
    """Grants on a system owned by Cat (who has a login) and on one owned by nobody (the creator reviews)."""
    from otcsms.access.models import AccessSystem

    owner_login = make_user("cat", roles={site_a: "viewer"})
    owner_login.email = "cat@plant-a.test"
    owner_login.save()
    hmi.cat.user = owner_login
    hmi.cat.save()
    historian = AccessSystem.objects.create(site=site_a, name="HIST-1", kind="historian")
    grant(hmi, hmi.ann)
    grant(hmi, hmi.dan, "view")
    from otcsms.access.models import AccessGrant

    AccessGrant.objects.create(site=site_a, system=historian, person=hmi.ann, privilege="view",
                               justification="trends", requested_by=hmi.ben, approved_by=hmi.cat)  # fmt: skip
    review = start_review(a_approver, site_a, title="Q4 2026", period_start=date(2026, 10, 1),
                          period_end=date(2026, 12, 31), due_on=date(2026, 12, 20))  # fmt: skip
    return review, owner_login


def test_each_grant_goes_to_the_system_owner_else_the_creator_and_progress_is_per_reviewer(
    hmi, site_a, a_approver
):
    review, cat = two_reviewers(hmi, site_a, a_approver)
    reviewers = {i.grant.system.name + " " + i.grant.person.name: i.reviewer_id for i in review.items.all()}
    assert reviewers == {"HMI-1 Ann": cat.pk, "HMI-1 Dan": cat.pk, "HIST-1 Ann": a_approver.pk}
    decide(cat, review.items.get(grant__person=hmi.dan), decision="confirmed")
    progress = {p.reviewer_id: (p.total, p.decided, p.pending) for p in progress_by_reviewer(review)}
    assert progress == {cat.pk: (2, 1, 1), a_approver.pk: (1, 0, 1)}


def test_progress_per_reviewer_through_the_api(api, hmi, site_a, a_approver):
    review, cat = two_reviewers(hmi, site_a, a_approver)
    body = api(a_approver).get(f"/access-reviews/{review.pk}/progress").json()
    assert body["total"] == 3 and body["decided"] == 0
    assert {r["reviewer_id"]: r["pending"] for r in body["reviewers"]} == {cat.pk: 2, a_approver.pk: 1}


def test_one_in_app_reminder_per_reviewer_review_and_day(hmi, site_a, a_approver):
    review, cat = two_reviewers(hmi, site_a, a_approver)
    assert remind_reviewers(TODAY) == (2, 0)  # e-mail is not configured here: in the app only
    assert remind_reviewers(TODAY) == (0, 0)  # a second run that day adds nothing
    reminders = {
        r.reviewer_id: (r.pending, r.channel) for r in ReviewReminder.objects.filter(campaign=review)
    }
    assert reminders == {cat.pk: (2, "in-app"), a_approver.pk: (1, "in-app")}
    for item in review.items.filter(reviewer=a_approver):
        decide(a_approver, item, decision="confirmed")
    assert remind_reviewers(TODAY + timedelta(days=1)) == (1, 0)  # the next day: only Cat still has work
    assert ReviewReminder.objects.filter(day=TODAY + timedelta(days=1)).get().reviewer_id == cat.pk


def test_the_reviewer_sees_what_waits_for_them_on_the_access_page(hmi, site_a, a_approver):
    review, cat = two_reviewers(hmi, site_a, a_approver)
    remind_reviewers(TODAY)
    client = Client()
    client.force_login(cat)
    page = client.get(reverse("web:access_home")).content.decode()
    assert "Access reviews waiting for you" in page and "Q4 2026" in page and "2 grants to decide" in page
    assert "reminded 2026-12-02" in page
    client.force_login(make_user("nobody-else", roles={site_a: "viewer"}))
    assert "waiting for you" not in client.get(reverse("web:access_home")).content.decode()


def test_reminders_go_by_email_when_email_is_configured(hmi, site_a, a_approver):
    review, cat = two_reviewers(hmi, site_a, a_approver)
    a_approver.email = ""  # no address: reminded in the app only
    a_approver.save()
    with SmtpPeer() as smtp, override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=smtp.port,
        DEFAULT_FROM_EMAIL="otcsms@plant-a.test",
    ):  # fmt: skip
        assert remind_reviewers(TODAY) == (2, 1)
        assert remind_reviewers(TODAY) == (0, 0)
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0].recipients, smtp.messages[0].message
    assert recipients == ["cat@plant-a.test"]
    assert "Q4 2026" in message["Subject"] and "2 grants" in message["Subject"]
    assert f"/access/reviews/{review.pk}/" in message.get_payload()
    channels = dict(ReviewReminder.objects.values_list("reviewer_id", "channel"))
    assert channels == {cat.pk: "email", a_approver.pk: "in-app"}


def test_a_mail_server_that_is_down_is_recorded_and_the_reminder_stays(hmi, site_a, a_approver):
    import socket

    two_reviewers(hmi, site_a, a_approver)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once closed
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                           EMAIL_PORT=port, EMAIL_TIMEOUT=5):  # fmt: skip
        assert remind_reviewers(TODAY) == (2, 0)
    failed = ReviewReminder.objects.filter(channel="email")
    assert failed.count() == 2 and all("ConnectionRefusedError" in r.email_error for r in failed)


def test_the_reminder_job_is_scheduled_daily_and_runs_as_the_worker(
    transactional_db, hmi, site_a, a_approver
):
    from otcsms.core.models import AuditEvent
    from otcsms.jobs.worker import Stop, run_round, worker_id

    two_reviewers(hmi, site_a, a_approver)
    assert REVIEW_REMINDERS in default_schedules() and REVIEW_REMINDERS.cron == "0 7 * * *"
    result = access_review_reminders.enqueue()
    run_round(Stop(), worker_id())
    result.refresh()
    assert result.status == "SUCCESSFUL" and result.return_value == "2 access review reminders (0 by e-mail)"
    event = AuditEvent.objects.filter(object_type="access.reviewreminder").first()
    assert event is not None and event.actor_label == "worker:access-review-reminders"


def test_the_reconciliation_is_computed_once_per_site_per_check_run(hmi, site_a):
    grant(hmi, hmi.ann)
    Account.objects.create(site=site_a, system=hmi.system, username="ghost", privilege="view")
    Account.objects.create(site=site_a, system=hmi.system, username="opshared", kind="shared", person=hmi.ann)
    access_checks.MEMO.clear()
    before = access_checks.MEMO.computed
    run_checks(site_a)
    assert access_checks.MEMO.computed == before + 1  # six checks, one reconciliation
    assert Finding.objects.filter(check_id="access.unknown", status="open").count() == 1
    # A write between runs (an audited change) makes the next run reconcile again and see it.
    ghost = Account.objects.get(username="ghost")
    ghost.status = "disabled"
    ghost.save()
    run_checks(site_a)
    assert access_checks.MEMO.computed == before + 2
    assert not Finding.objects.filter(check_id="access.unknown", status="open").exists()


def test_a_write_between_two_checks_is_seen_by_the_second(hmi, site_a):
    Account.objects.create(site=site_a, system=hmi.system, username="ghost", privilege="view")
    access_checks.MEMO.clear()
    first = access_checks.MEMO.get(site_a)
    assert first is access_checks.MEMO.get(site_a)  # nothing written: the same computation
    assert [d.category for d in first.report.discrepancies] == ["unknown"]
    Account.objects.filter(username="ghost").get().delete()
    assert access_checks.MEMO.get(site_a).report.discrepancies == []
