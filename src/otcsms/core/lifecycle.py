"""What every workflow with states shares: a transition, who may make it, and its reason rule.

Each app keeps its own table of states and transitions (``assessments.lifecycle``, ``org.scope_lifecycle``);
this module is the shape they are written in. Plain Python (no Django).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the type only: this module imports no Django
    from otcsms.core.roles import Action

REASON_MAX = 1000


@dataclass(frozen=True, slots=True)
class Transition:
    name: str
    source: str | None  # None: the transition creates the record
    target: str
    action: Action  # the site-role action it needs (core.roles): who may make it
    reason_required: bool
    verb: str  # "approved", "reopened": for messages

    @property
    def label(self) -> str:
        return self.name.capitalize()


def reason_problem(transition: Transition, reason: str, subject: str, kept: str) -> str | None:
    """Why ``reason`` will not do for ``transition`` of ``subject`` ("the assessment"), or None.

    ``kept`` says where the reason is kept, for the message ("goes into the audit trail")."""
    if transition.reason_required and not reason.strip():
        return f"say why {subject} is {transition.verb} (the reason {kept})"
    if len(reason) > REASON_MAX:
        return f"the reason is at most {REASON_MAX} characters"
    return None
