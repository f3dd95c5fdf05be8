"""Sign-in workflows: the MFA policy, second factors (enrol, verify, remove), session records, login events.

Plain values in, model instances out; the views hand in what they read from the request. Every write runs in
one transaction with its audit event (core.audit), the actor being the signed-in user, or the anonymous actor
for a failed login.
"""

from __future__ import annotations

import json
import time
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from otcsms.core.audit import append_event
from otcsms.core.models import User
from otcsms.core.roles import SiteRole
from otcsms.core.scoping import memberships
from otcsms.signin.models import (
    MfaPolicy,
    RecoveryCodes,
    Requirement,
    SecondFactor,
    SecurityKey,
    SigninSession,
    TotpDevice,
)

ADMIN_ROLES = frozenset({SiteRole.SITE_ADMIN, SiteRole.APPROVER})


class SigninError(ValueError):
    """A refused sign-in step, with the one-line reason shown to the user."""


# --- policy ------------------------------------------------------------------------------------------------


def mfa_required(user: User, policy: MfaPolicy | None = None) -> bool:
    """Whether the organisation's policy requires ``user`` to use a second factor."""
    policy = policy or MfaPolicy.current()
    if policy.required_for == Requirement.EVERYONE:
        return True
    if policy.required_for == Requirement.ADMINS:
        if user.is_org_admin:
            return True
        return memberships().filter(user_id=user.pk, role__in=ADMIN_ROLES).exists()
    return False


def set_policy(required_for: str, reason: str = "") -> MfaPolicy:
    """Change the organisation's MFA policy (an org admin's decision: the caller checks who asks)."""
    if required_for not in Requirement.values:
        raise SigninError(f"required_for must be one of {', '.join(Requirement.values)}")
    with transaction.atomic():
        policy = MfaPolicy.objects.select_for_update().order_by("pk").first() or MfaPolicy()
        if policy.pk is not None and policy.required_for == required_for:
            return policy
        policy.required_for = required_for
        policy.updated_at = timezone.now()
        policy._audit_reason = reason
        policy.save()
    return policy


# --- second factors ----------------------------------------------------------------------------------------


def factors(user: User) -> list[SecondFactor]:
    """Every confirmed second factor of ``user``, recovery codes included."""
    found: list[SecondFactor] = []
    for model in (TotpDevice, SecurityKey, RecoveryCodes):
        found.extend(model.objects.filter(user=user, confirmed=True))
    return found


def has_mfa(user: User) -> bool:
    """Whether ``user`` has an authenticator app or a security key (recovery codes alone do not count)."""
    return (
        TotpDevice.objects.filter(user=user, confirmed=True).exists()
        or SecurityKey.objects.filter(user=user, confirmed=True).exists()
    )


def otpauth_uri(user: User, key: bytes, issuer: str = "otcsms") -> str:
    """The key as an ``otpauth://`` link (what a QR code would hold): 6 digits, 30 s steps."""
    secret = b32encode(key).decode("ascii").rstrip("=")
    label = quote(f"{issuer}:{user.get_username()}")
    query = urlencode({"secret": secret, "issuer": issuer, "digits": 6, "period": 30})
    return f"otpauth://totp/{label}?{query}"


def add_totp(user: User, key: bytes, code: str, name: str = "", at: float | None = None) -> TotpDevice | None:
    """Enrol an authenticator app holding ``key`` once the user typed a code it computed (which proves the app
    has the key); None if the code is not right. The code's time step counts as used: it cannot sign in."""
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = TOTP(key, 30, 0, 6, 0)
    totp.time = time.time() if at is None else at
    if not totp.verify(int(code), 1):
        return None
    device = TotpDevice(user=user, name=(name.strip() or "Authenticator app")[:64], confirmed=True)
    device.set_key(key)
    device.last_t, device.drift = totp.t(), totp.drift
    device._audit_reason = "MFA enrolment: authenticator app"
    with transaction.atomic():
        device.save()
    return device


