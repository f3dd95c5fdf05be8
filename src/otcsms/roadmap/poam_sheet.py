"""The plan of action and milestones (POA&M) as a spreadsheet for people who plan in Excel: every roadmap action
(the weakness it addresses, its source requirements, the zones of those gaps, owner, milestones with dates,
status, risk, cost) and every open gap no action addresses yet; formula-safe, with filters and a frozen header.

It comes back: the columns the plan's owners own (owner, status, status_reason, start_on, due_on) update the
actions, through the roadmap's own services (status changes are lifecycle transitions, with who may make them;
every write is in the audit trail with the importing actor). All or nothing: every bad row is reported and
nothing is written unless every row is good. A cell left as exported changes nothing.

The CSV/XLSX list and the OSCAL POA&M of the roadmap stay in exchange.py; this sheet reuses its cell guard
(core.spreadsheet), its reader (plant.importfiles) and its row problems.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from otcsms.assessments import gapexport
from otcsms.assessments.models import Assessment
from otcsms.core.inputs import text_problem
from otcsms.core.models import User
from otcsms.core.scoping import can
from otcsms.plant.importfiles import ImportRejected, RowProblem, read_table
from otcsms.roadmap import lifecycle, services
from otcsms.roadmap.exchange import _actions, _placements, _requirement_text
from otcsms.roadmap.models import Action, RoadmapPlan
from otcsms.tenancy.models import Site
from otcsms.ui.exports import EditableSheet, editable_workbook

COLUMNS = ("id", "weakness", "source_requirements", "zones", "owner", "status", "status_reason", "start_on",
           "due_on", "milestones", "completed_on", "risk_reduction", "cost", "source_kind", "description")  # fmt: skip
EDITABLE = ("owner", "status", "status_reason", "start_on", "due_on")
CHECKED_READ_ONLY = ("weakness", "risk_reduction", "cost")  # data people might edit by mistake: refused
GAP_STATUS = "open gap"  # the status a gap without an action shows
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 5000


# --- export ----------------------------------------------------------------------------------------------------
def latest_assessments(site: Site) -> list[Assessment]:
    latest: dict[str, Assessment] = {}
    for assessment in (
        Assessment.objects.filter(site=site)
        .select_related("framework")
        .order_by("framework__key", "-started_on", "-pk")
    ):
        latest.setdefault(assessment.framework.key, assessment)
    return sorted(latest.values(), key=lambda a: a.framework.name)


@dataclass
class _Gaps:
    zones_by_requirement: dict[str, set[str]] = field(default_factory=dict)
    unaddressed: list[tuple[Assessment, gapexport.GapRow]] = field(default_factory=list)


def _gaps(site: Site, actions: list[Action]) -> _Gaps:
    """The latest assessments' gaps: the zones of each requirement's gaps, and the gaps no action (other than a
    cancelled one) satisfies."""
    addressed = {
        f"{r.requirement.framework.key}:{r.requirement.ref}"
        for a in actions
        if a.status != lifecycle.CANCELLED
        for r in a.requirement_rows.all()
    }
    found = _Gaps()
    for assessment in latest_assessments(site):
        for row in gapexport.gap_rows(assessment):
            key = f"{assessment.framework.key}:{row.requirement}"
            found.zones_by_requirement.setdefault(key, set()).add(row.zone or "site-wide")
            if key not in addressed:
                found.unaddressed.append((assessment, row))
    return found


def _milestones(plan: RoadmapPlan | None, placement: dict[str, Any] | None, action: Action) -> str:
    parts = []
    if placement and placement.get("phase") is not None and plan is not None:
        phases = plan.phases or []
        index = int(placement["phase"])
        name = phases[index]["name"] if 0 <= index < len(phases) else f"phase {index + 1}"
        parts.append(f"Phase {index + 1} ({name})")
    if action.start_on:
        parts.append(f"start {action.start_on.isoformat()}")
    if action.due_on:
        parts.append(f"done by {action.due_on.isoformat()}")
    if action.completed_on:
        parts.append(f"completed {action.completed_on.isoformat()}")
    return "; ".join(parts)


def action_id(action: Action) -> str:
    return f"A-{action.pk}"


def gap_id(assessment: Assessment, row: gapexport.GapRow) -> str:
    return f"G-{assessment.pk}-{row.zone_id or 0}-{row.requirement}"


def rows(site: Site) -> list[dict[str, Any]]:
    """The sheet's rows as values (dates as dates, amounts as Decimals, the rest text)."""
    actions = _actions(site)
    placements = _placements(site)
    plan = RoadmapPlan.objects.filter(site=site).first()
    gaps = _gaps(site, actions)
    out: list[dict[str, Any]] = []
    for a in actions:
        requirements = _requirement_text(a)
        zones = sorted(
            {z for key in requirements.split("; ") if key for z in gaps.zones_by_requirement.get(key, ())}
        )
        out.append({
            "id": action_id(a), "weakness": a.title, "source_requirements": requirements, "zones": "; ".join(zones),
            "owner": a.owner.username if a.owner else "", "status": a.status, "status_reason": a.status_reason,
            "start_on": a.start_on, "due_on": a.due_on,
            "milestones": _milestones(plan, placements.get(str(a.pk)), a), "completed_on": a.completed_on,
            "risk_reduction": a.risk_reduction, "cost": a.cost, "source_kind": a.get_source_kind_display(),
            "description": a.description,
        })  # fmt: skip
    for assessment, g in gaps.unaddressed:
        out.append({
            "id": gap_id(assessment, g), "weakness": f"{g.title} ({g.status.replace('_', ' ')})",
            "source_requirements": f"{assessment.framework.key}:{g.requirement}", "zones": g.zone or "site-wide",
            "owner": g.owner, "status": GAP_STATUS, "status_reason": "", "start_on": None, "due_on": None,
            "milestones": "", "completed_on": None, "risk_reduction": None, "cost": None,
            "source_kind": f"Assessment gap ({assessment.name})", "description": g.comment,
        })  # fmt: skip
    return out


