"""The REST API: one NinjaAPI under /api/v1/, with the router of every app that declares one (core.registry)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from otcsms import __version__
from otcsms.core import registry
from otcsms.core.api_auth import API_AUTH
from otcsms.core.crud import validation_detail

api = NinjaAPI(
    title="otcsms API",
    version="1",
    description="Cybersecurity Management System for industrial operators. Authenticate with a session "
    "(browser, CSRF token required for writes) or `Authorization: Bearer <token>`.",
    auth=API_AUTH,
    urls_namespace="api",
)
for router_path in registry.api_routers():
    api.add_router("/", registry.resolve(router_path))


def _error(request: HttpRequest, status: int, detail) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(NinjaValidationError)
def on_invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _error(request, 422, exc.errors)


@api.exception_handler(ValidationError)
def on_model_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, validation_detail(exc))


@api.exception_handler(ProtectedError)
def on_protected(request: HttpRequest, exc: ProtectedError) -> HttpResponse:
    kinds = sorted({str(o._meta.verbose_name_plural) for o in exc.protected_objects})
    return _error(request, 409, f"still referenced by {', '.join(kinds)}: remove those first")


@api.exception_handler(IntegrityError)
def on_conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    return _error(request, 409, "conflicts with an existing record (a name or combination must be unique)")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "request body too large")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "authentication required: a valid session or bearer token")


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "forbidden")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not found")


@api.get("/version", auth=None, operation_id="version", tags=["platform"])
def version(request: HttpRequest):
    return {"version": __version__}
