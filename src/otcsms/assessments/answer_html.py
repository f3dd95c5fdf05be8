"""The rows of the answer page, written directly: the same markup the template wrote for each row (and
tests/assessments/test_pages.py pins it against a template rendering), without the template engine's cost per
variable, which on a whole 62443-3-3 assessment (1,000 rows, 30 values each) was most of the page's time."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

FOR_MANY_ZONE = "also for the zones below without their own answer"
FOR_MANY_SITE = "for every zone without its own answer"
OVERRIDE_BUTTON = (
    ' <button type="submit" form="override" name="slot" value="{key}" class="override" title="Give this zone its '
    'own answer, starting from the inherited one">Override</button>'
)
SAVE_STATE = (
    '<span class="save-text"></span> <button type="button" class="save-retry" hidden style="display: none">'
    "Retry</button>"
)


def rows_html(
    rows: Iterable[Any], *, can_answer: bool, zone_based: bool, evidence_column: bool
) -> SafeString:
    """Every row's ``<tr>`` (rows: views.AnswerRow; typed loosely, the page imports this module and not the other
    way round), each on lines of its own as the template's loop wrote them."""
    return mark_safe(  # noqa: S308 - every value below is escaped (safe HTML as it is, like the template)
        "".join(f"\n{_row(row, can_answer, zone_based, evidence_column)}\n" for row in rows)
    )


def _row(row: Any, can_answer: bool, zone_based: bool, evidence_column: bool) -> str:
    slot, zone, response = row.slot, row.zone, row.response
    key, ref = escape(row.key), escape(slot.ref)
    zone_name = escape(zone.name) if zone is not None else ""
    where = f" in {zone_name}" if zone is not None else " for the site" if zone_based else ""
    inherited = escape(row.inherited_from)
    status = escape(row.status)
    select = (
        f'<input type="checkbox" name="slot" value="{key}" aria-label="Select {ref}">' if can_answer else ""
    )
    level = f' <span class="badge">SL{slot.sl_required}</span>' if slot.sl_required else ""
    guidance = (
        f'<details class="guidance-panel" data-guidance="{slot.requirement_id:d}"><summary>Guidance</summary></details>'
        if row.guidance
        else ""
    )
    many = ""
    if row.for_many:
        many = (
            f'<br><span class="muted for-many">{FOR_MANY_ZONE if zone is not None else FOR_MANY_SITE}</span>'
        )
    own_comment = escape(response.comment) if response is not None and response.comment else ""
    in_force = row.in_force
    shown_comment = escape(in_force.answer.comment) if inherited and in_force is not None else own_comment
    if can_answer:
        options = conditional_escape(row.status_options)
        status_cell = f'<select class="status-select" aria-label="Status of {ref}">{options}</select>'
        placeholder = f' placeholder="{shown_comment}"' if inherited else ""
        comment_cell = (
            f'<input class="comment-input" value="{own_comment}"{placeholder} maxlength="10000" '
            f'aria-label="Comment on {ref}">'
        )
        owners = conditional_escape(row.owner_options)
        owner_cell = f'<select class="owner-select" aria-label="Owner of {ref}">{owners}</select>'
    else:
        status_cell, comment_cell = status, shown_comment
        owner = response.owner if response is not None else None
        owner_cell = escape(str(owner)) if owner else ""
    if inherited:
        status_cell += f'<br><span class="muted inherited-note">inherited from {inherited}</span>'
        if can_answer:
            status_cell += OVERRIDE_BUTTON.format(key=key)
    evidence = f'<td class="evidence">{conditional_escape(row.evidence)}</td>' if evidence_column else ""
    history = f' · <a href="{escape(row.history_url)}">History</a>' if row.history_url else ""
    return (
        f'<tr data-slot="{key}" data-label="{ref}{where}" tabindex="-1" class="st-{status}'
        f'{" inherited" if inherited else ""}">\n'
        f"<td>{select}</td>\n"
        f"<td><code>{ref}</code>{level}</td>\n"
        f"<td>{escape(row.title)}{guidance}</td><td>{zone_name or 'site'}{many}</td>\n"
        f"<td>{status_cell}</td>\n"
        f"<td>{comment_cell}</td>\n"
        f"<td>{owner_cell}</td>\n"
        f"{evidence}\n"
        f'<td class="save-state">{SAVE_STATE if can_answer else ""}</td>\n'
        f'<td><a href="{escape(row.why_url)}" title="What this answer gives other frameworks, and why">Why</a>'
        f"{history}</td></tr>"
    )
