"""API tokens: shown once, stored as a hash, revocable, expiring, with a last-used time."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from otcsms.core.models import ApiToken, AuditEvent


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_token_is_stored_as_a_hash_and_shown_once(session_api, a_contributor, site_a):
    client = session_api(a_contributor, csrf=True)
    r = client.post("/tokens", {"name": "historian export"})
    assert r.status_code == 201
    secret = r.json()["token"]
    token = ApiToken.objects.get(pk=r.json()["id"])
    assert secret not in token.digest and token.digest == ApiToken.digest_of(secret)
    listed = client.get("/tokens").json()["items"]
    assert all("token" not in t for t in listed)
    assert all(secret not in e.data for e in AuditEvent.objects.all())
    assert Client().get("/api/v1/me", headers=bearer(secret)).json()["username"] == "alice"


def test_revoked_and_expired_tokens_are_refused(a_contributor, site_a):
    token, secret = ApiToken.issue(a_contributor, "script")
    assert Client().get("/api/v1/sites", headers=bearer(secret)).status_code == 200
    token.revoked_at = timezone.now()
    token.save()
    r = Client().get("/api/v1/sites", headers=bearer(secret))
    assert r.status_code == 401 and "detail" in r.json()
    _old, expired = ApiToken.issue(a_contributor, "old", expires_at=timezone.now() - timedelta(minutes=1))
    assert Client().get("/api/v1/sites", headers=bearer(expired)).status_code == 401


def test_revoke_through_the_api_is_audited(session_api, a_contributor, site_a):
    client = session_api(a_contributor, csrf=True)
    other, secret = ApiToken.issue(a_contributor, "to revoke")
    r = client.post(f"/tokens/{other.pk}/revoke")
    assert r.status_code == 200 and r.json()["revoked_at"]
    event = AuditEvent.objects.filter(
        object_type="core.apitoken", object_id=str(other.pk), action="update"
    ).get()
    assert event.actor_kind == "user" and event.payload["after"]["digest"] == "[redacted]"
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_tokens_of_other_users_cannot_be_revoked(session_api, a_contributor, b_viewer):
    theirs, _ = ApiToken.issue(b_viewer, "bob's")
    assert session_api(a_contributor, csrf=True).post(f"/tokens/{theirs.pk}/revoke").status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


def test_last_used_time_is_recorded_without_audit_noise(a_contributor, site_a):
    token, secret = ApiToken.issue(a_contributor, "script")
    before = AuditEvent.objects.count()
    Client().get("/api/v1/me", headers=bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert AuditEvent.objects.count() == before


def test_inactive_user_token_is_refused(a_contributor, site_a):
    _token, secret = ApiToken.issue(a_contributor, "script")
    a_contributor.is_active = False
    a_contributor.save()
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_token_with_expiry_in_the_past_cannot_be_created(session_api, a_contributor):
    r = session_api(a_contributor, csrf=True).post(
        "/tokens", {"name": "x", "expires_at": "2001-01-01T00:00:00Z"}
    )
    assert r.status_code == 422
