"""Sign-in pages: login and the MFA step, enrolment, the user's factors and sessions, re-authentication, and
the organisation's MFA policy."""

from __future__ import annotations

import contextlib
from base64 import b32encode
from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from otcsms.core import secretbox
from otcsms.core.http import AuthedRequest
from otcsms.core.secretbox import SecretUnreadable
from otcsms.signin import services, state
from otcsms.signin.models import (
    TOTP_PURPOSE,
    MfaPolicy,
    RecoveryCodes,
    Requirement,
    SecondFactor,
    SecurityKey,
    TotpDevice,
)

PENDING_TOTP = "signin.pending_totp"
CHALLENGE = "signin.webauthn_challenge"


def _next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only (never a view name for redirect(), never another host).
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    if target.startswith("/") and not target.startswith("//") and allowed:
        return target
    return default


def relying_party(request: HttpRequest) -> services.RelyingParty:
    from django.conf import settings

    host = request.get_host()
    rp_id = getattr(settings, "WEBAUTHN_RP_ID", "") or host.rsplit(":", 1)[0].strip("[]")
    return services.RelyingParty(rp_id=rp_id, origin=f"{request.scheme}://{host}")


# --- login, logout and the MFA step --------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        gate = state.gate(self.request)
        services.login_event(user, user.get_username(), "login", {
            "method": "password", "ip_address": state.client_ip(self.request),
            "mfa_step": gate or "none", "session": self.request.session.get(state.SID),
        })  # fmt: skip
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ended = self.request.GET.get("ended", "")
        ctx["ended"] = (
            ended if ended in ("idle timeout", "absolute timeout", "revoked", "no sign-in record") else ""
        )
        ctx["policy"] = MfaPolicy.current()
        return ctx


class LogoutView(auth_views.LogoutView):
    pass


def _code_passes(user: Any, code: str) -> str | None:
    """The factor ``code`` passed for ``user`` ("totp" or "recovery"), or None."""
    code = code.strip()
    if not code or len(code) > 40:
        return None
    if code.replace(" ", "").isdigit() and len(code.replace(" ", "")) <= 8:
        for device in TotpDevice.objects.filter(user=user, confirmed=True):
            if services.verify_totp(device, code):
                return "totp"
        return None
    return "recovery" if services.use_recovery_code(user, code) else None


@login_required
def verify(request: AuthedRequest) -> HttpResponse:
    """The MFA step of a sign-in: a code from the authenticator app, a recovery code, or a security key."""
    if state.gate(request) != "verify":
        return HttpResponseRedirect(_next(request))
    error = ""
    if request.method == "POST":
        method = _code_passes(request.user, request.POST.get("code", ""))
        if method is not None:
            state.passed_mfa(request, method)
            services.login_event(request.user, request.user.get_username(), "MFA passed", {"factor": method})
            return HttpResponseRedirect(_next(request))
        services.login_event(request.user, request.user.get_username(), "MFA failed", {"factor": "code"})
        error = "That code was not accepted (wrong, already used, or too many tries: wait a few seconds)."
    return render(
        request,
        "signin/verify.html",
        _factor_context(request, error, "Second factor"),
        status=400 if error else 200,
    )


def _factor_context(request: AuthedRequest, error: str, title: str) -> dict[str, Any]:
    user = request.user
    return {
        "title": title, "error": error, "next": _next(request, ""),
        "has_totp": TotpDevice.objects.filter(user=user, confirmed=True).exists(),
        "has_keys": SecurityKey.objects.filter(user=user, confirmed=True).exists(),
        "has_recovery": RecoveryCodes.objects.filter(user=user, confirmed=True).exists(),
    }  # fmt: skip


@login_required
@require_POST
def key_login_options(request: AuthedRequest) -> HttpResponse:
    try:
        options, challenge = services.authentication_options(request.user, relying_party(request))
    except services.SigninError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    request.session[CHALLENGE] = challenge.hex()
    return HttpResponse(options, content_type="application/json")


