"""Workflows of C1 that touch more than one row. Services take plain values, never requests or forms.

The CSMS scope moves through the states of ``org.scope_lifecycle`` here and nowhere else: each transition
checks who asks (``by``: a user, or None for the system entry points such as the demo), the version's state
read under a lock, and for approval four eyes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from otcsms.core.audit import with_reason
from otcsms.core.history import object_types
from otcsms.core.inputs import text_problem
from otcsms.core.lifecycle import Transition
from otcsms.core.models import AuditEvent, User
from otcsms.core.scoping import may_write
from otcsms.org import scope_lifecycle as lifecycle
from otcsms.org.models import ScopeStatement
from otcsms.tenancy.models import Site


class ScopeStateError(ValueError):
    """A scope statement transition that its status does not allow (409)."""


class ScopeForbiddenError(Exception):
    """This user may not make this scope transition: their role, or four eyes (403)."""


class ScopeInputError(ValueError):
    """A value the transition cannot take, e.g. a missing reason (422)."""


SCOPE_FIELDS = (
    "statement",
    "boundaries",
    "exclusions",
    "bcp_title",
    "bcp_reference",
    "review_interval_months",
)


# --- who may ---------------------------------------------------------------------------------------


def may_transition(user: User | None, site_id: int, transition: Transition) -> bool:
    """Does ``user``'s role on the site allow ``transition``? None is the system, which its entry point checked."""
    return user is None or may_write(user, ScopeStatement, site_id, transition.action)


def _require(user: User | None, site_id: int, transition: Transition) -> None:
    if not may_transition(user, site_id, transition):
        who = (
            "an approver or site admin"
            if transition.action == "approve"
            else "a contributor, approver or site admin"
        )
        raise ScopeForbiddenError(f"only {who} of the site may {transition.name} its CSMS scope")


def authors(scope: ScopeStatement) -> set[int]:
    """Users who wrote this version: who drafted it, who last edited it, and anyone the trail shows writing it."""
    ids = {scope.drafted_by_id, scope.edited_by_id}
    ids.update(
        AuditEvent.objects.filter(
            object_type__in=object_types(ScopeStatement), object_id=str(scope.pk), actor_user_id__isnull=False
        ).values_list("actor_user_id", flat=True)
    )
    return {pk for pk in ids if pk is not None}


def refusals(user: User, scope: ScopeStatement) -> dict[str, str | None]:
    """For each transition a user can request on ``scope``: why this user may not make it now (None: may).

    For pages deciding which buttons to show; the transitions themselves check again, under a lock.
    """
    answers: dict[str, str | None] = {}
    for transition in (lifecycle.EDIT, lifecycle.APPROVE, lifecycle.DISCARD):
        problem = lifecycle.state_problem(transition, scope.status, scope.version)
        if problem is None and not may_transition(user, scope.site_id, transition):
            problem = f"you may not {transition.name} the CSMS scope of this site"
        if problem is None and transition is lifecycle.APPROVE:
            problem = lifecycle.four_eyes_problem(user.pk, authors(scope))
        answers[transition.name] = problem
    return answers


# --- transitions -----------------------------------------------------------------------------------


def revise_scope(site: Site, *, by: User | None = None, **fields: str | int) -> ScopeStatement:
    """Start a new draft version of the site's CSMS scope; earlier versions stay as they were."""
    _require(by, site.pk, lifecycle.REVISE)
    _check_fields(fields)
    with transaction.atomic():
        _lock_site(site.pk)
        draft = ScopeStatement.objects.filter(site=site, status=lifecycle.DRAFT).order_by("-version").first()
        problem = lifecycle.open_draft_problem(draft.version if draft else None)
        if problem:
            raise ScopeStateError(problem)
        latest = ScopeStatement.objects.filter(site=site).aggregate(v=Max("version"))["v"] or 0
        draft = ScopeStatement(site=site, version=latest + 1, drafted_by=by, **fields)
        draft.full_clean()
        draft.save()
        return draft


