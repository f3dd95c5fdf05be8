"""C6 Access-control governance: systems, the accounts on them, access grants, access reviews.

Every row is site-owned and audited: each grant, change, revocation and account change is an event of the audit
trail, written in the same transaction by the platform (core.audit). The access-change log (``access.changelog``)
reads those events back; nothing here writes a log of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from otcsms.core.models import SiteOwned
from otcsms.core.siterules import refuse_site_move
from otcsms.org.models import Person
from otcsms.people.services import readiness
from otcsms.plant.models import Asset, Zone

DEFAULT_REVOCATION_LIMIT_HOURS = 24  # NERC CIP-004-7 R5.1
DEFAULT_DORMANT_DAYS = 90
MIN_EXCEPTION_CHARS = 10


class Privilege(models.TextChoices):
    VIEW = "view", "View"
    OPERATE = "operate", "Operate"
    ENGINEER = "engineer", "Engineer / configure"
    ADMINISTER = "administer", "Administer"


class AccessPolicy(SiteOwned):
    """A site's limits for access governance (one per site; a site without one uses the defaults)."""

    revocation_limit_hours = models.PositiveIntegerField(
        default=DEFAULT_REVOCATION_LIMIT_HOURS, validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text="How long after a termination every grant must be revoked (NERC CIP-004 R5.1: 24 hours).",
    )  # fmt: skip
    dormant_days = models.PositiveIntegerField(
        default=DEFAULT_DORMANT_DAYS, validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="An enabled account not used for this many days is reported as dormant.",
    )  # fmt: skip

    class Meta:
        ordering = ["site__name"]
        verbose_name = "access policy"
        verbose_name_plural = "access policies"
        constraints = [models.UniqueConstraint(fields=["site"], name="one_access_policy_per_site")]

    def __str__(self) -> str:
        return f"access policy of {self.site}"

    def clean(self) -> None:
        refuse_site_move(self)


class AccessSystem(SiteOwned):
    """Something people hold access to: an HMI/SCADA server, a PLC, a historian, a domain, a jump host, a
    firewall, or a physical area (a control room, a substation yard)."""

    class Kind(models.TextChoices):
        HMI_SCADA = "hmi-scada", "HMI / SCADA server"
        CONTROLLER = "controller", "PLC / RTU / controller"
        HISTORIAN = "historian", "Historian"
        DOMAIN = "domain", "Directory domain"
        JUMP_HOST = "jump-host", "Jump host / remote access"
        FIREWALL = "firewall", "Firewall / network device"
        WORKSTATION = "workstation", "Engineering workstation"
        PHYSICAL = "physical", "Physical area"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The system owner: reviews the grants on it in access reviews.",
    )  # fmt: skip
    description = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["name"]
        verbose_name = "access system"
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="access_system_name_per_site")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        refuse_site_move(self)
        errors: dict[str, str] = {}
        for name in ("asset", "zone"):
            other = getattr(self, name) if getattr(self, f"{name}_id") else None
            if other is not None and self.site_id and other.site_id != self.site_id:
                errors[name] = f"{name} {other} belongs to another site"
        owner = self.owner if self.owner_id else None
        if owner is not None and self.site_id and owner.site_id not in (None, self.site_id):
            errors["owner"] = "this person belongs to another site"
        if errors:
            raise ValidationError(errors)


def _site_of_system(data: Mapping[str, Any]) -> int | None:
    """The site a new account or grant will have: its system's (the payload names only the system)."""
    system_id = data.get("system_id")
    if not isinstance(system_id, int):
        return None
    site_id: int | None = AccessSystem.objects.filter(pk=system_id).values_list("site_id", flat=True).first()
    return site_id


