"""Session policy for signed-in browser sessions: timeouts, revocation, the MFA gate, re-authentication.

Placed after Django's AuthenticationMiddleware. API requests with a bearer token carry no session user and pass
untouched (a token is its own factor). For a session it checks, in order:
1. the session has a record (opened by a login since this app exists) that is not ended (revoked);
2. the absolute timeout (from sign-in) and the idle timeout (from the last request) have not run out;
3. while the session has not passed its MFA step (``state.gate``), only that step's pages answer;
4. a sensitive action (``SENSITIVE``) needs a recent authentication (``SIGNIN_REAUTH_MINUTES``), and creating
   an API token a session that passed MFA when MFA applies to the user.
A session that fails 1 or 2 is signed out: a page redirects to the login page, an API call gets 401.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone

from otcsms.core.http import authed
from otcsms.signin import services, state
from otcsms.signin.models import SigninSession

# Pages a session may reach before its MFA step is done. While it must pass a factor it has ("verify"), only
# that step: adding a factor there would let a password alone add one and pass. While it must enrol one.
VERIFY_PAGES = frozenset(
    {"web:logout", "web:signin_verify", "web:signin_key_login_options", "web:signin_key_login"}
)
ENROL_PAGES = frozenset({
    "web:logout", "web:signin_enrol", "web:signin_security", "web:signin_totp", "web:signin_key_options",
    "web:signin_key_add",
})  # fmt: skip
GATE_PAGES = {"verify": VERIFY_PAGES, "enrol": ENROL_PAGES}

# Sensitive actions: (page url name, methods) and (API method, path pattern). "*" is every method.
SENSITIVE_PAGES: dict[str, frozenset[str]] = {
    "web:tokens": frozenset({"POST"}),
    "web:users": frozenset({"POST"}),
    "web:membership_create": frozenset({"*"}),
    "web:membership_update": frozenset({"*"}),
    "web:membership_delete": frozenset({"*"}),
    "web:signin_remove": frozenset({"*"}),
    "web:signin_policy": frozenset({"POST"}),
    "web:signin_recovery": frozenset({"POST"}),
    # approvals (a document version's approval asks for the password itself: an e-signature, evidence app)
    "web:scope_approve": frozenset({"POST"}),
    "web:access_review_sign_off": frozenset({"POST"}),
}
SENSITIVE_API: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = (
    (frozenset({"POST"}), re.compile(r"^/api/v1/tokens/?$")),
    (frozenset({"POST", "PUT", "PATCH", "DELETE"}), re.compile(r"^/api/v1/memberships(/.*)?$")),
    (frozenset({"PUT", "PATCH"}), re.compile(r"^/api/v1/mfa-policy/?$")),
    (frozenset({"DELETE"}), re.compile(r"^/api/v1/mfa/devices/.*$")),
    (frozenset({"POST"}), re.compile(r"^/api/v1/scope-statements/[^/]+/approve/?$")),
    (frozenset({"POST"}), re.compile(r"^/api/v1/access-reviews/[^/]+/sign-off/?$")),
)
TOKEN_PAGES = (("web:tokens", "POST"),)
TOKEN_API = re.compile(r"^/api/v1/tokens/?$")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _ended(request: HttpRequest, why: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": f"the session has ended ({why}): sign in again"}, status=401)
    query = urlencode({"next": request.get_full_path()[:500], "ended": why})
    return HttpResponseRedirect(f"{settings.LOGIN_URL}?{query}")


class SigninMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        problem = self._check(request)
        if problem is not None:
            logout(request)
            return _ended(request, problem)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> str | None:
        session = request.session
        sid, started, seen = session.get(state.SID), session.get(state.STARTED), session.get(state.SEEN)
        if (
            not isinstance(sid, int)
            or not isinstance(started, int | float)
            or not isinstance(seen, int | float)
        ):
            return "no sign-in record"
        now = time.time()
        if now - started > state.absolute_seconds():
            services.end_session(sid, SigninSession.End.ABSOLUTE)
            return "absolute timeout"
        if now - seen > state.idle_seconds():
            services.end_session(sid, SigninSession.End.IDLE)
            return "idle timeout"
        if not SigninSession.objects.filter(
            pk=sid, user_id=authed(request).user.pk, ended_at__isnull=True
        ).exists():
            return "revoked"
        if now - seen >= state.SEEN_EVERY:
            session[state.SEEN] = now
            SigninSession.objects.filter(pk=sid).update(last_seen_at=timezone.now())
        return None

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        gate = state.gate(request)
        if gate is not None and name not in GATE_PAGES[gate]:
            if _is_api(request):
                return JsonResponse({"detail": f"finish signing in first: MFA {gate} at /accounts/login/verify/"},
                                    status=403)  # fmt: skip
            target = reverse("web:signin_verify" if gate == "verify" else "web:signin_enrol")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()[:500]})}")
        if not self._sensitive(request, name):
            return None
        if (
            self._token_creation(request, name)
            and not state.session_passed_mfa(request)
            and (
                state.expects_mfa(request)
                or services.has_mfa(authed(request).user)
                or services.mfa_required(authed(request).user)
            )
        ):
            detail = (
                "creating an API token needs a session that passed MFA: sign in again with your second factor"
            )
            if _is_api(request):
                return JsonResponse({"detail": detail}, status=403)
            return HttpResponseRedirect(f"{reverse('web:signin_reauth')}?{urlencode({'next': request.path})}")
        if state.recently_authenticated(request):
            return None
        minutes = state.reauth_seconds() // 60
        if _is_api(request):
            return JsonResponse(
                {"detail": f"this action needs a sign-in within the last {minutes} minutes: re-authenticate at "
                           f"{reverse('web:signin_reauth')}"}, status=403,
            )  # fmt: skip
        back = request.get_full_path() if request.method == "GET" else request.path
        return HttpResponseRedirect(f"{reverse('web:signin_reauth')}?{urlencode({'next': back[:500]})}")

    @staticmethod
    def _sensitive(request: HttpRequest, name: str) -> bool:
        method = request.method or "GET"
        if _is_api(request):
            return any(
                method in methods and pattern.match(request.path) for methods, pattern in SENSITIVE_API
            )
        methods = SENSITIVE_PAGES.get(name)
        return methods is not None and ("*" in methods or method in methods)

    @staticmethod
    def _token_creation(request: HttpRequest, name: str) -> bool:
        if _is_api(request):
            return request.method == "POST" and bool(TOKEN_API.match(request.path))
        return (name, request.method) in TOKEN_PAGES
