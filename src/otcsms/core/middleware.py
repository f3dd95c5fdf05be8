"""Request middleware: the actor of each request, and a strict Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from otcsms.core.actor import Actor, acting_as, new_request_id, user_actor

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


class RequestActorMiddleware:
    """Every request runs with an actor: the session user, or an anonymous placeholder.

    API token requests replace the actor once the token is checked (core.api_auth). Anonymous requests
    get an actor that cannot be mistaken for a person, so a write that slipped through would still be
    attributed honestly.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = new_request_id()
        anonymous = Actor(kind="user", label="anonymous", request_id=request.request_id)
        with acting_as(anonymous):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class SessionActorMiddleware:
    """Placed after authentication: once the session user is known, act as that user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            with acting_as(user_actor(user, request_id=request.request_id)):
                return self.get_response(request)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        return response