def _same_site(obj: SiteOwned, system: AccessSystem | None, person: Person | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if system is not None and obj.site_id and system.site_id != obj.site_id:
        errors["system"] = f"system {system} belongs to another site"
    if person is not None and obj.site_id and person.site_id not in (None, obj.site_id):
        errors["person"] = "this person belongs to another site"
    return errors


class Account(SiteOwned):
    """An account on a system, as its export (or a person) says it exists."""

    class Kind(models.TextChoices):
        HUMAN = "human", "Human (personal)"
        SERVICE = "service", "Service"
        SHARED = "shared", "Shared"
        VENDOR_REMOTE = "vendor-remote", "Vendor / remote"
        EMERGENCY = "emergency", "Emergency / break-glass"

    class Auth(models.TextChoices):
        LOCAL_PASSWORD = "local-password", "Local password"
        DIRECTORY = "directory", "Directory (AD/LDAP)"
        MFA = "mfa", "Multi-factor"
        CERTIFICATE = "certificate", "Certificate"
        NONE = "none", "None"

    class Status(models.TextChoices):
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Disabled"
        REMOVED = "removed", "Removed (no longer in the system's export)"

    system = models.ForeignKey(AccessSystem, on_delete=models.PROTECT, related_name="accounts")
    username = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HUMAN)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Who is accountable for the account (required for shared, service and emergency accounts).",
    )  # fmt: skip
    auth = models.CharField("authentication", max_length=20, choices=Auth.choices, blank=True)
    privilege = models.CharField(max_length=12, choices=Privilege.choices, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENABLED)
    last_logon = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["system__name", "username"]
        constraints = [models.UniqueConstraint(fields=["system", "username"], name="account_once_per_system")]

    def __str__(self) -> str:
        return f"{self.username} on {self.system}"

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        return _site_of_system(data)

    def clean(self) -> None:
        refuse_site_move(self)
        errors = _same_site(
            self, self.system if self.system_id else None, self.person if self.person_id else None
        )
        if self.kind in (self.Kind.SHARED, self.Kind.SERVICE) and not self.person_id:
            errors["person"] = f"a {self.kind} account needs a person accountable for it"
        if errors:
            raise ValidationError(errors)


class AccessGrant(SiteOwned):
    """An authorisation: a person may hold ``privilege`` on a system, electronically or physically.

    Approved by someone other than the requester and the grantee (four eyes). Never deleted: revoked, with the
    time of revocation; when revoked for a termination, the termination's time is kept to measure the delay.
    """

    class AccessType(models.TextChoices):
        ELECTRONIC = "electronic", "Electronic"
        PHYSICAL = "physical", "Physical (unescorted)"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REVOKED = "revoked", "Revoked"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(AccessSystem, on_delete=models.PROTECT, related_name="grants")
    privilege = models.CharField(max_length=12, choices=Privilege.choices)
    access_type = models.CharField(max_length=10, choices=AccessType.choices, default=AccessType.ELECTRONIC)
    justification = models.TextField(max_length=2000)
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(default=timezone.localdate)
    expires_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=500, blank=True)
    terminated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person's termination took effect, if revoked for it."
    )
    prerequisites = models.CharField(
        max_length=500, blank=True,
        help_text="Anything this access needs beyond the readiness rule (e.g. 'vendor NDA on file'). Training "
        "and screening are checked when the grant is made (docs/people.md).",
    )  # fmt: skip
    prerequisite_exception = models.TextField(
        max_length=1000, blank=True,
        help_text="Why the access is granted although the person is not ready (missing or expired training or "
        "screening): a documented exception, accepted by the approver. Empty: the person must be ready.",
    )  # fmt: skip

    class Meta:
        ordering = ["system__name", "person__name", "pk"]
        verbose_name = "access grant"
        indexes = [models.Index(fields=["site", "status"], name="access_grant_site_status")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requested_by=models.F("approved_by")), name="grant_approver_is_not_requester"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.privilege} on {self.system}"

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        return _site_of_system(data)

    def clean(self) -> None:
        refuse_site_move(self)
        errors = _same_site(
            self, self.system if self.system_id else None, self.person if self.person_id else None
        )
        if self.requested_by_id and self.requested_by_id == self.approved_by_id:
            errors["approved_by"] = "the approver must be someone other than the requester"
        elif self.approved_by_id and self.approved_by_id == self.person_id:
            errors["approved_by"] = "nobody approves their own access"
        if self.starts_on and self.expires_on and self.expires_on < self.starts_on:
            errors["expires_on"] = "expires before it starts"
        if not errors and self._state.adding:
            refusal = self.prerequisite_refusal()
            if refusal:
                errors["person"] = refusal
        if errors:
            raise ValidationError(errors)

    def prerequisite_refusal(self) -> str:
        """Why a new grant is refused: the person is not ready for the privilege at the system's site (the
        readiness rule of ``people``), and no documented exception says why it is granted anyway."""
        if not (self.person_id and self.system_id and self.privilege) or self.status != self.Status.ACTIVE:
            return ""
        exception = self.prerequisite_exception.strip()
        if exception and len(exception) >= MIN_EXCEPTION_CHARS:
            return ""
        result = readiness(self.person, self.system.site, self.privilege)
        if result.ready:
            return ""
        more = (f" (the exception must say why, in at least {MIN_EXCEPTION_CHARS} characters)" if exception
                else "")  # fmt: skip
        return (f"{self.person} is not ready for {self.privilege} access at {self.system.site}: {result.reason()}. "
                f"Complete the training and screening first, or record a documented exception{more}")[:1000]  # fmt: skip

    def in_force(self, today: date | None = None) -> bool:
        day = today or timezone.localdate()
        return self.status == self.Status.ACTIVE and (self.expires_on is None or self.expires_on >= day)

    def revocation_delay_hours(self) -> float | None:
        if self.revoked_at is None or self.terminated_at is None:
            return None
        return max(0.0, (self.revoked_at - self.terminated_at).total_seconds() / 3600)