def verify_totp(device: TotpDevice, code: str, at: float | None = None) -> bool:
    """Whether ``code`` is the device's current code and has not been used before. A code is accepted once:
    the time step of the last accepted code is kept and no code of that step or an earlier one is accepted
    again (a replayed code is refused). Wrong codes are throttled by django-otp (1, 2, 4, ... seconds)."""
    code = code.strip().replace(" ", "")
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            return False
        ok = False
        if code.isascii() and code.isdigit() and len(code) == device.digits:
            totp = TOTP(device.bin_key, device.step, 0, device.digits, device.drift)
            totp.time = time.time() if at is None else at
            ok = totp.verify(int(code), device.tolerance, device.last_t + 1)
        if ok:
            device.last_t = totp.t()
            device.drift = totp.drift
            device.throttle_reset(commit=False)
            device.set_last_used_timestamp(commit=False)
            device.save()
        else:
            device.throttle_increment(commit=True)
    return ok


def new_recovery_codes(user: User) -> list[str]:
    """Replace ``user``'s recovery codes with ten new ones, returned once, stored as digests."""
    codes = RecoveryCodes.new_codes()
    with transaction.atomic():
        current = RecoveryCodes.objects.select_for_update().filter(user=user).first()
        if current is None:
            current = RecoveryCodes(user=user, name="Recovery codes")
            current._audit_reason = "MFA enrolment: recovery codes"
        else:
            current._audit_reason = "recovery codes replaced"
        current.digests = [RecoveryCodes.digest(c) for c in codes]
        current.confirmed = True
        current.save()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Accept one of ``user``'s recovery codes, once."""
    if not code or len(code) > 40:
        return False
    digest = RecoveryCodes.digest(code)
    with transaction.atomic():
        codes = RecoveryCodes.objects.select_for_update().filter(user=user, confirmed=True).first()
        if codes is None:
            return False
        allowed, _why = codes.verify_is_allowed()
        if not allowed:
            return False
        if digest not in codes.digests:
            codes.throttle_increment(commit=True)
            return False
        codes.digests = [d for d in codes.digests if d != digest]
        codes.throttle_reset(commit=False)
        codes.set_last_used_timestamp(commit=False)
        codes._audit_reason = f"recovery code used ({len(codes.digests)} left)"
        codes.save()
    return True


def remove_factor(device: SecondFactor, reason: str = "") -> None:
    """Remove a second factor (audited: MFA removal). Removing the last app or key also removes the codes; a
    user the policy requires MFA of keeps at least one app or key."""
    strong = [f for f in factors(device.user) if f.kind in ("totp", "webauthn")]
    if device.kind != "recovery" and len(strong) <= 1 and mfa_required(device.user):
        raise SigninError(
            "the organisation requires MFA for you: add another factor before removing this one"
        )
    with transaction.atomic():
        device._audit_reason = reason or f"MFA removal: {device._meta.verbose_name}"
        device.delete()
        if not isinstance(device, RecoveryCodes) and not has_mfa(device.user):
            for codes in RecoveryCodes.objects.filter(user=device.user):
                codes._audit_reason = "MFA removal: no app or key left"
                codes.delete()


# --- WebAuthn (py_webauthn) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelyingParty:
    """Who the browser is talking to: the host name it was reached at (the RP ID) and its origin."""

    rp_id: str
    origin: str
    name: str = "otcsms"


def registration_options(user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """The options (JSON) for navigator.credentials.create and the challenge to keep in the session."""
    existing = [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(k.credential_id))
        for k in SecurityKey.objects.filter(user=user)
    ]
    options = generate_registration_options(
        rp_id=rp.rp_id, rp_name=rp.name, user_name=user.get_username(),
        user_id=f"otcsms-user-{user.pk}".encode(), exclude_credentials=existing,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.DISCOURAGED,
        ),
    )  # fmt: skip
    return options_to_json(options), options.challenge


def register_key(user: User, rp: RelyingParty, challenge: bytes, credential: Any, name: str) -> SecurityKey:
    """Verify the browser's answer to ``registration_options`` and enrol the key."""
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
        )  # fmt: skip
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SigninError(f"the security key's answer was not accepted: {str(exc)[:200]}") from None
    transports = credential.get("response", {}).get("transports", []) if isinstance(credential, dict) else []
    with transaction.atomic():
        key = SecurityKey(
            user=user, name=(name.strip() or "Security key")[:64],
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=bytes_to_base64url(verified.credential_public_key),
            sign_count=verified.sign_count, transports=",".join(str(t) for t in transports)[:200],
        )  # fmt: skip
        if SecurityKey.objects.filter(credential_id=key.credential_id).exists():
            raise SigninError("this security key is already enrolled")
        key._audit_reason = "MFA enrolment: security key"
        key.save()
    return key


