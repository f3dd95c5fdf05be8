"""Sign-in (issue 18): TOTP and recovery codes, the MFA policy and forced enrolment, session timeouts and
revocation, re-authentication for sensitive actions, login events in the audit trail.

TOTP codes are computed from the shared secret with django-otp's own RFC 6238 function; time is moved by
editing session timestamps, never by sleeping."""

from __future__ import annotations

import json
import time
from base64 import b32decode

import pytest
from django.test import Client
from django_otp.oath import TOTP

from otcsms.core.models import ApiToken, AuditEvent
from otcsms.signin import services, state
from otcsms.signin.models import MfaPolicy, RecoveryCodes, SigninSession, TotpDevice
from tests.conftest import PASSWORD, audit_count, make_user

pytestmark = pytest.mark.django_db


def code(secret: str, at: float | None = None) -> str:
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def password_login(client: Client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def events(what: str) -> list[AuditEvent]:
    return [
        e
        for e in AuditEvent.objects.filter(object_type="signin.login")
        if json.loads(e.data)["reason"] == what
    ]


def enrol_totp(client: Client) -> str:
    """Add an authenticator app through the pages; returns its base32 secret."""
    page = client.get("/account/security/totp/")
    secret = page.context["secret"]
    done = client.post("/account/security/totp/", {"code": code(secret), "name": "phone"})
    assert done.status_code == 200 and len(done.context["codes"]) == 10, done.content[:500]
    return secret


def test_totp_enrolment_mfa_step_wrong_and_replayed_codes_and_recovery(a_contributor):
    client = Client()
    assert password_login(client, "alice").status_code == 302
    secret = enrol_totp(client)
    device = TotpDevice.objects.get(user=a_contributor)
    # Encrypted at rest: neither the key nor its base32 text is in the row; the instance's key reads it back.
    assert secret not in device.encrypted_key and device.bin_key == b32decode(
        secret + "=" * (-len(secret) % 8)
    )
    enrolled = AuditEvent.objects.get(object_type="signin.totpdevice", action="create")
    assert enrolled.actor_user_id == a_contributor.pk and secret not in enrolled.data
    recovery = client.get("/account/security/").context["recovery"]
    assert recovery.remaining == 10
    client.post("/accounts/logout/")

    # Sign in again: the password opens a session that only reaches the MFA step.
    assert password_login(client, "alice")["Location"] == "/"
    assert client.get("/")["Location"].startswith("/accounts/login/verify/")
    assert client.get("/api/v1/me").status_code == 403
    # The password alone cannot add a factor (and so pass the step with it), nor replace the recovery codes.
    for path in (
        "/account/security/totp/",
        "/account/security/",
        "/account/security/keys/options/",
        "/account/security/recovery/",
    ):
        r = client.post(path, {"code": code(secret)})
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/verify/"), path
    assert TotpDevice.objects.filter(user=a_contributor).count() == 1
    before = audit_count()
    wrong = client.post(
        "/accounts/login/verify/", {"code": "000000" if code(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and audit_count() == before + 1 and events("MFA failed")
    TotpDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # django-otp's back-off, reset
    later = code(secret, time.time() + 30)  # the next step: the enrolment used this one
    assert client.post("/accounts/login/verify/", {"code": later})["Location"] == "/"
    assert client.get("/").status_code == 200 and events("MFA passed")
    client.post("/accounts/logout/")

    # The same code again (a replay, still within the accepted window): refused.
    password_login(client, "alice")
    assert client.post("/accounts/login/verify/", {"code": later}).status_code == 400
    assert client.get("/")["Location"].startswith("/accounts/login/verify/")
    # A recovery code works once.
    codes = RecoveryCodes.new_codes()
    recovery = RecoveryCodes.objects.get(user=a_contributor)
    recovery.digests = [RecoveryCodes.digest(c) for c in codes]
    recovery.save()
    TotpDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    RecoveryCodes.objects.filter(pk=recovery.pk).update(throttling_failure_count=0)
    assert client.post("/accounts/login/verify/", {"code": codes[0].upper()})["Location"] == "/"
    assert RecoveryCodes.objects.get(pk=recovery.pk).remaining == 9
    client.post("/accounts/logout/")
    password_login(client, "alice")
    assert client.post("/accounts/login/verify/", {"code": codes[0]}).status_code == 400


def enrolled_device(user, at: float) -> tuple[TotpDevice, bytes]:
    key = TotpDevice.new_key()
    totp = TOTP(key)
    totp.time = at - 30
    wrong = f"{(totp.token() + 1) % 10**6:06d}"
    assert (
        services.add_totp(user, key, wrong, at=at - 30) is None
        and services.add_totp(user, key, "12345x") is None
    )
    assert not TotpDevice.objects.filter(user=user).exists()
    device = services.add_totp(user, key, f"{totp.token():06d}", at=at - 30)
    assert device is not None and device.confirmed
    return device, key


def test_a_replayed_code_is_refused_by_the_service(a_contributor):
    at = time.time()
    device, key = enrolled_device(a_contributor, at)
    totp = TOTP(key)
    totp.time = at
    token = f"{totp.token():06d}"
    assert services.verify_totp(device, token, at=at)
    assert not services.verify_totp(device, token, at=at)  # replay
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.save()
    assert not services.verify_totp(device, token, at=at + 5)  # still refused a moment later
    assert not services.verify_totp(device, "12345", at=at) and not services.verify_totp(
        device, "١٢٣٤٥٦", at=at
    )


def test_policy_admins_forces_enrolment_at_next_login(org_admin, site_a, session_api):
    approver = make_user("april", roles={site_a: "approver"})
    site_admin = make_user("sam", roles={site_a: "site-admin"})
    contributor = make_user("carl", roles={site_a: "contributor"})
    admin_api = session_api(org_admin, csrf=True)
    assert admin_api.get("/mfa-policy").json()["required_for"] == "nobody"
    r = admin_api.call("PUT", "/mfa-policy", {"required_for": "admins", "reason": "CIP-005 R2"})
    assert r.status_code == 200 and r.json()["required_for"] == "admins"
    event = AuditEvent.objects.filter(object_type="signin.mfapolicy").first()
    assert event.actor_user_id == org_admin.pk
    assert [services.mfa_required(u) for u in (org_admin, approver, site_admin, contributor)] == [
        True,
        True,
        True,
        False,
    ]

    client = Client()
    password_login(client, "sam")
    assert client.get("/sites/")["Location"].startswith("/accounts/login/enrol/")
    assert client.get("/accounts/login/enrol/").status_code == 200
    secret = enrol_totp(client)
    assert secret and client.get("/").status_code == 200  # enrolled: the session has passed MFA
    other = Client()
    password_login(other, "carl")
    assert other.get("/").status_code == 200  # not an admin: no MFA asked

    services.set_policy("everyone")
    assert other.get("/").status_code == 200  # the session already open keeps going: from the next login on
    other.post("/accounts/logout/")
    password_login(other, "carl")
    assert other.get("/")["Location"].startswith("/accounts/login/enrol/")


def test_policy_refusals_change_nothing(org_admin, a_contributor, session_api):
    before = audit_count()
    assert (
        session_api(a_contributor, csrf=True)
        .call("PUT", "/mfa-policy", {"required_for": "everyone"})
        .status_code
        == 403
    )
    admin = session_api(org_admin, csrf=True)
    assert admin.call("PUT", "/mfa-policy", {"required_for": "all"}).status_code == 422
    assert admin.call("PUT", "/mfa-policy", {"required_for": "admins", "x": 1}).status_code == 422
    assert audit_count() == before and MfaPolicy.current().required_for == "nobody"
    page = Client()
    page.force_login(a_contributor)
    assert page.post("/mfa-policy/", {"required_for": "everyone"}).status_code == 403


@pytest.mark.parametrize(("key", "age", "reason"), [
    (state.SEEN, 31 * 60, "idle"), (state.STARTED, 12 * 3600 + 60, "absolute"),
])  # fmt: skip
def test_idle_and_absolute_timeouts(a_contributor, key, age, reason):
    client = Client()
    client.force_login(a_contributor)
    assert client.get("/").status_code == 200
    session = client.session
    session[key] = session[key] - age
    session.save()
    r = client.get("/assets/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=%2Fassets%2F&ended=")
    assert SigninSession.objects.get(user=a_contributor).end_reason == reason
    assert client.get("/").status_code == 302  # signed out
    api = Client()
    api.force_login(a_contributor)
    session = api.session
    session[key] = session[key] - age
    session.save()
    assert api.get("/api/v1/me").status_code == 401


def test_sessions_list_and_revoke(a_contributor, b_viewer, session_api):
    laptop, phone = Client(), Client()
    password_login(laptop, "alice")
    password_login(phone, "alice")
    page = laptop.get("/account/sessions/")
    listed = page.context["sessions"]
    assert len(listed) == 2 and page.context["current"] in {s.pk for s in listed}
    other = next(s for s in listed if s.pk != page.context["current"])
    theirs = services.open_session(b_viewer, ip=None, user_agent="", method="password")
    assert laptop.post(f"/account/sessions/{theirs.pk}/revoke/").status_code == 404
    before = audit_count()
    assert laptop.post(f"/account/sessions/{other.pk}/revoke/").status_code == 302
    assert audit_count() == before + 1
    event = AuditEvent.objects.filter(object_type="signin.session").first()
    assert event.actor_user_id == a_contributor.pk and json.loads(event.data)["reason"] == "session revoked"
    assert phone.get("/")["Location"].startswith("/accounts/login/")
    assert laptop.get("/").status_code == 200
    # The API: the caller's own sessions only, and only from a browser session.
    api = session_api(b_viewer, csrf=True)
    assert [s["id"] for s in api.get("/sessions").json()] == [
        s.pk for s in services.active_sessions(b_viewer)
    ]
    assert api.post(f"/sessions/{other.pk}/revoke").status_code == 404
    assert api.post(f"/sessions/{theirs.pk}/revoke").json()["id"] == theirs.pk


def test_reauthentication_for_token_creation_and_role_changes(org_admin, a_contributor, site_a, session_api):
    client = Client()
    client.force_login(a_contributor)
    session = client.session
    session[state.AUTH_AT] = time.time() - 11 * 60
    session.save()
    r = client.post("/tokens/", {"name": "export"})
    assert r.status_code == 302 and r["Location"].startswith("/account/reauth/")
    assert not ApiToken.objects.filter(user=a_contributor).exists()
    assert client.post("/account/reauth/", {"password": "wrong", "next": "/tokens/"}).status_code == 400
    assert events("re-authentication failed")
    assert (
        client.post("/account/reauth/", {"password": PASSWORD, "next": "/tokens/"})["Location"] == "/tokens/"
    )
    assert client.post("/tokens/", {"name": "export"}).status_code == 200
    assert ApiToken.objects.filter(user=a_contributor).count() == 1

    admin = session_api(org_admin, csrf=True)
    session = admin.client.session
    session[state.AUTH_AT] = time.time() - 11 * 60
    session.save()
    before = audit_count()
    r = admin.post("/memberships", {"user_id": a_contributor.pk, "site_id": site_a.pk, "role": "viewer"})
    assert r.status_code == 403 and "re-authenticate" in r.json()["detail"] and audit_count() == before
    assert admin.post("/tokens", {"name": "x"}).status_code == 403
    r = admin.post("/scope-statements/1/approve")  # an approval: refused before the scope is even looked up
    assert r.status_code == 403 and "re-authenticate" in r.json()["detail"]
    page = Client()
    page.force_login(org_admin)
    session = page.session
    session[state.AUTH_AT] = time.time() - 11 * 60
    session.save()
    assert page.get("/memberships/new/")["Location"].startswith("/account/reauth/")


def test_token_creation_needs_a_session_that_passed_mfa(a_contributor, session_api):
    enrolled_device(a_contributor, time.time())
    api = session_api(a_contributor, csrf=True)  # signed in, MFA step not done
    assert api.post("/tokens", {"name": "x"}).status_code == 403
    session = api.client.session
    state_passed = {state.MFA: "totp", state.GATE: None}
    session.update(state_passed)
    session.pop(state.GATE)
    session.save()
    assert api.post("/tokens", {"name": "x"}).status_code == 201


def test_login_events_success_failure_and_lockout(a_contributor):
    client = Client()
    before = audit_count()
    assert password_login(client, "alice", "wrong").status_code == 200
    failed = events("login failed")
    assert len(failed) == 1 and audit_count() == before + 1 and failed[0].actor_label == "anonymous"
    for _ in range(5):
        password_login(client, "alice", "wrong")
    assert events("login locked out")
    assert password_login(client, "alice").status_code in (403, 429)  # locked even with the right password
    fresh = Client()
    password_login(fresh, "nobody-such", "x")
    assert json.loads(events("login failed")[0].data)["after"]["username"] == "nobody-such"


def test_successful_login_is_in_the_trail(a_contributor):
    client = Client(REMOTE_ADDR="10.1.2.3")
    password_login(client, "alice")
    ok = events("login")
    assert len(ok) == 1 and json.loads(ok[0].data)["after"]["ip_address"] == "10.1.2.3"
    assert SigninSession.objects.get(user=a_contributor).ip_address == "10.1.2.3"
    client.post("/accounts/logout/")
    assert SigninSession.objects.get(user=a_contributor).end_reason == "logout"


def test_removing_a_factor_needs_reauth_and_is_audited(a_contributor):
    client = Client()
    password_login(client, "alice")
    enrol_totp(client)
    device = TotpDevice.objects.get(user=a_contributor)
    session = client.session
    session[state.AUTH_AT] = time.time() - 11 * 60
    session.save()
    assert client.post(f"/account/security/totp/{device.pk}/remove/")["Location"].startswith(
        "/account/reauth/"
    )
    session = client.session
    session[state.AUTH_AT] = time.time()
    session.save()
    assert (
        client.post(f"/account/security/totp/{device.pk}/remove/", {"reason": "new phone"}).status_code == 302
    )
    assert not TotpDevice.objects.filter(user=a_contributor).exists()
    assert not RecoveryCodes.objects.filter(user=a_contributor).exists()  # no app or key left
    removed = AuditEvent.objects.get(object_type="signin.totpdevice", action="delete")
    assert json.loads(removed.data)["reason"] == "new phone"


def test_the_demo_mfa_user_signs_in_with_the_documented_secret(db):
    from otcsms.signin.demo import DEMO_MFA_USER, DEMO_TOTP_SECRET
    from tests.demo_data import demo_operator

    demo_operator()
    assert MfaPolicy.current().required_for == "nobody"  # every other demo user signs in with a password
    client = Client()
    client.post("/accounts/login/", {"username": DEMO_MFA_USER, "password": "demo-password-for-tests"})
    assert client.get("/")["Location"].startswith("/accounts/login/verify/")
    assert client.post("/accounts/login/verify/", {"code": code(DEMO_TOTP_SECRET)})["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"id": 5}', b'{"rawId": "AAAA", "response": {}}',
                                  b'{"id": "' + b"A" * 5000 + b'"}'])  # fmt: skip
def test_hostile_security_key_answers_are_refused(a_contributor, body):
    client = Client()
    client.force_login(a_contributor)
    before = audit_count()
    # without a pending challenge, and with one
    assert client.post("/account/security/keys/", body, content_type="application/json").status_code == 400
    assert client.post("/account/security/keys/options/").status_code == 200
    r = client.post("/account/security/keys/", body, content_type="application/json")
    assert r.status_code == 400 and "detail" in r.json()
    assert client.post("/accounts/login/key/options/").status_code == 400  # no key enrolled
    assert client.post("/accounts/login/key/", body, content_type="application/json").status_code == 400
    assert audit_count() - before == 1  # only the "MFA failed" login event of the last call


def test_the_session_check_costs_one_query_per_request(a_contributor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(a_contributor)
    with CaptureQueriesContext(connection) as first:
        client.get("/healthz")
    mine = [q["sql"] for q in first.captured_queries if "signin_signinsession" in q["sql"]]
    assert len(mine) == 1 and mine[0].lstrip().upper().startswith(
        "SELECT"
    )  # last seen: at most once a minute


def test_the_last_factor_stays_while_the_policy_requires_mfa(a_contributor, session_api):
    device, _key = enrolled_device(a_contributor, time.time())
    services.set_policy("everyone")
    before = audit_count()
    with pytest.raises(services.SigninError, match="requires MFA"):
        services.remove_factor(device)
    api = session_api(a_contributor, csrf=True)
    session = api.client.session
    session[state.MFA] = "totp"
    session.pop(state.GATE)
    session.save()
    r = api.delete(f"/mfa/devices/totp/{device.pk}")
    assert r.status_code == 409 and "requires MFA" in r.json()["detail"] and audit_count() == before
    assert [f["kind"] for f in api.get("/mfa/devices").json()] == ["totp"]
    services.set_policy("nobody")
    assert api.delete(f"/mfa/devices/totp/{device.pk}").status_code == 204
    assert api.get("/mfa/devices").json() == []
