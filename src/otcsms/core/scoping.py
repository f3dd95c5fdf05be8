"""Site scoping: the one place that decides which rows a user may see or change.

Every list and get in the UI, the API and exports goes through ``Model.objects.for_user(user, action)``.
The permitted sites are a subquery, never a Python list of ids, so the database does the filtering at
any scale.
"""

from __future__ import annotations

from typing import Any, Protocol, Self, TypeVar, cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q

from otcsms.core.roles import Action, roles_for


class UserLike(Protocol):
    """What scoping reads of a user (core.models.User; ``AnyUser`` below adds Django's anonymous user).

    A protocol, not the model: the models are built on this module's querysets, so it cannot import them.
    Read-only members, as the model's ``is_authenticated`` is a property."""

    @property
    def pk(self) -> Any: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def is_org_admin(self) -> bool: ...


class SiteScopedModel(Protocol):
    """What a site-scoped queryset reads of its model (core.models.SiteOwned, or a model with its own rule)."""

    @classmethod
    def site_scope_q(cls, permitted_sites: models.QuerySet[Any, Any]) -> Q: ...


# Whoever a request comes from: a user (UserLike), or Django's anonymous user (never authenticated, never active).
AnyUser = UserLike | AnonymousUser

_M = TypeVar("_M", bound=models.Model)


_membership_model: type[models.Model] | None = None


def use_membership_model(model: type[models.Model]) -> None:
    """Read site roles from ``model`` (rows of user, site, role). Called once by the app that owns the
    memberships (tenancy) when Django is ready: it sits above core, so core never imports or names it."""
    global _membership_model
    _membership_model = model


def membership_model() -> type[models.Model]:
    if _membership_model is None:
        raise ImproperlyConfigured("no site membership model: otcsms.tenancy must be in INSTALLED_APPS")
    return _membership_model


def memberships() -> models.QuerySet[Any]:
    return membership_model()._default_manager.all()


def sites_where(user: UserLike, action: Action = "view") -> models.QuerySet[Any, dict[str, Any]]:
    """Subquery of the ids of the sites where ``user`` may perform ``action`` (not for org admins)."""
    return memberships().filter(user=user, role__in=roles_for(action)).values("site_id")


def is_member(user: AnyUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_org_admin or memberships().filter(user=user).exists()


def can(user: AnyUser, action: Action, site_id: int | None) -> bool:
    """May ``user`` perform ``action`` on the site ``site_id`` (None: organisation-wide data)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_org_admin:
        return True
    if site_id is None:
        return action == "view" and is_member(user)
    return memberships().filter(user=user, site_id=site_id, role__in=roles_for(action)).exists()


class SiteScopedQuerySet(models.QuerySet[_M]):
    """Rows owned by a site. Models name the path to their site in ``site_path`` (default ``site``)."""

    def for_user(self, user: AnyUser, action: Action = "view") -> Self:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_org_admin:
            return self
        model = cast(type[SiteScopedModel], self.model)
        return self.filter(model.site_scope_q(sites_where(user, action)))

    def for_site(self, site_id: int | None) -> Self:
        """Narrow to one site (the site switcher); None keeps every permitted site."""
        if site_id is None:
            return self
        return self.filter(**{getattr(self.model, "site_path", "site"): site_id})


class OrgScopedQuerySet(models.QuerySet[_M]):
    """Organisation-wide rows: every member reads them, only organisation admins change them."""

    def for_user(self, user: AnyUser, action: Action = "view") -> Self:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_org_admin:
            return self
        if action == "view" and is_member(user):
            return self
        return self.none()


def default_site_scope_q(model: type[models.Model], permitted_sites: models.QuerySet[Any, Any]) -> Q:
    return Q(**{f"{getattr(model, 'site_path', 'site')}__in": permitted_sites})


def may_write(
    user: AnyUser, model: type[models.Model], site_id: int | None, action: Action = "change"
) -> bool:
    """May ``user`` create/change/delete rows of ``model`` on ``site_id``? Org-wide models: org admins only."""
    if getattr(model, "org_wide", False):
        return bool(user.is_authenticated and user.is_active and user.is_org_admin)
    return can(user, action, site_id)
