"""Directory (LDAP / Active Directory) sign-in: which directory group gives which role, and which local
accounts come from the directory.

Both are organisation administration: only organisation admins read or change the mappings; an account's link
to the directory is read by org admins and by its own user.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from otcsms.core.models import Audited, AuditedQuerySet
from otcsms.core.roles import SiteRole
from otcsms.core.scoping import AnyUser
from otcsms.directory.dn import BadDn, dn_key

ORG_ADMIN = "org-admin"
ROLE_CHOICES = [(ORG_ADMIN, "Organisation admin"), *SiteRole.choices]
# When several groups of one user map to one site, the strongest role wins (one role per user and site).
# A site admin also audits; between a contributor and an auditor, the contributor (it changes records).
ROLE_STRENGTH: dict[str, int] = {
    SiteRole.SITE_ADMIN: 5, SiteRole.APPROVER: 4, SiteRole.CONTRIBUTOR: 3, SiteRole.AUDITOR: 2, SiteRole.VIEWER: 1,
}  # fmt: skip


class OrgAdminsOnly(AuditedQuerySet[Any]):
    def for_user(self, user: AnyUser, action: str = "view") -> OrgAdminsOnly:
        if user.is_authenticated and user.is_active and user.is_org_admin:
            return self
        return self.none()


class GroupMapping(Audited):
    """Members of a directory group get a role on a site, or are organisation admins. Organisation data that
    only organisation admins read (not ``OrgWide``, whose rows every member reads) or write."""

    org_wide: ClassVar[bool] = True  # read by scoping.may_write: organisation admins write

    group_dn = models.CharField(
        "group DN", max_length=500,
        help_text="Distinguished name of the directory group, e.g. CN=Plant-A-Engineers,OU=Groups,DC=corp,DC=example",
    )  # fmt: skip
    dn_key = models.CharField(max_length=500, editable=False)
    site = models.ForeignKey(
        "tenancy.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        help_text="Empty for the organisation admin role.",
    )  # fmt: skip
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    note = models.CharField(max_length=200, blank=True)

    objects: ClassVar = OrgAdminsOnly.as_manager()

    class Meta:
        ordering = ["dn_key", "site__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["dn_key", "site"], name="directory_one_role_per_group_and_site"),
            models.UniqueConstraint(
                fields=["dn_key"],
                condition=Q(site__isnull=True),
                name="directory_one_org_admin_mapping_per_group",
            ),
        ]

    def __str__(self) -> str:
        where = "the organisation" if self.site_id is None else str(self.site)
        return f"{self.group_dn[:120]} -> {self.get_role_display()} of {where}"[:200]

    def clean(self) -> None:
        try:
            self.dn_key = dn_key(self.group_dn)
        except BadDn as exc:
            raise ValidationError({"group_dn": str(exc)}) from None
        self.group_dn = self.group_dn.strip()
        if self.role == ORG_ADMIN and self.site_id is not None:
            raise ValidationError(
                {"site": "the organisation admin role is for the whole organisation: no site"}
            )
        if self.role != ORG_ADMIN and self.site_id is None:
            raise ValidationError({"site": "a site role needs a site"})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.dn_key = dn_key(self.group_dn)
        super().save(*args, **kwargs)

    def audit_site_id(self) -> int | None:
        return None


class DirectoryAccountQuerySet(AuditedQuerySet[Any]):
    def for_user(self, user: AnyUser, action: str = "view") -> DirectoryAccountQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_org_admin:
            return self
        return self.filter(user_id=user.pk) if action == "view" else self.none()


class DirectoryAccount(Audited):
    """A local account made for (and kept in step with) a directory user; its password is unusable."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_account"
    )
    dn = models.CharField("DN", max_length=1000)
    dn_key = models.CharField(max_length=1000, unique=True)
    groups = models.JSONField(default=list, help_text="The groups the directory named at the last sign-in.")
    synced_at = models.DateTimeField(default=timezone.now)

    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset({"synced_at"})
    objects: ClassVar = DirectoryAccountQuerySet.as_manager()

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.dn[:150]})"

    def audit_site_id(self) -> int | None:
        return None
