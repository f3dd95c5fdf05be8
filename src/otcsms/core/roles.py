"""Site roles and what each may do. One table, read by the scoping helper and by every permission check."""

from __future__ import annotations

from typing import Literal

from django.db import models

Action = Literal["view", "change", "approve", "admin", "audit"]


class SiteRole(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    CONTRIBUTOR = "contributor", "Contributor"
    APPROVER = "approver", "Approver"
    SITE_ADMIN = "site-admin", "Site admin"
    AUDITOR = "auditor", "Auditor"


ROLES_ALLOWED: dict[str, frozenset[str]] = {
    "view": frozenset(SiteRole.values),
    "change": frozenset({SiteRole.CONTRIBUTOR, SiteRole.APPROVER, SiteRole.SITE_ADMIN}),
    "approve": frozenset({SiteRole.APPROVER, SiteRole.SITE_ADMIN}),
    "admin": frozenset({SiteRole.SITE_ADMIN}),
    "audit": frozenset({SiteRole.AUDITOR, SiteRole.SITE_ADMIN}),
}


def roles_for(action: Action) -> frozenset[str]:
    try:
        return ROLES_ALLOWED[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}") from None
