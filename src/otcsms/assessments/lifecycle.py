"""The assessment lifecycle: its states, the transitions between them, and who may make each one.

Plain Python (no Django): the service, the API, the pages and the docs all read this one table.

    in_progress --complete (approver or site admin; four eyes)--> completed
    completed   --reopen   (approver or site admin; reason)-----> in_progress

Only an assessment in progress takes answers: a completed one is the record that was signed off, so
changing it means reopening it first, with the reason in the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping

from otcsms.core.lifecycle import (
    REASON_MAX as REASON_MAX,  # re-exported: forms and schemas bound reasons by it
)
from otcsms.core.lifecycle import Transition
from otcsms.core.lifecycle import reason_problem as _reason_problem

IN_PROGRESS = "in_progress"
COMPLETED = "completed"
STATES = (IN_PROGRESS, COMPLETED)
ANSWERABLE = frozenset({IN_PROGRESS})


COMPLETE = Transition("complete", IN_PROGRESS, COMPLETED, "approve", reason_required=False, verb="completed")
REOPEN = Transition("reopen", COMPLETED, IN_PROGRESS, "approve", reason_required=True, verb="reopened")
TRANSITIONS: dict[str, Transition] = {t.name: t for t in (COMPLETE, REOPEN)}


def answerable(state: str) -> bool:
    return state in ANSWERABLE


def available(state: str) -> list[Transition]:
    """The transitions that start from ``state`` (whether the user may make them is a separate question)."""
    return [t for t in TRANSITIONS.values() if t.source == state]


def state_problem(transition: Transition, state: str) -> str | None:
    if state == transition.source:
        return None
    source = (transition.source or "").replace("_", " ")
    return f"the assessment is {state.replace('_', ' ')}: only one {source} can be {transition.verb}"


def reason_problem(transition: Transition, reason: str) -> str | None:
    return _reason_problem(transition, reason, "the assessment", "goes into the audit trail")


def completion_problem(answers_by: Mapping[int | None, int]) -> str | None:
    """An assessment with no answer at all has nothing to sign off."""
    if sum(answers_by.values()) == 0:
        return "nothing has been answered yet: there is nothing to complete"
    return None


def four_eyes_problem(user_id: int, answers_by: Mapping[int | None, int]) -> str | None:
    """Completing an assessment signs off someone else's work: refused to whoever gave most of its answers.

    ``answers_by`` counts the answered responses (status other than not assessed) per assessor (None:
    imported or system answers). Most means more than half, so an approver who corrected a few answers
    while reviewing may still complete, and one who answered it alone may not.
    """
    total = sum(answers_by.values())
    own = answers_by.get(user_id, 0)
    if own * 2 > total:
        return (
            f"you gave {own} of its {total} answers: completing is the second pair of eyes, so another "
            "approver or site admin must complete it"
        )
    return None
