"""API authentication: browser session (with CSRF) or ``Authorization: Bearer <token>``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from otcsms.core.actor import switch_actor, token_actor
from otcsms.core.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        found = ApiToken.authenticate(token)
        if found is None:
            return None
        found.touch()
        request.user = found.user
        request.api_token = found
        switch_actor(token_actor(found, request_id=getattr(request, "request_id", "")))
        return found.user


API_AUTH = [BearerToken(), django_auth]