def edit_draft(scope: ScopeStatement, *, by: User | None = None, **fields: str | int) -> ScopeStatement:
    """Change the text of a draft; whoever edits it may no longer approve it."""
    _require(by, scope.site_id, lifecycle.EDIT)
    _check_fields(fields)
    with transaction.atomic():
        locked = _locked(scope, lifecycle.EDIT)
        for name, value in fields.items():
            setattr(locked, name, value)
        if by is not None:
            locked.edited_by = by
        locked.full_clean()
        locked.save()
    return locked


def approve_scope(scope: ScopeStatement, approver: User) -> ScopeStatement:
    """Approve a draft written by someone else; the previously approved version becomes superseded."""
    _require(approver, scope.site_id, lifecycle.APPROVE)
    with transaction.atomic():
        locked = _locked(scope, lifecycle.APPROVE)
        problem = lifecycle.four_eyes_problem(approver.pk, authors(locked))
        if problem:
            raise ScopeForbiddenError(problem)
        previous = list(ScopeStatement.objects.filter(site_id=locked.site_id, status=lifecycle.APPROVED))
        problem = lifecycle.stale_problem(locked.version, max((p.version for p in previous), default=None))
        if problem:
            raise ScopeStateError(problem)
        for old in previous:
            old.status = lifecycle.SUPERSEDED
            with_reason(old, f"superseded by version {locked.version}")
            old.save()
        locked.status = lifecycle.APPROVED
        locked.approved_by = approver
        locked.approved_at = timezone.now()
        locked.review_due = lifecycle.review_due_after(
            timezone.localdate(locked.approved_at), locked.review_interval_months
        )
        locked.save()
    return locked


def discard_draft(scope: ScopeStatement, *, by: User | None, reason: str) -> ScopeStatement:
    """Close a draft without approving it (withdrawn, or refused by an approver), saying why."""
    _require(by, scope.site_id, lifecycle.DISCARD)
    reason = reason.strip()
    problem = lifecycle.reason_problem(lifecycle.DISCARD, reason)
    if problem is None and (bad := text_problem(reason, multiline=True)):
        problem = f"the reason {bad}"
    if problem:
        raise ScopeInputError(problem)
    with transaction.atomic():
        locked = _locked(scope, lifecycle.DISCARD)
        locked.status = lifecycle.DISCARDED
        locked.discarded_by = by
        locked.discarded_at = timezone.now()
        locked.discard_reason = reason
        with_reason(locked, reason)
        locked.full_clean()
        locked.save()
    return locked


def current_scope(site: Site) -> ScopeStatement | None:
    return (
        ScopeStatement.objects.filter(site=site, status=ScopeStatement.Status.APPROVED)
        .order_by("-version")
        .first()
    )


def open_draft(site: Site) -> ScopeStatement | None:
    """The site's draft, if one is open (there is at most one)."""
    return ScopeStatement.objects.filter(site=site, status=lifecycle.DRAFT).order_by("-version").first()


# --- helpers ---------------------------------------------------------------------------------------


def _check_fields(fields: Iterable[str]) -> None:
    unknown = set(fields) - set(SCOPE_FIELDS)
    if unknown:
        raise ValueError(f"unknown scope fields: {sorted(unknown)}")


def _lock_site(site_id: int) -> None:
    # Scope transitions of one site run one at a time (PostgreSQL row lock; SQLite has one writer anyway),
    # so two drafts cannot open at once and two approvals cannot both supersede the same version.
    Site.objects.select_for_update().filter(pk=site_id).values_list("pk", flat=True).first()


def _locked(scope: ScopeStatement, transition: Transition) -> ScopeStatement:
    """The stored version, read again under the site's lock, if it may take ``transition``."""
    _lock_site(scope.site_id)
    locked = ScopeStatement.objects.select_related("site").get(pk=scope.pk)
    problem = lifecycle.state_problem(transition, locked.status, locked.version)
    if problem:
        raise ScopeStateError(problem)
    return locked