@login_required
@require_POST
def key_login(request: AuthedRequest) -> HttpResponse:
    """A security key's answer: passes the MFA step of a sign-in, or re-authenticates."""
    challenge = request.session.pop(CHALLENGE, None)
    try:
        if not isinstance(challenge, str):
            raise services.SigninError("no security key challenge is pending: start again")
        credential = services.parse_credential(request.body)
        services.verify_key(request.user, relying_party(request), bytes.fromhex(challenge), credential)
    except services.SigninError as exc:
        services.login_event(request.user, request.user.get_username(), "MFA failed", {"factor": "webauthn"})
        return JsonResponse({"detail": str(exc)}, status=400)
    state.passed_mfa(request, "webauthn")
    services.login_event(request.user, request.user.get_username(), "MFA passed", {"factor": "webauthn"})
    return JsonResponse({"next": _next(request)})


@login_required
def reauth(request: AuthedRequest) -> HttpResponse:
    """Prove it is still you before a sensitive action: your second factor if you have one, else your password."""
    mfa = services.has_mfa(request.user)
    error = ""
    if request.method == "POST":
        if mfa:
            method = _code_passes(request.user, request.POST.get("code", ""))
            ok = method is not None
            if ok:
                state.passed_mfa(request, method or "")
        else:
            # Through the authentication backends, so django-axes counts wrong passwords here too.
            again = authenticate(
                request, username=request.user.get_username(), password=request.POST.get("password", "")
            )
            ok = again is not None and again.pk == request.user.pk
            if ok:
                state.reauthenticated(request)
        services.login_event(request.user, request.user.get_username(),
                             "re-authenticated" if ok else "re-authentication failed",
                             {"factor": "mfa" if mfa else "password"})  # fmt: skip
        if ok:
            return HttpResponseRedirect(_next(request))
        error = "Not accepted. Try again."
    ctx = _factor_context(request, error, "Confirm it is you")
    ctx["password"] = not mfa
    return render(request, "signin/reauth.html", ctx, status=400 if error else 200)


# --- enrolment and the user's factors ----------------------------------------------------------------------


@login_required
def enrol(request: AuthedRequest) -> HttpResponse:
    """Where a session lands when the policy requires MFA and the user has none yet."""
    if state.gate(request) != "enrol":
        return redirect("web:signin_security")
    return render(request, "signin/enrol.html", {"policy": MfaPolicy.current(), "next": _next(request, "")})


@login_required
def security(request: AuthedRequest) -> HttpResponse:
    user = request.user
    return render(request, "signin/security.html", {
        "totps": TotpDevice.objects.filter(user=user, confirmed=True),
        "keys": SecurityKey.objects.filter(user=user, confirmed=True),
        "recovery": RecoveryCodes.objects.filter(user=user, confirmed=True).first(),
        "required": services.mfa_required(user), "policy": MfaPolicy.current(),
        "session_mfa": request.session.get(state.MFA, ""),
    })  # fmt: skip


def _enrolled(request: AuthedRequest, method: str) -> list[str]:
    """After a first factor: the session counts as having passed MFA, and the user gets recovery codes once."""
    state.passed_mfa(request, method)
    if not RecoveryCodes.objects.filter(user=request.user).exists():
        return services.new_recovery_codes(request.user)
    return []


@login_required
def totp(request: AuthedRequest) -> HttpResponse:
    """Add an authenticator app: show a new key, then confirm it with a code the app computes."""
    error = ""
    # The key being set up waits in the session (encrypted, like a stored one) until a code confirms it.
    pending = request.session.get(PENDING_TOTP)
    key = None
    if isinstance(pending, str):
        with contextlib.suppress(SecretUnreadable):
            key = secretbox.decrypt(pending, TOTP_PURPOSE)
    if request.method == "POST" and key is not None:
        added = services.add_totp(
            request.user, key, request.POST.get("code", "")[:20], request.POST.get("name", "")[:64]
        )
        if added is not None:
            request.session.pop(PENDING_TOTP, None)
            codes = _enrolled(request, "totp")
            messages.success(request, "Authenticator app added.")
            if codes:
                return render(
                    request, "signin/recovery_codes.html", {"codes": codes, "next": _next(request, "")}
                )
            return HttpResponseRedirect(_next(request, "/account/security/"))
        error = "That code was not accepted: check the app's clock and type the current code."
    if key is None:
        key = TotpDevice.new_key()
        request.session[PENDING_TOTP] = secretbox.encrypt(key, TOTP_PURPOSE)
    secret = b32encode(key).decode("ascii").rstrip("=")
    return render(request, "signin/totp.html", {
        "secret": secret, "grouped": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "uri": services.otpauth_uri(request.user, key), "error": error, "next": _next(request, ""),
    }, status=400 if error else 200)  # fmt: skip


