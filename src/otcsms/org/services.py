"""Workflows of C1 that touch more than one row. Services take plain values, never requests or forms."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from otcsms.org.models import ScopeStatement, Site


class ScopeStateError(ValueError):
    """A scope statement transition that its status does not allow."""


SCOPE_FIELDS = ("statement", "boundaries", "exclusions", "bcp_title", "bcp_reference")


def revise_scope(site: Site, **fields: str) -> ScopeStatement:
    """Start a new draft version of the site's CSMS scope; earlier versions stay as they were."""
    unknown = set(fields) - set(SCOPE_FIELDS)
    if unknown:
        raise ValueError(f"unknown scope fields: {sorted(unknown)}")
    with transaction.atomic():
        latest = ScopeStatement.objects.filter(site=site).aggregate(v=Max("version"))["v"] or 0
        draft = ScopeStatement(site=site, version=latest + 1, **fields)
        draft.full_clean()
        draft.save()
        return draft


def edit_draft(scope: ScopeStatement, **fields: str) -> ScopeStatement:
    if scope.status != ScopeStatement.Status.DRAFT:
        raise ScopeStateError(f"version {scope.version} is {scope.status}: revise it to make a new version")
    unknown = set(fields) - set(SCOPE_FIELDS)
    if unknown:
        raise ValueError(f"unknown scope fields: {sorted(unknown)}")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(scope, name, value)
        scope.full_clean()
        scope.save()
    return scope


def approve_scope(scope: ScopeStatement, approver) -> ScopeStatement:
    """Approve a draft; the previously approved version becomes superseded."""
    if scope.status != ScopeStatement.Status.DRAFT:
        raise ScopeStateError(f"only a draft can be approved; version {scope.version} is {scope.status}")
    with transaction.atomic():
        for previous in ScopeStatement.objects.filter(
            site_id=scope.site_id, status=ScopeStatement.Status.APPROVED
        ):
            previous.status = ScopeStatement.Status.SUPERSEDED
            previous.save()
        scope.status = ScopeStatement.Status.APPROVED
        scope.approved_by = approver
        scope.approved_at = timezone.now()
        scope.save()
    return scope


def current_scope(site: Site) -> ScopeStatement | None:
    return (
        ScopeStatement.objects.filter(site=site, status=ScopeStatement.Status.APPROVED)
        .order_by("-version")
        .first()
    )
