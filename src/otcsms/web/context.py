"""Navigation shown on every page: the capabilities the apps registered, and the site switcher."""

from __future__ import annotations

from django.http import HttpRequest

from otcsms.core import registry
from otcsms.ui.sites import current_site_id, switchable_sites


def nav_items(user) -> list[tuple[str, str]]:
    """(label, url name) of every registered entry this user may see, in order (core.registry.NavEntry)."""
    return [
        (e.label, e.url_name) for e in registry.navigation() if user.is_org_admin or not e.org_admins_only
    ]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": nav_items(user),
        "switch_sites": switchable_sites(user),
        "current_site_id": current_site_id(request),
    }