@login_required
@require_POST
def key_options(request: AuthedRequest) -> HttpResponse:
    options, challenge = services.registration_options(request.user, relying_party(request))
    request.session[CHALLENGE] = challenge.hex()
    return HttpResponse(options, content_type="application/json")


@login_required
@require_POST
def key_add(request: AuthedRequest) -> HttpResponse:
    challenge = request.session.pop(CHALLENGE, None)
    try:
        if not isinstance(challenge, str):
            raise services.SigninError("no security key challenge is pending: start again")
        credential = services.parse_credential(request.body)
        name = str(credential.pop("name", "") or "")[:64]
        services.register_key(
            request.user, relying_party(request), bytes.fromhex(challenge), credential, name
        )
    except services.SigninError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    codes = _enrolled(request, "webauthn")
    return JsonResponse({"next": _next(request, "/account/security/"), "recovery_codes": codes})


@login_required
@require_POST
def recovery(request: AuthedRequest) -> HttpResponse:
    if not services.has_mfa(request.user):
        messages.error(request, "Add an authenticator app or a security key first.")
        return redirect("web:signin_security")
    codes = services.new_recovery_codes(request.user)
    return render(request, "signin/recovery_codes.html", {"codes": codes, "next": ""})


KINDS: dict[str, type[SecondFactor]] = {
    "totp": TotpDevice,
    "webauthn": SecurityKey,
    "recovery": RecoveryCodes,
}


def own_factor(user: Any, kind: str, pk: int) -> SecondFactor:
    model = KINDS.get(kind)
    device = model.objects.filter(user=user, pk=pk).first() if model is not None else None
    if device is None:
        raise Http404("no such factor")
    return device


@login_required
def remove(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    device = own_factor(request.user, kind, pk)
    if request.method == "POST":
        try:
            services.remove_factor(device, reason=request.POST.get("reason", "")[:500])
        except services.SigninError as exc:
            messages.error(request, str(exc))
            return redirect("web:signin_security")
        messages.success(request, f"Removed {device.name}.")
        return redirect("web:signin_security")
    return render(request, "signin/remove.html", {"device": device})


# --- sessions ------------------------------------------------------------------------------------------------


@login_required
def sessions(request: AuthedRequest) -> HttpResponse:
    return render(request, "signin/sessions.html", {
        "sessions": services.active_sessions(request.user), "current": request.session.get(state.SID),
        "idle_minutes": state.idle_seconds() // 60, "absolute_hours": state.absolute_seconds() // 3600,
    })  # fmt: skip


@login_required
@require_POST
def revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        services.revoke_session(request.user, pk)
    except services.SigninError as exc:
        raise Http404(str(exc)) from None
    messages.success(request, "Session revoked: it is signed out at its next request.")
    return redirect("web:signin_sessions")


# --- policy --------------------------------------------------------------------------------------------------


@login_required
def policy(request: AuthedRequest) -> HttpResponse:
    if not request.user.is_org_admin:
        raise PermissionDenied("only organisation admins set the MFA policy")
    current = MfaPolicy.current()
    if request.method == "POST":
        choice = request.POST.get("required_for", "")
        try:
            with transaction.atomic():
                current = services.set_policy(choice, reason=request.POST.get("reason", "")[:500])
        except services.SigninError as exc:
            messages.error(request, str(exc))
            return render(request, "signin/policy.html", {"policy": current, "choices": Requirement.choices},
                          status=400)  # fmt: skip
        messages.success(request, f"{current}. It applies from each user's next sign-in.")
        return HttpResponseRedirect(request.path)
    return render(request, "signin/policy.html", {"policy": current, "choices": Requirement.choices})
