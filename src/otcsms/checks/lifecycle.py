"""The lifecycle of a finding: its states, the transitions between them, and who makes each one.

Plain Python (no Django): the runner (``checks.engine``), the acceptance service (``checks.services``),
the API, the pages and docs/checks.md all read this one table.

    (none)   --detect  (a check run)------------------------------> open
    open     --resolve (a check run: no longer reported)----------> closed
    open     --accept  (approver or site admin; reason, expiry)---> accepted
    accepted --expire  (a check run, once the expiry has passed)--> open
    accepted --resolve (a check run: no longer reported)----------> closed

Closed is final. A problem that comes back after its finding was closed opens a NEW finding, which points at
the closed one (``previous``): the closed finding stays the record of when the problem was found and when it
was fixed, and the new one says when it came back. One live (open or accepted) finding per check and object,
at any time: a run never duplicates one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from otcsms.core.lifecycle import REASON_MAX as REASON_MAX  # re-exported: schemas and forms bound by it
from otcsms.core.lifecycle import Transition, reason_problem

OPEN = "open"
ACCEPTED = "accepted"
CLOSED = "closed"
STATES = (OPEN, ACCEPTED, CLOSED)
LIVE = (OPEN, ACCEPTED)  # at most one finding per check and object is in one of these

# Runs are started by site admins (their site) and org admins (every site), so "admin" is who the run
# transitions answer to; the scheduled job and the CLI act as the system.
DETECT = Transition("detect", None, OPEN, "admin", reason_required=False, verb="detected")
RESOLVE = Transition("resolve", OPEN, CLOSED, "admin", reason_required=False, verb="resolved")
ACCEPT = Transition("accept", OPEN, ACCEPTED, "approve", reason_required=True, verb="accepted")
EXPIRE = Transition("expire", ACCEPTED, OPEN, "admin", reason_required=False, verb="reopened")
TRANSITIONS: dict[str, Transition] = {t.name: t for t in (DETECT, RESOLVE, ACCEPT, EXPIRE)}
# resolve also closes an accepted finding: the risk that was accepted is gone.
SOURCES: dict[str, frozenset[str | None]] = {
    "detect": frozenset({None}),
    "resolve": frozenset({OPEN, ACCEPTED}),
    "accept": frozenset({OPEN}),
    "expire": frozenset({ACCEPTED}),
}

# A risk acceptance always ends: an acceptance without an end is a finding forgotten.
MAX_ACCEPTANCE = timedelta(days=3 * 365)


def state_problem(transition: Transition, state: str | None) -> str | None:
    """Why a finding in ``state`` cannot take ``transition``, or None."""
    if state in SOURCES[transition.name]:
        return None
    if transition is ACCEPT and state == ACCEPTED:
        return "the risk of this finding is already accepted"
    return f"a finding that is {state} cannot be {transition.verb}"


def acceptance_problem(reason: str, until: datetime, now: datetime) -> str | None:
    """Why an acceptance with this reason and expiry will not do, or None."""
    problem = reason_problem(ACCEPT, reason, "the risk", "goes into the audit trail")
    if problem:
        return problem
    if until <= now:
        return "the acceptance must expire in the future"
    if until - now > MAX_ACCEPTANCE:
        return f"a risk is accepted for at most {MAX_ACCEPTANCE.days} days: review it again by then"
    return None


def expired(until: datetime | None, now: datetime) -> bool:
    return until is not None and until <= now
