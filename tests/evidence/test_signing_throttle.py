"""Approval e-signatures: wrong passwords are counted per user and lock signing at the login's failure limit, for
the login's cool-off; the lock is an audit event; the right password clears the count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from otcsms.core.models import AuditEvent
from otcsms.evidence.models import ApprovalSignature, DocumentVersion, SigningThrottle
from tests.conftest import PASSWORD, audit_count
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db


def _in_review(api, contributor, document, content=b"v1 text\n"):
    version = upload(api(contributor), document.pk, content).json()
    assert api(contributor).post(f"/document-versions/{version['id']}/submit").status_code == 200
    return version


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=dt.timedelta(minutes=15))
def test_wrong_passwords_lock_signing_and_the_lock_is_audited(api, a_contributor, a_approver, policy):
    version = _in_review(api, a_contributor, policy)
    url = f"/document-versions/{version['id']}/approve"
    approver = api(a_approver)
    before = audit_count()
    for _ in range(2):
        r = approver.post(url, {"password": "guess"})
        assert r.status_code == 403 and "not right" in r.json()["detail"]
    assert audit_count() == before  # a refused approval writes no event
    assert SigningThrottle.objects.get(user=a_approver).failures == 2

    r = approver.post(url, {"password": "guess"})  # the third: locked
    assert r.status_code == 429 and "locked until" in r.json()["detail"]
    assert audit_count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.object_type, event.object_id, event.site_id) == (
        "evidence.signingthrottle",
        str(a_approver.pk),
        None,
    )
    assert event.actor_user_id == a_approver.pk and "3 wrong passwords" in event.data

    # while locked, even the right password signs nothing (a session, not only the token)
    r = approver.post(url, {"password": PASSWORD})
    assert r.status_code == 429
    assert not ApprovalSignature.objects.exists()
    assert DocumentVersion.objects.get(pk=version["id"]).status == "in_review"
    assert audit_count() == before + 1


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=dt.timedelta(minutes=15))
def test_the_lock_runs_out_and_the_right_password_clears_the_count(
    api, client, a_contributor, a_approver, policy
):
    version = _in_review(api, a_contributor, policy)
    client.force_login(a_approver)
    for _ in range(2):  # the page counts too
        r = client.post(f"/document-versions/{version['id']}/approve/", {"password": "guess"}, follow=True)
        assert "password is not right" in r.content.decode()
    r = client.post(f"/document-versions/{version['id']}/approve/", {"password": "guess"}, follow=True)
    assert "signing is locked until" in r.content.decode()

    throttle = SigningThrottle.objects.get(user=a_approver)
    throttle.locked_until = timezone.now() - dt.timedelta(seconds=1)  # the cool-off has passed
    throttle.save()
    r = api(a_approver).post(f"/document-versions/{version['id']}/approve", {"password": "guess"})
    assert r.status_code == 403  # counting starts again: one failure, not locked
    assert SigningThrottle.objects.get(user=a_approver).failures == 1
    r = api(a_approver).post(f"/document-versions/{version['id']}/approve", {"password": PASSWORD})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert not SigningThrottle.objects.filter(user=a_approver).exists()


@override_settings(AXES_FAILURE_LIMIT=2)
def test_the_count_is_per_user(api, a_contributor, a_approver, a_approver2, policy):
    version = _in_review(api, a_contributor, policy)
    url = f"/document-versions/{version['id']}/approve"
    for _ in range(2):
        api(a_approver).post(url, {"password": "guess"})
    assert api(a_approver).post(url, {"password": PASSWORD}).status_code == 429
    r = api(a_approver2).post(url, {"password": PASSWORD})  # another approver is not locked out by it
    assert r.status_code == 200
