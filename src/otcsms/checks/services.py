"""What people do with findings: accept the risk of one, for a while, with a reason.

Runs open, close and reopen findings (``checks.engine``); the one transition a person makes is ``accept``
(``checks.lifecycle``). Services take plain values and the acting user, never a request.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from otcsms.checks import lifecycle
from otcsms.checks.engine import lock_site
from otcsms.checks.models import Finding
from otcsms.core.audit import with_reason
from otcsms.core.inputs import InputError, aware_utc, text_problem
from otcsms.core.scoping import UserLike, may_write

if TYPE_CHECKING:
    from otcsms.core.models import User


class FindingStateError(ValueError):
    """The finding's status does not allow this (409)."""


class FindingForbiddenError(Exception):
    """This user may not make this transition (403)."""


class FindingInputError(ValueError):
    """A reason or expiry the transition cannot take (422)."""


def may_accept(user: UserLike, finding: Finding) -> bool:
    return may_write(user, Finding, finding.site_id, lifecycle.ACCEPT.action)


def accept_finding(finding: Finding, *, by: User, reason: str, until: datetime) -> Finding:
    """Accept the risk of an open finding until ``until``: approvers and site admins of its site.

    The finding stays live (a run does not open another for the same problem); it reopens when the
    acceptance expires while the problem is still reported, and closes when the problem goes away."""
    if not may_accept(by, finding):
        raise FindingForbiddenError("only approvers and site admins of the site accept the risk of a finding")
    reason = reason.strip()
    now = timezone.now()
    try:
        until = aware_utc(until)
    except InputError as exc:
        raise FindingInputError(f"until: {exc}") from None
    problem = lifecycle.acceptance_problem(reason, until, now)
    if problem is None and (bad := text_problem(reason, multiline=True)):
        problem = f"the reason {bad}"
    if problem:
        raise FindingInputError(problem)
    with transaction.atomic():
        lock_site(finding.site_id)
        locked = Finding.objects.get(pk=finding.pk)
        if state_problem := lifecycle.state_problem(lifecycle.ACCEPT, locked.status):
            raise FindingStateError(state_problem)
        locked.status = lifecycle.ACCEPTED
        locked.accepted_by = by
        locked.accepted_at = now
        locked.accepted_until = until
        locked.acceptance_reason = reason
        with_reason(locked, reason)
        locked.save()
    return locked
