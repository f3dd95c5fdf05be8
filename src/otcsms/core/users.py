"""Creating users and granting site roles: shared by the CLI, the API and the UI."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction

from otcsms.core.models import User
from otcsms.core.roles import SiteRole
from otcsms.core.scoping import memberships


class UserInputError(ValueError):
    """A username, password or role that cannot be accepted; the message says why."""


def create_user(
    username: str,
    password: str,
    *,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_org_admin: bool = False,
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise UserInputError(f"user {username!r} already exists")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.is_org_admin = is_org_admin
    _check_password(password, user)
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        raise UserInputError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
    with transaction.atomic():
        user.save()
    return user


def set_password(user: User, password: str) -> None:
    _check_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise UserInputError("password rejected: " + " ".join(exc.messages)) from None


def grant_site_role(user: User, site: models.Model, role: str) -> models.Model:
    """Give ``user`` ``role`` on ``site`` (replacing the role they had there); the membership row is tenancy's."""
    if role not in SiteRole.values:
        raise UserInputError(f"unknown role {role!r}; use one of {', '.join(SiteRole.values)}")
    with transaction.atomic():
        # tenancy's SiteMembership, which core reaches only through scoping.memberships()
        membership: Any = memberships().filter(user=user, site=site).first()
        if membership is None:
            membership = memberships().create(user=user, site=site, role=role)
        elif membership.role != role:
            membership.role = role
            membership.save()
        return cast(models.Model, membership)
