"""REST endpoints of C1, generated from Resources (see core.crud and docs/patterns.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from ninja import Router
from ninja.errors import HttpError

from otcsms.core.audit import with_reason
from otcsms.core.crud import Resource, get_visible_or_404, register, require_write, save_validated
from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.org import schemas as s
from otcsms.org import services
from otcsms.org.models import CsmsActivity, CsmsRole, Person, Responsibility, RoleAssignment, ScopeStatement
from otcsms.tenancy.models import Organisation, Site, SiteMembership, new_site_code

router = Router(tags=["organisation"])


def _create_site(user: User, data: dict[str, Any]) -> Site:
    data["organisation_id"] = data.get("organisation_id") or Organisation.current().pk
    data["code"] = data.get("code") or new_site_code(data["name"])
    return save_validated(Site(**data))


def _create_person(user: User, data: dict[str, Any]) -> Person:
    # An instance serves one operator: people belong to its organisation, never to one the caller names.
    return save_validated(Person(organisation=Organisation.current(), **data))


def _delete_site(user: User, site: Site, reason: str) -> None:
    if not user.is_org_admin:
        raise HttpError(403, "only organisation admins delete sites")
    with_reason(site, reason).delete()


def _scope_error(exc: Exception) -> HttpError:
    """The answer to a refused scope transition: 409 wrong state, 403 not this user, 422 bad value."""
    if isinstance(exc, services.ScopeStateError):
        return HttpError(409, str(exc))
    if isinstance(exc, services.ScopeForbiddenError):
        return HttpError(403, str(exc))
    return HttpError(422, str(exc))


SCOPE_ERRORS = (services.ScopeStateError, services.ScopeForbiddenError, ValueError)


def _create_scope(user: User, data: dict[str, Any]) -> ScopeStatement:
    site = Site.objects.get(pk=data.pop("site_id"))
    try:
        return services.revise_scope(site, by=user, **data)
    except SCOPE_ERRORS as exc:
        raise _scope_error(exc) from None


def _update_scope(user: User, scope: ScopeStatement, data: dict[str, Any]) -> ScopeStatement:
    try:
        return services.edit_draft(scope, by=user, **data)
    except SCOPE_ERRORS as exc:
        raise _scope_error(exc) from None


SCOPE = Resource(
    ScopeStatement, "scope-statements", s.ScopeOut, s.ScopeCreate, s.ScopeUpdate, filters=s.ScopeFilter,
    ordering=("site_id", "-version"), deletable=False, create_hook=_create_scope,
    update_hook=_update_scope, tags=["organisation"],
)  # fmt: skip
RESOURCES: list[Resource[Any]] = [
    Resource(
        Site, "sites", s.SiteOut, s.SiteCreate, s.SiteUpdate, filters=s.SiteListFilter,
        write_action="admin", create_hook=_create_site, delete_hook=_delete_site, tags=["organisation"],
    ),
    Resource(
        SiteMembership, "memberships", s.MembershipOut, s.MembershipCreate, s.MembershipUpdate,
        filters=s.MembershipFilter, write_action="admin", select_related=("user",), tags=["access"],
    ),
    Resource(
        Person, "people", s.PersonOut, s.PersonCreate, s.PersonUpdate, filters=s.PersonFilter,
        ordering=("name", "pk"), create_hook=_create_person, tags=["organisation"],
    ),
    Resource(
        CsmsRole, "csms-roles", s.CsmsRoleOut, s.CsmsRoleCreate, s.CsmsRoleUpdate, filters=s.SearchFilter,
        ordering=("name",), tags=["organisation"],
    ),
    Resource(
        CsmsActivity, "csms-activities", s.ActivityOut, s.ActivityCreate, s.ActivityUpdate,
        filters=s.SearchFilter, ordering=("order", "name"), tags=["organisation"],
    ),
    Resource(
        RoleAssignment, "role-assignments", s.RoleAssignmentOut, s.RoleAssignmentCreate, s.RoleAssignmentUpdate,
        filters=s.RoleAssignmentFilter, select_related=("role", "person"), tags=["organisation"],
    ),
    Resource(
        Responsibility, "responsibilities", s.ResponsibilityOut, s.ResponsibilityCreate, s.ResponsibilityUpdate,
        filters=s.ResponsibilityFilter, select_related=("role", "activity"), tags=["organisation"],
    ),
    SCOPE,
]  # fmt: skip

for resource in RESOURCES:
    register(router, resource)


@router.post(
    "/scope-statements/{id:pk}/approve", response=s.ScopeOut, operation_id="scope_statements_approve"
)
def approve_scope(request: AuthedRequest, pk: int):
    """Approve a draft: approvers and site admins, never one who drafted or edited it (403); 409 unless a draft."""
    scope = get_visible_or_404(SCOPE, request, pk)
    try:
        return services.approve_scope(scope, request.user)
    except SCOPE_ERRORS as exc:
        raise _scope_error(exc) from None


@router.post(
    "/scope-statements/{id:pk}/discard", response=s.ScopeOut, operation_id="scope_statements_discard"
)
def discard_scope(request: AuthedRequest, pk: int, payload: s.ScopeDiscard):
    """Close a draft without approving it, with the reason; 409 unless a draft."""
    scope = get_visible_or_404(SCOPE, request, pk)
    try:
        return services.discard_draft(scope, by=request.user, reason=payload.reason)
    except SCOPE_ERRORS as exc:
        raise _scope_error(exc) from None


@router.get("/organisation", response=s.OrganisationOut, operation_id="organisation_get")
def get_organisation(request: AuthedRequest):
    org = Organisation.objects.for_user(request.user).order_by("pk").first()
    if org is None:
        raise HttpError(404, "organisation not found")
    return org


@router.patch("/organisation", response=s.OrganisationOut, operation_id="organisation_update")
def update_organisation(request: AuthedRequest, payload: s.OrganisationUpdate):
    require_write(request, Organisation, None, "change")
    org = Organisation.current()
    with transaction.atomic():
        for name, value in payload.model_dump(exclude_unset=True).items():
            setattr(org, name, value)
        return save_validated(org)
