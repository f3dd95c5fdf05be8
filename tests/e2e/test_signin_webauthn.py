"""A security key end to end in Chromium: Chromium's virtual authenticator (DevTools' WebAuthn domain) stands
in for the key; the page's script, the server's py_webauthn checks and the MFA step are the real ones."""

from __future__ import annotations

import json

import pytest

from otcsms.core.models import AuditEvent
from otcsms.signin.models import SecurityKey, SigninSession
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "kim")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_enrol_a_security_key_sign_out_and_sign_in_with_it(browser, live_server):
    user = make_user("kim")
    # WebAuthn needs a secure context and a domain name as relying party: localhost, not 127.0.0.1.
    base = f"http://localhost:{live_server.thread.port}"
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "usb", "hasResidentKey": False, "hasUserVerification": False,
            "automaticPresenceSimulation": True,
        }})  # fmt: skip
        sign_in(page, base)
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/account/security/")
        page.fill("#webauthn-name", "YubiKey 5")
        page.click("#webauthn-register")
        page.wait_for_selector("#recovery-codes li")
        assert page.locator("#recovery-codes li").count() == 10
        key = SecurityKey.objects.get(user=user)
        assert key.name == "YubiKey 5" and key.confirmed

        page.goto(f"{base}/")
        page.click("text=Log out kim")
        page.wait_for_url(f"{base}/accounts/login/")
        sign_in(page, base)
        page.wait_for_url(f"{base}/accounts/login/verify/**")
        page.click("#webauthn-login")
        page.wait_for_url(f"{base}/")
        assert page.locator("h1").first.inner_text() == "Dashboard"
        passed = [json.loads(e.data) for e in AuditEvent.objects.filter(object_type="signin.login")]
        assert any(d["reason"] == "MFA passed" and d["after"]["factor"] == "webauthn" for d in passed)
        assert SigninSession.objects.filter(user=user, ended_at__isnull=True, mfa="webauthn").count() == 1
    finally:
        context.close()
