"""The request types that views and API handlers are annotated with.

Static types only: Django passes a plain ``HttpRequest``. ``AuthedRequest`` states what login (a page behind
``login_required`` or ``LoginRequiredMixin``) or the API's authentication (``core.api_auth``) guarantees: the
request is a signed-in ``User``'s, so ``request.user`` needs no check for the anonymous user.
"""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from otcsms.core.models import ApiToken, User


class TracedRequest(HttpRequest):
    """Every request, once the project's middleware has run: its id (``core.middleware.RequestActorMiddleware``)
    and what htmx asked for (``django_htmx.middleware.HtmxMiddleware``)."""

    request_id: str
    htmx: HtmxDetails


class AuthedRequest(TracedRequest):
    """A signed-in user's request."""

    user: User


class TokenRequest(AuthedRequest):
    """An API request authenticated with a bearer token (``core.api_auth.BearerToken``)."""

    api_token: ApiToken


def authed(request: HttpRequest) -> AuthedRequest:
    """``request`` as the signed-in user's, where login is already required (``LoginRequiredMixin``)."""
    return cast(AuthedRequest, request)
