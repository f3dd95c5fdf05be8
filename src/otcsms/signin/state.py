"""What a signed-in session knows about its sign-in, kept in the session's own (server-side) data.

    signin.sid       the SigninSession row of this session (its list entry, its revocation)
    signin.started   when it was opened (epoch seconds): the absolute timeout counts from here
    signin.seen      the last request (to the minute): the idle timeout counts from here
    signin.auth_at   the last time the user proved who they are (password, MFA, re-authentication)
    signin.mfa       the second factor this session passed ("totp", "webauthn", "recovery"), if any
    signin.expects   whether this session must pass MFA (the user has a factor, or the policy requires one)
    signin.gate      "verify" or "enrol" until the session has passed (or enrolled) its second factor

The gate is decided when the session opens (``begin``), so a policy change applies from each user's next
sign-in. Every way in (the password form today; a directory or SSO login later) ends in ``django.contrib.auth
.login``, whose signal calls ``begin``: the MFA step then follows whatever the first step was.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from otcsms.core.models import User
from otcsms.signin import services
from otcsms.signin.models import SigninSession

SID, STARTED, SEEN, AUTH_AT, MFA, EXPECTS, GATE = (
    "signin.sid", "signin.started", "signin.seen", "signin.auth_at", "signin.mfa", "signin.expects", "signin.gate",
)  # fmt: skip
SEEN_EVERY = 60  # seconds: the idle clock and the list's "last seen" move to the minute, not every request


def idle_seconds() -> int:
    return int(getattr(settings, "SIGNIN_IDLE_MINUTES", 30)) * 60


def absolute_seconds() -> int:
    return int(getattr(settings, "SIGNIN_ABSOLUTE_HOURS", 12)) * 3600


def reauth_seconds() -> int:
    return int(getattr(settings, "SIGNIN_REAUTH_MINUTES", 10)) * 60


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def begin(request: HttpRequest, user: User, method: str) -> SigninSession:
    """A session was just opened for ``user``: record it and decide its MFA step."""
    record = services.open_session(
        user, ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""), method=method
    )
    now = time.time()
    session = request.session
    session[SID], session[STARTED], session[SEEN], session[AUTH_AT] = record.pk, now, now, now
    session.pop(MFA, None)
    enrolled = services.has_mfa(user)
    session[EXPECTS] = enrolled or services.mfa_required(user)
    if enrolled:
        session[GATE] = "verify"
    elif session[EXPECTS]:
        session[GATE] = "enrol"
    else:
        session.pop(GATE, None)
    return record


def passed_mfa(request: HttpRequest, method: str) -> None:
    session = request.session
    session[MFA], session[AUTH_AT], session[EXPECTS] = method, time.time(), True
    session.pop(GATE, None)
    sid = session.get(SID)
    if isinstance(sid, int):
        SigninSession.objects.filter(pk=sid).update(mfa=method[:20])


def reauthenticated(request: HttpRequest) -> None:
    request.session[AUTH_AT] = time.time()


def gate(request: HttpRequest) -> str | None:
    value: Any = request.session.get(GATE)
    return value if value in ("verify", "enrol") else None


def recently_authenticated(request: HttpRequest) -> bool:
    at = request.session.get(AUTH_AT)
    return isinstance(at, int | float) and time.time() - at <= reauth_seconds()


def session_passed_mfa(request: HttpRequest) -> bool:
    return bool(request.session.get(MFA))


def expects_mfa(request: HttpRequest) -> bool:
    return bool(request.session.get(EXPECTS))
