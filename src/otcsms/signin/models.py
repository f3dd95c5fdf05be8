"""MFA devices, the organisation's MFA policy and the record of each signed-in session.

The devices are django-otp devices (``django_otp.models.Device``: a user, a name, confirmed; its throttling of
wrong codes and its last-used time), so a later login step (LDAP, SSO) sees one kind of "second factor".
A TOTP key is stored encrypted with the instance's key (``core.secretbox``), never in clear; recovery codes
only as keyed digests; a security key's public key is public.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from otcsms.core import secretbox
from otcsms.core.models import Audited, AuditedQuerySet, OrgWide
from otcsms.core.scoping import AnyUser

TOTP_PURPOSE = b"otcsms.signin totp keys v1"
RECOVERY_PURPOSE = b"otcsms.signin recovery codes hmac-sha256 v1"


class Requirement(models.TextChoices):
    NOBODY = "nobody", "Nobody (MFA optional)"
    ADMINS = "admins", "Org admins, site admins and approvers"
    EVERYONE = "everyone", "Everyone"


class MfaPolicy(OrgWide):
    """The organisation's MFA policy: one row (``current()``), changed by organisation admins."""

    required_for = models.CharField(max_length=10, choices=Requirement.choices, default=Requirement.NOBODY)
    updated_at = models.DateTimeField(default=timezone.now)

    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset({"updated_at"})

    class Meta:
        ordering = ["pk"]
        verbose_name = "MFA policy"
        verbose_name_plural = "MFA policy"

    def __str__(self) -> str:
        return f"MFA required for: {self.get_required_for_display()}"

    def audit_site_id(self) -> int | None:
        return None

    @classmethod
    def current(cls) -> MfaPolicy:
        """The policy in force; an unsaved default (nobody) when none was ever set."""
        return cls.objects.order_by("pk").first() or cls(required_for=Requirement.NOBODY)


class OwnDevices(AuditedQuerySet[Any]):
    def for_user(self, user: AnyUser, action: str = "view") -> OwnDevices:
        """A user's own second factors: nobody else, org admins included, sees or names them."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(user_id=user.pk)


class SecondFactor(
    ThrottlingMixin, TimestampMixin, Device, Audited
):  # django-otp is untyped: its bases are Any
    """What every kind of second factor shares: django-otp's device, audited (enrolment and removal are events)."""

    created_at = models.DateTimeField(default=timezone.now)

    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset(
        {"throttling_failure_timestamp", "throttling_failure_count", "last_used_at", "created_at"}
    )
    objects: ClassVar = OwnDevices.as_manager()
    kind: ClassVar[str] = ""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    def audit_site_id(self) -> int | None:
        return None

    def get_throttle_factor(self) -> int:
        return 1


class TotpDevice(SecondFactor):
    """An authenticator app (RFC 6238: 6 digits, 30 s steps). The key is encrypted at rest."""

    encrypted_key = models.TextField()
    step = models.PositiveSmallIntegerField(default=30)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1, help_text="Steps accepted either side of now.")
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(
        default=-1, help_text="The time step of the last code accepted: never again."
    )

    audit_ignore_fields = SecondFactor.audit_ignore_fields | {"drift", "last_t"}
    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"encrypted_key"})
    kind = "totp"

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "authenticator app"

    @classmethod
    def new_key(cls) -> bytes:
        return secrets.token_bytes(20)

    def set_key(self, key: bytes) -> None:
        self.encrypted_key = secretbox.encrypt(key, TOTP_PURPOSE)

    @property
    def bin_key(self) -> bytes:
        return secretbox.decrypt(self.encrypted_key, TOTP_PURPOSE, "a TOTP key")


class SecurityKey(SecondFactor):
    """A WebAuthn credential (a security key or a platform authenticator)."""

    credential_id = models.CharField(max_length=1400, unique=True, help_text="base64url")
    public_key = models.TextField(help_text="COSE public key, base64url")
    sign_count = models.BigIntegerField(default=0)
    transports = models.CharField(max_length=200, blank=True)

    audit_ignore_fields = SecondFactor.audit_ignore_fields | {"sign_count"}
    kind = "webauthn"

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "security key"


class RecoveryCodes(SecondFactor):
    """Ten single-use codes for when the other factors are lost. Only keyed digests are stored."""

    digests = models.JSONField(default=list, help_text="Keyed digests of the codes not used yet.")

    audit_ignore_fields = SecondFactor.audit_ignore_fields
    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"digests"})
    kind = "recovery"
    COUNT: ClassVar[int] = 10

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "recovery codes"

    @staticmethod
    def digest(code: str) -> str:
        normal = code.replace("-", "").replace(" ", "").lower()
        return hmac.new(secretbox.derive(RECOVERY_PURPOSE), normal.encode(), hashlib.sha256).hexdigest()

    @classmethod
    def new_codes(cls) -> list[str]:
        # 50 bits each, in base32 without look-alikes: xxxxx-xxxxx
        alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
        codes = []
        for _ in range(cls.COUNT):
            raw = "".join(secrets.choice(alphabet) for _ in range(10))
            codes.append(f"{raw[:5]}-{raw[5:]}")
        return codes

    @property
    def remaining(self) -> int:
        return len(self.digests)


class SigninSession(models.Model):
    """One signed-in browser session, for the list of a user's sessions and their revocation.

    The session itself stays in Django's session store; this row is found from the session (its id is kept in
    the session's data), so a session key is never stored here. Not an audited model: the login, logout,
    expiry and revocation events are written to the trail by the views that cause them.
    """

    class End(models.TextChoices):
        LOGOUT = "logout", "signed out"
        IDLE = "idle", "idle timeout"
        ABSOLUTE = "absolute", "absolute timeout"
        REVOKED = "revoked", "revoked"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=40, blank=True, help_text="How it was opened: password, sso, ...")
    mfa = models.CharField(max_length=20, blank=True, help_text="The second factor it passed, if any.")
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=End.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"session {self.pk} of {self.user_id}"