class ReviewCampaign(SiteOwned):
    """A periodic access review of a site: every grant in force goes to its reviewer, who confirms or revokes."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SIGNED_OFF = "signed-off", "Signed off"

    class Routing(models.TextChoices):
        MANAGER = "manager", "The grantee's manager, else the system owner"
        OWNER = "owner", "The system owner"

    title = models.CharField(max_length=200)
    routing = models.CharField(
        "reviewers", max_length=8, choices=Routing.choices, default=Routing.MANAGER,
        help_text="Who reviews each grant. Anyone without a login or a role at the site is passed over; the "
        "review's creator takes what nobody else can.",
    )  # fmt: skip
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-period_end", "title"]
        verbose_name = "access review"
        constraints = [models.UniqueConstraint(fields=["site", "title"], name="access_review_title_per_site")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        refuse_site_move(self)
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": "ends before it starts"})


class ReviewItem(SiteOwned):
    """One grant under review: its reviewer's decision (confirm or revoke) with a comment."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"
        CONFIRMED = "confirmed", "Confirmed"
        REVOKED = "revoked", "Revoked"

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.PROTECT, related_name="items")
    grant = models.ForeignKey(AccessGrant, on_delete=models.PROTECT, related_name="review_items")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    comment = models.CharField(max_length=1000, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["campaign_id", "grant__system__name", "grant__person__name", "pk"]
        verbose_name = "access review item"
        constraints = [models.UniqueConstraint(fields=["campaign", "grant"], name="grant_once_per_review")]

    def __str__(self) -> str:
        return f"review of {self.grant}"

    def clean(self) -> None:
        refuse_site_move(self)


class AccountImport(SiteOwned):
    """One account export imported for a system: what the file held and what the import changed."""

    system = models.ForeignKey(AccessSystem, on_delete=models.PROTECT, related_name="imports")
    filename = models.CharField(max_length=200)
    format = models.CharField(max_length=8)
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = "account import"

    def __str__(self) -> str:
        return f"{self.filename} into {self.system}"


class ReviewReminder(SiteOwned):
    """A reminder to a reviewer that grants of a review wait for them: at most one per reviewer, review and day
    (a database constraint, so two workers cannot both send it). Sent by e-mail when the instance has e-mail
    configured and the reviewer an address; shown in the app either way."""

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail and in the app"
        IN_APP = "in-app", "In the app"

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="reminders")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    pending = models.PositiveIntegerField(help_text="Grants waiting for the reviewer when reminded.")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.IN_APP)
    created_at = models.DateTimeField(default=timezone.now)
    email_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = "access review reminder"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "reviewer", "day"], name="access_one_reminder_a_day")
        ]

    def __str__(self) -> str:
        return f"reminder of {self.campaign}: {self.pending} grants on {self.day:%Y-%m-%d}"


class EvidenceExport(SiteOwned):
    """One part of a review's record stored as a version of an evidence document (``access.evidence``)."""

    class Part(models.TextChoices):
        REVIEW = "review", "Access review record"
        CHANGES = "changes", "Access-change log"
        RECONCILIATION = "reconciliation", "Reconciliation report"

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.PROTECT, related_name="evidence_exports")
    part = models.CharField(max_length=16, choices=Part.choices)
    document = models.ForeignKey("evidence.Document", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey("evidence.DocumentVersion", on_delete=models.PROTECT, related_name="+")
    requirements = models.JSONField(default=list, help_text="[framework key, requirement id] pairs linked.")
    exported_at = models.DateTimeField(default=timezone.now)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-exported_at", "-pk"]
        verbose_name = "access evidence export"

    def __str__(self) -> str:
        return f"{self.get_part_display()} of {self.campaign} as evidence"
