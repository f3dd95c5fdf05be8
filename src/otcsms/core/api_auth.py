"""API authentication: browser session (with CSRF) or ``Authorization: Bearer <token>``."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from otcsms.core.actor import switch_actor, token_actor
from otcsms.core.http import TokenRequest
from otcsms.core.models import ApiToken, User


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = ApiToken.authenticate(token)
        if found is None:
            return None
        found.touch()
        authed = cast(TokenRequest, request)  # what this request is from here on
        authed.user = found.user
        authed.api_token = found
        switch_actor(token_actor(found, request_id=getattr(request, "request_id", "")))
        return found.user


API_AUTH = [BearerToken(), django_auth]
