"""The Django authentication backend of directory sign-in (settings.AUTHENTICATION_BACKENDS, after the local
accounts' ModelBackend). The login form, django-axes' throttling and the MFA step (the signin app's
``user_logged_in`` receiver) stay as they are: this only answers "who is this" for a username and password.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from otcsms.core.models import User
from otcsms.directory import client, services

log = logging.getLogger("otcsms.directory")


class DirectoryBackend(ModelBackend):
    """Bind as the user; on success the local account is created or brought in step (``services``)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        config = services.config()
        if config is None or username is None or password is None:
            return None
        try:
            found = client.authenticate(config, username, password)
        except client.Refused as exc:
            if exc.reason != "not a directory username":
                services.refused(username, exc.reason, exc.dn)
            return None
        except client.DirectoryError as exc:
            log.warning("directory sign-in of %r failed: %s", username[:150], exc)
            services.refused(username, "directory unreachable", "")
            return None
        user = services.signed_in(found, username)
        if user is None:
            return None
        if request is not None:
            request.signin_method = "directory"  # type: ignore[attr-defined]  # read by the signin app's receiver
        return user

    def get_user(self, user_id: int) -> User | None:
        user = super().get_user(user_id)
        return user if isinstance(user, User) else None
