"""The site switcher: the site the user is working on, kept in the session."""

from __future__ import annotations

from django.http import HttpRequest

from otcsms.tenancy.models import Site

SESSION_KEY = "otcsms_site_id"


def switchable_sites(user) -> list[Site]:
    return list(Site.objects.for_user(user).only("id", "name", "code"))


def current_site_id(request: HttpRequest) -> int | None:
    """The chosen site, if the user still may see it; None means every permitted site."""
    site_id = request.session.get(SESSION_KEY)
    if site_id is None:
        return None
    if not Site.objects.for_user(request.user).filter(pk=site_id).exists():
        request.session.pop(SESSION_KEY, None)
        return None
    return site_id


def choose_site(request: HttpRequest, site_id: int | None) -> bool:
    if site_id is None:
        request.session.pop(SESSION_KEY, None)
        return True
    if not Site.objects.for_user(request.user).filter(pk=site_id).exists():
        return False
    request.session[SESSION_KEY] = site_id
    return True
