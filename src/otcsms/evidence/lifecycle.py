"""The lifecycle of a document version: its states, the transitions between them, and who may make each one.

Plain Python (no Django): the service, the API, the pages and docs/evidence.md all read this one table.

    (none)     --upload  (contributor, approver, site admin)---------------------> draft
    draft      --submit  (contributor, approver, site admin)---------------------> in_review
    in_review  --reject  (approver, site admin; reason)--------------------------> draft
    in_review  --approve (approver, site admin; never the uploader or submitter)-> approved
    approved   --supersede (only by approving the next version)-----------------> superseded
    approved   --retire  (approver, site admin; reason)--------------------------> retired

A version's content never changes (it is named by its SHA-256); an approved version is the record of what was
in force, so nothing of it changes but its state: a change is a new version. Organisation admins may make
every transition a site admin may, and four eyes binds them like anyone else.
"""

from __future__ import annotations

from collections.abc import Iterable

from otcsms.core.lifecycle import (
    REASON_MAX as REASON_MAX,
)  # re-exported: forms and schemas bound reasons by it
from otcsms.core.lifecycle import Transition
from otcsms.core.lifecycle import reason_problem as _reason_problem

DRAFT = "draft"
IN_REVIEW = "in_review"
APPROVED = "approved"
SUPERSEDED = "superseded"
RETIRED = "retired"
STATES = (DRAFT, IN_REVIEW, APPROVED, SUPERSEDED, RETIRED)

UPLOAD = Transition("upload", None, DRAFT, "change", reason_required=False, verb="uploaded")
SUBMIT = Transition("submit", DRAFT, IN_REVIEW, "change", reason_required=False, verb="submitted for review")
REJECT = Transition("reject", IN_REVIEW, DRAFT, "approve", reason_required=True, verb="rejected")
APPROVE = Transition("approve", IN_REVIEW, APPROVED, "approve", reason_required=False, verb="approved")
# Never requested on its own: approving a version supersedes the one approved before it.
SUPERSEDE = Transition("supersede", APPROVED, SUPERSEDED, "approve", reason_required=False, verb="superseded")
RETIRE = Transition("retire", APPROVED, RETIRED, "approve", reason_required=True, verb="retired")
TRANSITIONS: dict[str, Transition] = {t.name: t for t in (UPLOAD, SUBMIT, REJECT, APPROVE, SUPERSEDE, RETIRE)}
REQUESTABLE = (SUBMIT, REJECT, APPROVE, RETIRE)


def available(state: str) -> list[Transition]:
    """Transitions a user can request from ``state`` (whether this user may is a separate question)."""
    return [t for t in REQUESTABLE if t.source == state]


def state_problem(transition: Transition, state: str, number: int) -> str | None:
    """Why version ``number`` in ``state`` cannot take ``transition``, or None."""
    if state == transition.source:
        return None
    wanted = (transition.source or "").replace("_", " ")
    return f"version {number} is {state.replace('_', ' ')}: only a version {wanted} can be {transition.verb}"


def reason_problem(transition: Transition, reason: str) -> str | None:
    return _reason_problem(transition, reason, "the version", "is kept in the audit trail")


def four_eyes_problem(user_id: int, author_ids: Iterable[int | None]) -> str | None:
    """Approving is the second pair of eyes: refused to whoever uploaded or submitted the version."""
    if user_id in set(author_ids):
        return (
            "you uploaded or submitted this version: approving is the second pair of eyes, so another approver "
            "or site admin must approve it"
        )
    return None
