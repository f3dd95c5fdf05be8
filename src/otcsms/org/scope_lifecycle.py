"""The CSMS scope lifecycle: its states, the transitions between them, and who may make each one.

Plain Python (no Django): the service, the API, the pages and docs/organisation.md all read this one table.

    (none)   --revise  (contributor, approver, site admin)------------------> draft
    draft    --edit    (contributor, approver, site admin)------------------> draft
    draft    --approve (approver, site admin; never an author of the draft)-> approved
    draft    --discard (contributor, approver, site admin; reason)----------> discarded
    approved --supersede (only by approving the next version)---------------> superseded

Organisation admins may make every transition a site admin may, and four eyes binds them like anyone else:
the approval is the second pair of eyes, so whoever drafted or edited a draft cannot approve it. A site has
at most one draft at a time (revising again means editing it, or discarding it first). Approved, superseded
and discarded versions are never edited: they are the record of what was in force, and when.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

from otcsms.core.lifecycle import (
    REASON_MAX as REASON_MAX,  # re-exported: forms and schemas bound reasons by it
)
from otcsms.core.lifecycle import Transition
from otcsms.core.lifecycle import reason_problem as _reason_problem

DRAFT = "draft"
APPROVED = "approved"
SUPERSEDED = "superseded"
DISCARDED = "discarded"
STATES = (DRAFT, APPROVED, SUPERSEDED, DISCARDED)


REVISE = Transition("revise", None, DRAFT, "change", reason_required=False, verb="drafted")
EDIT = Transition("edit", DRAFT, DRAFT, "change", reason_required=False, verb="edited")
APPROVE = Transition("approve", DRAFT, APPROVED, "approve", reason_required=False, verb="approved")
DISCARD = Transition("discard", DRAFT, DISCARDED, "change", reason_required=True, verb="discarded")
# Never requested on its own: approving a version supersedes the one approved before it.
SUPERSEDE = Transition("supersede", APPROVED, SUPERSEDED, "approve", reason_required=False, verb="superseded")
TRANSITIONS: dict[str, Transition] = {t.name: t for t in (REVISE, EDIT, APPROVE, DISCARD, SUPERSEDE)}


def available(state: str) -> list[Transition]:
    """Transitions a user can request from ``state`` (whether this user may is a separate question)."""
    return [t for t in (EDIT, APPROVE, DISCARD) if t.source == state]


def state_problem(transition: Transition, state: str, version: int) -> str | None:
    """Why version ``version`` in ``state`` cannot take ``transition``, or None."""
    if state == transition.source:
        return None
    if state == DRAFT:
        return f"version {version} is a draft: it cannot be {transition.verb}"
    return (
        f"version {version} is {state}: only a draft can be {transition.verb}; revise the scope to make a "
        "new version"
    )


def open_draft_problem(draft_version: int | None) -> str | None:
    """A site has one draft at a time: why a new one cannot start, or None."""
    if draft_version is None:
        return None
    return f"version {draft_version} is still a draft: edit it, or discard it, before starting another"


def reason_problem(transition: Transition, reason: str) -> str | None:
    return _reason_problem(transition, reason, "the draft", "is kept with the version")


def four_eyes_problem(user_id: int, author_ids: Iterable[int | None]) -> str | None:
    """Approving is the second pair of eyes: refused to anyone who drafted or edited the draft."""
    if user_id in set(author_ids):
        return (
            "you drafted or edited this version: approving is the second pair of eyes, so another approver "
            "or site admin must approve it"
        )
    return None


def stale_problem(version: int, approved_version: int | None) -> str | None:
    """An older draft must not replace a newer approved version."""
    if approved_version is not None and approved_version > version:
        return (
            f"version {approved_version} is approved and newer than this draft: discard this draft, or revise "
            "the scope again"
        )
    return None


def review_due_after(approved_on: date, months: int) -> date:
    """The day an approved scope's review falls due: ``months`` after approval (the 31st of a shorter month
    becomes its last day)."""
    month_index = approved_on.month - 1 + months
    year, month = approved_on.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(approved_on.day, calendar.monthrange(year, month)[1]))
