"""Signal receivers: a session record for every login (however it was made), login failures and lockouts in
the audit trail, the record ended at logout."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from otcsms.signin import services, state


def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    state.begin(request, user, getattr(request, "signin_method", "password"))


def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    sid = request.session.get(state.SID)
    if isinstance(sid, int):
        services.end_session(sid, "logout")


def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    ip = state.client_ip(request) if request is not None else None
    services.login_event(None, username, "login failed", {"ip_address": ip})


def _locked_out(sender: Any, request: HttpRequest | None, username: str | None = None, ip_address: str | None = None,
                **kwargs: Any) -> None:  # fmt: skip
    services.login_event(None, str(username or "")[:150], "login locked out", {"ip_address": ip_address})


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="otcsms.signin.logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="otcsms.signin.logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="otcsms.signin.login_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="otcsms.signin.locked_out")