def authentication_options(user: User, rp: RelyingParty) -> tuple[str, bytes]:
    allowed = [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(k.credential_id))
        for k in SecurityKey.objects.filter(user=user, confirmed=True)
    ]
    if not allowed:
        raise SigninError("no security key is enrolled for this account")
    options = generate_authentication_options(
        rp_id=rp.rp_id, allow_credentials=allowed, user_verification=UserVerificationRequirement.DISCOURAGED
    )
    return options_to_json(options), options.challenge


def verify_key(user: User, rp: RelyingParty, challenge: bytes, credential: Any) -> SecurityKey:
    """The enrolled key that signed ``challenge`` in ``credential``; its signature counter must move on."""
    raw_id = credential.get("rawId") or credential.get("id") if isinstance(credential, dict) else None
    if not isinstance(raw_id, str) or len(raw_id) > 1400:
        raise SigninError("the security key's answer names no credential")
    with transaction.atomic():
        key = (
            SecurityKey.objects.select_for_update()
            .filter(user=user, credential_id=raw_id, confirmed=True)
            .first()
        )
        if key is None:
            raise SigninError("this security key is not enrolled for this account")
        try:
            verified = verify_authentication_response(
                credential=credential, expected_challenge=challenge, expected_rp_id=rp.rp_id,
                expected_origin=rp.origin, credential_public_key=base64url_to_bytes(key.public_key),
                credential_current_sign_count=key.sign_count,
            )  # fmt: skip
        except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SigninError(f"the security key's answer was not accepted: {str(exc)[:200]}") from None
        key.sign_count = verified.new_sign_count
        key.set_last_used_timestamp(commit=False)
        key.save()
    return key


def parse_credential(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SigninError("the security key's answer is not JSON") from None
    if not isinstance(data, dict):
        raise SigninError("the security key's answer is not a JSON object")
    return data


# --- sessions and login events -----------------------------------------------------------------------------


def login_event(user: User | None, username: str, what: str, after: dict[str, Any] | None = None) -> None:
    """A login event in the audit trail (success, failure, lockout, MFA passed or failed, logout, revoke)."""
    with transaction.atomic():
        append_event(
            object_type="signin.login", object_id=str(user.pk) if user else username[:64],
            object_repr=f"{what}: {username}"[:200], site_id=None, action="create",
            before=None, after={"event": what, "username": username[:150], **(after or {})}, reason=what,
        )  # fmt: skip


def open_session(user: User, *, ip: str | None, user_agent: str, method: str) -> SigninSession:
    return SigninSession.objects.create(
        user=user, ip_address=ip, user_agent=user_agent[:200], method=method[:40]
    )


def end_session(record_id: int, reason: str, at: datetime | None = None) -> bool:
    """Mark a session ended (a no-op if it already was); True if this call ended it."""
    return bool(
        SigninSession.objects.filter(pk=record_id, ended_at__isnull=True).update(
            ended_at=at or timezone.now(), end_reason=reason
        )
    )


def active_sessions(user: User) -> list[SigninSession]:
    return list(SigninSession.objects.filter(user=user, ended_at__isnull=True))


def revoke_session(user: User, record_id: int) -> SigninSession:
    """End one of ``user``'s own sessions; its next request finds it ended and is signed out."""
    with transaction.atomic():
        record = SigninSession.objects.select_for_update().filter(user=user, pk=record_id).first()
        if record is None:
            raise SigninError(f"session {record_id} not found")
        if record.ended_at is None:
            record.ended_at, record.end_reason = timezone.now(), SigninSession.End.REVOKED
            record.save(update_fields=["ended_at", "end_reason"])
            append_event(
                object_type="signin.session", object_id=str(record.pk), object_repr=f"session of {user}"[:200],
                site_id=None, action="update", before={"ended_at": None},
                after={"ended_at": record.ended_at.isoformat(), "end_reason": "revoked",
                       "ip_address": record.ip_address, "user_agent": record.user_agent},
                reason="session revoked",
            )  # fmt: skip
    return record
