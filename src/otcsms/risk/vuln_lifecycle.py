"""The status of a vulnerability on an asset: its explicit transitions and what each needs.

    open -> patched | mitigated | accepted | not-affected
    mitigated -> patched | accepted | open
    accepted -> patched | mitigated | open
    patched -> open                     (the fix was rolled back, or did not hold)
    not-affected -> open                (the verification was wrong, or a revision lists the asset again)

Every change carries a note. Accepting needs the person who accepts the risk and an expiry date in the future;
the acceptance is cleared by any other transition. Contributors make the changes; accepting a risk is for
approvers and site admins.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from otcsms.core.inputs import text_problem
from otcsms.core.models import User
from otcsms.core.roles import Action
from otcsms.core.scoping import can
from otcsms.org.models import Person
from otcsms.risk.models import AssetVulnerability

S = AssetVulnerability.Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.PATCHED, S.MITIGATED, S.ACCEPTED, S.NOT_AFFECTED}),
    S.MITIGATED: frozenset({S.PATCHED, S.ACCEPTED, S.OPEN}),
    S.ACCEPTED: frozenset({S.PATCHED, S.MITIGATED, S.OPEN}),
    S.PATCHED: frozenset({S.OPEN}),
    S.NOT_AFFECTED: frozenset({S.OPEN}),
}


class TransitionError(ValueError):
    """The change is not allowed from the current status, or misses what it needs (409/422)."""


class TransitionForbidden(PermissionError):
    """The user may not make this change on this site (403)."""


def allowed(current: str) -> list[str]:
    return sorted(TRANSITIONS.get(current, frozenset()))


def change_status(
    item: AssetVulnerability,
    to: str,
    *,
    note: str,
    by: User | None,
    accepted_by: Person | None = None,
    accepted_until: date | None = None,
) -> AssetVulnerability:
    action: Action = "approve" if to == S.ACCEPTED else "change"
    if by is not None and not can(by, action, item.site_id):
        raise TransitionForbidden(
            "only approvers and site admins accept risks"
            if action == "approve"
            else "you may not change this"
        )
    if to not in S.values:
        raise TransitionError(f"status: one of {', '.join(S.values)}")
    if to not in TRANSITIONS.get(item.status, frozenset()):
        raise TransitionError(f"a vulnerability that is {item.status} cannot become {to}")
    note = note.strip()
    if not note or len(note) > 1000 or text_problem(note, multiline=False):
        raise TransitionError("note: say why, in one line of at most 1000 characters")
    if to == S.ACCEPTED:
        if accepted_by is None:
            raise TransitionError("accepted_by: who accepts the risk")
        if accepted_by.site_id not in (None, item.site_id):
            raise TransitionError("accepted_by: this person belongs to another site")
        if accepted_until is None or accepted_until <= timezone.localdate():
            raise TransitionError("accepted_until: an acceptance expires, on a date in the future")
    item.status = to
    item.status_note = note
    item.accepted_by = accepted_by if to == S.ACCEPTED else None
    item.accepted_until = accepted_until if to == S.ACCEPTED else None
    item.status_changed_at = timezone.now()
    item.status_changed_by = by
    with transaction.atomic():
        item.full_clean()
        item.save()
    return item