def export_xlsx(site: Site) -> tuple[str, bytes]:
    """(file name, bytes) of the site's POA&M workbook: the POA&M sheet first, then a sheet saying how to use it."""
    widths = {"id": 10, "weakness": 40, "source_requirements": 24, "zones": 18, "owner": 12, "status": 12,
              "status_reason": 24, "start_on": 12, "due_on": 12, "milestones": 36, "completed_on": 12,
              "risk_reduction": 10, "cost": 12, "source_kind": 20, "description": 50}  # fmt: skip
    how_to = (
        f"Plan of action and milestones of {site.name}: one row per roadmap action (A-…) and per open gap that "
        "no action addresses yet (G-…).",
        "Edit the yellow columns (owner, status, status_reason, start_on, due_on) and import the file back: "
        "otcsms import poam FILE --site SITE, or the roadmap page's POA&M import.",
        "Status: proposed, planned, in_progress, done, cancelled. A change runs the roadmap's transitions "
        "(planning and cancelling need an approver; cancelling and unplanning need a status_reason).",
        "Leave the other columns as they are: a changed weakness, risk or cost is refused, the rest is ignored. "
        "Gap rows (G-…) are read here only: plan them by creating an action.",
        "All or nothing: one bad row and nothing is imported; every problem is listed with its row and column.",
    )
    data = editable_workbook(EditableSheet("POA&M", COLUMNS, EDITABLE, rows(site), widths,
                                           {"status": lifecycle.STATES}, how_to))  # fmt: skip
    return f"poam-{site.code or site.pk}.xlsx", data


# --- import ----------------------------------------------------------------------------------------------------
@dataclass
class Change:
    action: Action
    fields: dict[str, Any] = field(default_factory=dict)  # owner, start_on, due_on: new values
    transitions: list[str] = field(default_factory=list)
    reason: str = ""
    row: int = 0

    def changed(self) -> list[str]:
        return [*self.fields, *(["status"] if self.transitions else [])]


@dataclass(frozen=True)
class PoamImportResult:
    changes: list[Change]

    def describe(self) -> str:
        count = len(self.changes)
        return f"updated {count} roadmap action{'s' if count != 1 else ''} from the POA&M"

    def as_dict(self) -> dict[str, Any]:
        return {
            "updated": len(self.changes),
            "changes": [
                {"id": action_id(c.action), "row": c.row, "changed": c.changed()} for c in self.changes
            ],
        }


def path_between(source: str, target: str) -> list[lifecycle.Transition] | None:
    """The shortest run of lifecycle transitions from ``source`` to ``target`` (None: no way)."""
    queue: deque[tuple[str, list[lifecycle.Transition]]] = deque([(source, [])])
    seen = {source}
    while queue:
        state, steps = queue.popleft()
        if state == target:
            return steps
        for step in lifecycle.available(state):
            if step.target not in seen:
                seen.add(step.target)
                queue.append((step.target, [*steps, step]))
    return None


def import_poam(site: Site, data: bytes, filename: str, *, by: User) -> PoamImportResult:
    """Apply the edited cells of a POA&M workbook (or CSV/JSON with the same columns) to the site's actions, all
    or nothing: ImportRejected with every problem, nothing written."""
    table = read_table(data, filename)
    problems: list[RowProblem] = []
    if "id" not in table.columns:
        problems.append(
            RowProblem(1, "id", "the id column is required (export the POA&M and edit that file)")
        )
    for column in table.columns:
        if column not in COLUMNS:
            problems.append(RowProblem(1, column, f"unknown column (the POA&M has: {', '.join(COLUMNS)})"))
    if len(table) > MAX_ROWS:
        problems.append(RowProblem(0, "", f"at most {MAX_ROWS} rows per file"))
    if problems:
        raise ImportRejected(problems)
    current = {r["id"]: r for r in rows(site)}
    actions = {action_id(a): a for a in Action.objects.filter(site=site).select_related("owner")}
    seen: dict[str, int] = {}
    changes: list[Change] = []
    numbers = table.row_numbers or list(range(2, len(table) + 2))
    for number, record in zip(numbers, table, strict=False):
        change = _read_row(site, by, number, record, current, actions, seen, problems)
        if change is not None and (change.fields or change.transitions):
            changes.append(change)
    if problems:
        raise ImportRejected(problems)
    with transaction.atomic():
        for change in changes:
            try:
                _apply(change, by)
            except (
                services.RoadmapInputError,
                services.RoadmapStateError,
                services.RoadmapForbiddenError,
            ) as exc:
                problems.append(RowProblem(change.row, "", str(exc)[:300]))
            except ValidationError as exc:
                problems.append(RowProblem(change.row, "", "; ".join(exc.messages)[:300]))
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise ImportRejected(problems)
    return PoamImportResult(changes)


