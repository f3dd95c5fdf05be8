"""Request middleware: the actor of each request, and a strict Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from otcsms.core.actor import Actor, acting_as, new_request_id, user_actor
from otcsms.core.http import TracedRequest

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

    def __call__(self, request: TracedRequest) -> HttpResponse:
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

    def __call__(self, request: TracedRequest) -> HttpResponse:
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


class InputHygieneMiddleware:
    """Refuse a request whose query or form parameters hold a NUL byte.

    Parameters reach filters and lookups in many views; a NUL made PostgreSQL refuse the query (a 5xx).
    Everything else the text rule forbids is answered by the form or schema that reads the field, with
    the field's name; JSON bodies and files are checked by the API schemas and the importers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = _parameter_with_nul(request)
        if name is None:
            return self.get_response(request)
        problem = f"parameter {name[:40]!r} contains a NUL byte"
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": problem}, status=400)
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")


def _parameter_with_nul(request: HttpRequest) -> str | None:
    sources = [request.GET]
    # Only small form posts: an upload's size is checked by its endpoint before the body is read, and
    # Django's forms refuse a NUL in an uploaded form's fields themselves.
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        try:
            sources.append(request.POST)
        except RequestDataTooBig:
            return None  # the view answers 413
    for params in sources:
        for name, values in params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name
    return None


class NoStoreMiddleware:
    """Authenticated pages and every API answer must not be kept by browsers or proxies: they hold zone
    diagrams, account lists and configurations, and a shared workstation's cache would leak them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store"
        return response
