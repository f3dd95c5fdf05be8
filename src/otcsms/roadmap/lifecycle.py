"""The lifecycle of a roadmap action: its states, the transitions between them, and who may make each one.

Plain Python (no Django): the service, the API, the pages and the docs all read this one table.

    proposed    --plan    (approver or site admin)--------------> planned
    planned     --start   (contributor, approver, site admin)---> in_progress
    in_progress --finish  (contributor, approver, site admin)---> done
    proposed / planned / in_progress --cancel (approver or site admin; reason)--> cancelled
    planned     --unplan  (approver or site admin; reason)------> proposed

Committing money and people to an action (plan) and dropping it (cancel) are decisions: approvers make them.
Doing the work (start, finish) is the contributors' part. Done and cancelled are final: a new need is a new
action, so the record of what was done stays as it was.
"""

from __future__ import annotations

from otcsms.core.lifecycle import REASON_MAX as REASON_MAX
from otcsms.core.lifecycle import Transition
from otcsms.core.lifecycle import reason_problem as _reason_problem

PROPOSED = "proposed"
PLANNED = "planned"
IN_PROGRESS = "in_progress"
DONE = "done"
CANCELLED = "cancelled"
STATES = (PROPOSED, PLANNED, IN_PROGRESS, DONE, CANCELLED)
OPEN = frozenset({PROPOSED, PLANNED, IN_PROGRESS})  # still to be done: what the planner places
FINAL = frozenset({DONE, CANCELLED})

PLAN = Transition("plan", PROPOSED, PLANNED, "approve", reason_required=False, verb="planned")
UNPLAN = Transition("unplan", PLANNED, PROPOSED, "approve", reason_required=True, verb="put back to proposed")
START = Transition("start", PLANNED, IN_PROGRESS, "change", reason_required=False, verb="started")
FINISH = Transition("finish", IN_PROGRESS, DONE, "change", reason_required=False, verb="finished")
CANCEL_PROPOSED = Transition("cancel", PROPOSED, CANCELLED, "approve", reason_required=True, verb="cancelled")
CANCEL_PLANNED = Transition("cancel", PLANNED, CANCELLED, "approve", reason_required=True, verb="cancelled")
CANCEL_STARTED = Transition(
    "cancel", IN_PROGRESS, CANCELLED, "approve", reason_required=True, verb="cancelled"
)
ALL: tuple[Transition, ...] = (PLAN, UNPLAN, START, FINISH, CANCEL_PROPOSED, CANCEL_PLANNED, CANCEL_STARTED)
NAMES = ("plan", "unplan", "start", "finish", "cancel")


def available(state: str) -> list[Transition]:
    """The transitions that start from ``state`` (whether the user may make them is a separate question)."""
    return [t for t in ALL if t.source == state]


def find(name: str, state: str) -> Transition | None:
    """The transition ``name`` from ``state``, or None when ``state`` does not allow it."""
    return next((t for t in ALL if t.name == name and t.source == state), None)


def state_problem(name: str, state: str) -> str | None:
    if find(name, state) is not None:
        return None
    if name not in NAMES:
        return f"unknown transition {name[:40]!r}: one of {', '.join(NAMES)}"
    sources = sorted({(t.source or "").replace("_", " ") for t in ALL if t.name == name})
    return (
        f"the action is {state.replace('_', ' ')}: only an action {' or '.join(sources)} can be {_verb(name)}"
    )


def _verb(name: str) -> str:
    return next(t.verb for t in ALL if t.name == name)


def reason_problem(transition: Transition, reason: str) -> str | None:
    return _reason_problem(transition, reason, "the action", "goes into the audit trail")