def _apply(change: Change, by: User) -> None:
    action = Action.objects.select_for_update().get(pk=change.action.pk)
    with (
        transaction.atomic()
    ):  # a savepoint: a refused row leaves nothing half-done while the others are checked
        for step in change.transitions:
            action = services.transition(by, action, step, change.reason)
        if change.fields:
            for name, value in change.fields.items():
                setattr(action, name, value)
            services.save_action(action)
    change.action = action


def _same(column: str, text: str, value: Any) -> bool:
    """Whether the cell's text is the exported value (cells come back as text; dates as ISO; amounts as numbers)."""
    text = text.strip()
    if value is None or value == "":
        return text == ""
    if isinstance(value, date):
        return text[:10] == value.isoformat()
    if isinstance(value, Decimal):
        try:
            return Decimal(text) == value
        except InvalidOperation:
            return False
    return text == str(value).strip()


def _read_row(
    site: Site, by: User, number: int, record: dict[str, str], current: dict[str, dict[str, Any]],
    actions: dict[str, Action], seen: dict[str, int], problems: list[RowProblem],
) -> Change | None:  # fmt: skip
    def problem(column: str, reason: str) -> None:
        problems.append(RowProblem(number, column, reason))

    for column, text in record.items():
        if (issue := text_problem(text, multiline=column in ("description", "status_reason"))) is not None:
            problem(column, issue)
            return None
    key = record.get("id", "").strip()
    if key in seen:
        problem("id", f"the same id as row {seen[key]}")
        return None
    seen[key] = number
    exported = current.get(key)
    if exported is None:
        problem("id", f"no roadmap action or open gap {key[:40]!r} at {site.name} (export the POA&M again)")
        return None
    edited = [c for c in EDITABLE if c in record and not _same(c, record[c], exported[c])]
    if key.startswith("G-"):
        if edited:
            problem(
                edited[0], "a gap without an action is read here only: create an action for it to plan it"
            )
        return None
    for column in CHECKED_READ_ONLY:
        if column in record and not _same(column, record[column], exported[column]):
            problem(
                column,
                "read-only here (change it in otcsms), or the file is older than the roadmap: export it again",
            )
    action = actions[key]
    change = Change(action, row=number)
    if "owner" in edited:
        name = record["owner"].strip()
        if not name:
            change.fields["owner"] = None
        else:
            owner = User.objects.filter(username=name, is_active=True).first()
            if owner is None or not can(owner, "view", site.pk):
                problem("owner", f"no user {name[:60]!r} with a role on {site.name}")
            else:
                change.fields["owner"] = owner
    for column in ("start_on", "due_on"):
        if column in edited:
            text = record[column].strip()
            try:
                change.fields[column] = date.fromisoformat(text[:10]) if text else None
            except ValueError:
                problem(column, f"a date as YYYY-MM-DD, not {text[:40]!r}")
    start = change.fields.get("start_on", action.start_on)
    due = change.fields.get("due_on", action.due_on)
    if ("start_on" in change.fields or "due_on" in change.fields) and start and due and due < start:
        problem("due_on", "due before it starts")
    reason = record.get("status_reason", "").strip()
    if len(reason) > lifecycle.REASON_MAX:
        problem("status_reason", f"at most {lifecycle.REASON_MAX} characters")
    if "status" in edited:
        target = record["status"].strip().lower().replace(" ", "_")
        if target not in lifecycle.STATES:
            problem("status", f"one of {', '.join(lifecycle.STATES)}, not {record['status'][:40]!r}")
        else:
            steps = path_between(action.status, target)
            if steps is None:
                problem("status", f"the action is {action.status.replace('_', ' ')}: it cannot become "
                                  f"{target.replace('_', ' ')} (done and cancelled are final)")  # fmt: skip
            else:
                for step in steps:
                    if not can(by, step.action, site.pk):
                        who = "approvers and site admins" if step.action == "approve" else "contributors"
                        problem("status", f"{step.name}: only {who} of the site may {step.name} an action")
                        break
                    if step.reason_required and not reason:
                        problem("status_reason", f"{step.name} needs a reason (it goes into the audit trail)")
                        break
                change.transitions = [s.name for s in steps]
                change.reason = reason
    elif "status_reason" in edited:
        problem(
            "status_reason", "the reason goes with a status change (cancel, unplan): change the status too"
        )
    return change
