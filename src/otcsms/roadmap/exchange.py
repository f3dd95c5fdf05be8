"""The roadmap in and out: an OSCAL plan of action and milestones (POA&M), CSV and XLSX exports, and the
import of actions from CSV, XLSX or JSON (all or nothing).

Exports read what the caller may see (the site was checked by the entry point); every spreadsheet cell goes
through ``core.spreadsheet`` (formula-safe). The POA&M validates against compliance-trestle's OSCAL models
(the test loads it with ``trestle.oscal.poam.PlanOfActionAndMilestones``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from otcsms.catalogs.models import Requirement
from otcsms.core.inputs import text_problem
from otcsms.core.models import User
from otcsms.core.scoping import can
from otcsms.core.spreadsheet import write_csv, write_xlsx_sheets
from otcsms.plant.importfiles import ImportRejected, RowProblem, read_table
from otcsms.roadmap import lifecycle
from otcsms.roadmap.models import (
    MAX_COST,
    MAX_EFFORT,
    MAX_RISK_REDUCTION,
    Action,
    BusinessGoal,
    RoadmapPlan,
    SourceKind,
)
from otcsms.roadmap.services import save_action, set_dependencies
from otcsms.tenancy.models import Site

OSCAL_VERSION = "1.1.2"
NS = "https://otcsms.org/ns/oscal"  # our namespace for the props OSCAL does not define
UUID_NS = uuid.UUID("5b0f7c1e-4d0a-4c59-9a55-0a7e2a1b9c62")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
EXPORT_COLUMNS = ("id", "title", "status", "phase", "placement", "source_kind", "owner", "goal", "effort_days",
                  "cost", "risk_reduction", "start_on", "due_on", "pinned_phase", "depends_on", "requirements",
                  "description")  # fmt: skip
IMPORT_COLUMNS = frozenset({"title", "description", "owner", "goal", "effort_days", "cost", "risk_reduction",
                            "start_on", "due_on", "pinned_phase", "status", "depends_on", "requirements"})  # fmt: skip
READ_ONLY_COLUMNS = frozenset({"id", "phase", "placement", "source_kind"})  # the export's, ignored on import
MAX_IMPORT_ROWS = 5000


def _actions(site: Site) -> list[Action]:
    return list(
        Action.objects.filter(site=site)
        .select_related("owner", "goal")
        .prefetch_related("requirement_rows__requirement__framework", "dependency_rows__depends_on")
        .order_by("pk")
    )


def _placements(site: Site) -> dict[str, dict[str, Any]]:
    plan = RoadmapPlan.objects.filter(site=site).first()
    return dict((plan.result or {}).get("placements", {})) if plan is not None else {}


def _requirement_text(action: Action) -> str:
    return "; ".join(
        f"{r.requirement.framework.key}:{r.requirement.ref}" for r in action.requirement_rows.all()
    )


def _phase_text(placement: dict[str, Any] | None) -> str:
    if not placement or placement.get("phase") is None:
        return ""
    return str(placement["phase"] + 1)


def export_rows(site: Site) -> list[list[str]]:
    placements = _placements(site)
    rows = []
    for a in _actions(site):
        placement = placements.get(str(a.pk))
        rows.append([
            str(a.pk), a.title, a.status, _phase_text(placement), (placement or {}).get("reason", ""),
            a.source_kind, a.owner.username if a.owner else "", a.goal.name if a.goal else "",
            str(a.effort_days), str(a.cost), str(a.risk_reduction), _day(a.start_on), _day(a.due_on),
            "" if a.pinned_phase is None else str(a.pinned_phase),
            "; ".join(d.depends_on.title for d in a.dependency_rows.all()), _requirement_text(a), a.description,
        ])  # fmt: skip
    return rows


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def export(site: Site, fmt: str) -> tuple[str, bytes]:
    """(file name, bytes) of the site's roadmap as CSV or XLSX."""
    name = f"roadmap-{site.code}.{fmt}"
    rows = export_rows(site)
    if fmt == "csv":
        return name, write_csv(EXPORT_COLUMNS, rows)
    return name, write_xlsx_sheets([("Roadmap", EXPORT_COLUMNS, rows)])


# --- OSCAL POA&M ------------------------------------------------------------------------------------------------
def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(UUID_NS, ":".join(str(p) for p in parts)))


def _prop(name: str, value: object) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": str(value)}


def _instant(day: date) -> str:
    return datetime.combine(day, time(0, 0), tzinfo=UTC).isoformat()


RISK_STATUS = {lifecycle.PROPOSED: "open", lifecycle.PLANNED: "open", lifecycle.IN_PROGRESS: "remediating",
               lifecycle.DONE: "closed", lifecycle.CANCELLED: "closed"}  # fmt: skip
REMEDIATION_LIFECYCLE = {lifecycle.PROPOSED: "recommendation", lifecycle.PLANNED: "planned",
                         lifecycle.IN_PROGRESS: "planned", lifecycle.DONE: "completed",
                         lifecycle.CANCELLED: "recommendation"}  # fmt: skip


def poam(site: Site) -> dict[str, Any]:
    """The site's roadmap as an OSCAL plan of action and milestones: one POA&M item per action, with the
    risk it addresses and its remediation; milestones from the action's dates; our fields as props."""
    placements = _placements(site)
    items, risks = [], []
    for a in _actions(site):
        risk_uuid = _uuid(site.pk, "risk", a.pk)
        placement = placements.get(str(a.pk)) or {}
        props = [_prop("status", a.status), _prop("source-kind", a.source_kind),
                 _prop("effort-person-days", a.effort_days), _prop("cost", a.cost),
                 _prop("risk-reduction", a.risk_reduction)]  # fmt: skip
        if phase := _phase_text(placement):
            props.append(_prop("phase", phase))
        if a.goal:
            props.append(_prop("business-goal", a.goal.name))
        if a.owner:
            props.append(_prop("owner", a.owner.username))
        item: dict[str, Any] = {
            "uuid": _uuid(site.pk, "action", a.pk), "title": a.title, "description": a.description or a.title,
            "props": props, "related-risks": [{"risk-uuid": risk_uuid}],
        }  # fmt: skip
        if placement.get("reason"):
            item["remarks"] = placement["reason"]
        items.append(item)
        risks.append(_risk(site, a, risk_uuid))
    now = timezone.now().replace(microsecond=0).isoformat()
    return {"plan-of-action-and-milestones": {
        "uuid": _uuid(site.pk, "poam", now),
        "metadata": {"title": f"Roadmap of {site.name}", "last-modified": now, "version": now[:10],
                     "oscal-version": OSCAL_VERSION},
        "system-id": {"identifier-type": "http://ietf.org/rfc/rfc4122", "id": _uuid(site.pk, "site")},
        "risks": risks, "poam-items": items,
    }} if items else _empty_poam(site, now)  # fmt: skip


def _empty_poam(site: Site, now: str) -> dict[str, Any]:
    # OSCAL asks for at least one item: an empty roadmap says so in one
    return {"plan-of-action-and-milestones": {
        "uuid": _uuid(site.pk, "poam", now),
        "metadata": {"title": f"Roadmap of {site.name}", "last-modified": now, "version": now[:10],
                     "oscal-version": OSCAL_VERSION},
        "system-id": {"identifier-type": "http://ietf.org/rfc/rfc4122", "id": _uuid(site.pk, "site")},
        "poam-items": [{"title": "No roadmap action yet", "description": "The site has no roadmap action."}],
    }}  # fmt: skip


def _risk(site: Site, a: Action, risk_uuid: str) -> dict[str, Any]:
    requirements = [r.requirement.ref for r in a.requirement_rows.all()]
    statement = (f"Gaps in {', '.join(requirements[:20])}" if requirements else
                 f"Risk addressed by the action ({a.get_source_kind_display().lower()})")  # fmt: skip
    risk: dict[str, Any] = {
        "uuid": risk_uuid, "title": a.title, "description": a.description or a.title,
        "statement": f"{statement}; expected reduction {a.risk_reduction} risk points.",
        "status": RISK_STATUS[a.status],
    }  # fmt: skip
    remediation: dict[str, Any] = {
        "uuid": _uuid(site.pk, "remediation", a.pk), "lifecycle": REMEDIATION_LIFECYCLE[a.status],
        "title": a.title, "description": a.description or a.title,
    }  # fmt: skip
    if a.due_on:
        risk["deadline"] = _instant(a.due_on)
        timing = ({"within-date-range": {"start": _instant(a.start_on), "end": _instant(a.due_on)}}
                  if a.start_on else {"on-date": {"date": _instant(a.due_on)}})  # fmt: skip
        remediation["tasks"] = [{"uuid": _uuid(site.pk, "milestone", a.pk), "type": "milestone",
                                 "title": f"{a.title} done", "timing": timing}]  # fmt: skip
    risk["remediations"] = [remediation]
    return risk


# --- import ------------------------------------------------------------------------------------------------------
@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    depends_on: list[str] = field(default_factory=list)
    requirement_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    created: list[Action]

    def describe(self) -> str:
        return f"imported {len(self.created)} roadmap action{'s' if len(self.created) != 1 else ''}"

    def as_dict(self) -> dict[str, Any]:
        return {"created": len(self.created), "ids": [a.pk for a in self.created]}


def import_actions(site: Site, data: bytes, filename: str, *, by: User | None = None) -> ImportResult:
    """Create the file's actions on ``site``, all or nothing (ImportRejected with every problem)."""
    table = read_table(data, filename)
    problems: list[RowProblem] = []
    unknown = [c for c in table.columns if c not in IMPORT_COLUMNS | READ_ONLY_COLUMNS]
    for column in unknown:
        problems.append(RowProblem(1, column, f"unknown column (known: {', '.join(sorted(IMPORT_COLUMNS))})"))
    if "title" not in table.columns:
        problems.append(RowProblem(1, "title", "the title column is required"))
    if len(table) > MAX_IMPORT_ROWS:
        problems.append(RowProblem(0, "", f"at most {MAX_IMPORT_ROWS} actions per file"))
    if problems:
        raise ImportRejected(problems)
    rows = [_read_row(site, number, record, problems, by)
            for number, record in zip(table.row_numbers or range(2, len(table) + 2), table, strict=False)]  # fmt: skip
    _check_titles(site, rows, problems)
    if problems:
        raise ImportRejected(problems)
    created: dict[str, Action] = {}
    with transaction.atomic():
        for row in rows:
            action = Action(site=site, **row.values)
            try:
                save_action(action, requirement_ids=row.requirement_ids)
            except Exception as exc:  # a rule the row checks missed: still all or nothing, with the row
                raise ImportRejected([RowProblem(row.number, "", str(exc)[:300])]) from None
            created[action.title.casefold()] = action
        _link_dependencies(site, rows, created)
    return ImportResult(list(created.values()))


def _read_row(
    site: Site, number: int, record: dict[str, str], problems: list[RowProblem], by: User | None
) -> _Row:
    values: dict[str, Any] = {"source_kind": SourceKind.MANUAL}

    def problem(column: str, reason: str) -> None:
        problems.append(RowProblem(number, column, reason))

    for column, text in record.items():
        multiline = column == "description"
        if (issue := text_problem(text, multiline=multiline)) is not None:
            problem(column, issue)
            record[column] = ""
    title = record.get("title", "").strip()
    if not title or len(title) > 200:
        problem("title", "a title of 1-200 characters is required")
    values["title"] = title
    description = record.get("description", "").strip()
    if len(description) > 5000:
        problem("description", "at most 5000 characters")
    values["description"] = description
    for column, limit in (
        ("effort_days", MAX_EFFORT),
        ("cost", MAX_COST),
        ("risk_reduction", MAX_RISK_REDUCTION),
    ):
        text = record.get(column, "").strip()
        if not text:
            continue
        try:
            amount = Decimal(text)
        except InvalidOperation:
            problem(column, f"a number, not {text[:40]!r}")
            continue
        if not amount.is_finite() or amount < 0 or amount > limit:
            problem(column, f"a number from 0 to {limit}")
            continue
        values[column] = amount.quantize(Decimal("0.1") if column == "effort_days" else Decimal("0.01"))
    for column in ("start_on", "due_on"):
        text = record.get(column, "").strip()
        if text:
            try:
                values[column] = date.fromisoformat(text)
            except ValueError:
                problem(column, f"a date as YYYY-MM-DD, not {text[:40]!r}")
    if values.get("start_on") and values.get("due_on") and values["due_on"] < values["start_on"]:
        problem("due_on", "due before it starts")
    if text := record.get("pinned_phase", "").strip():
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 12:
            problem("pinned_phase", "a phase number from 1 to 12")
        else:
            values["pinned_phase"] = int(text)
    status = record.get("status", "").strip().lower() or lifecycle.PROPOSED
    if status not in (lifecycle.PROPOSED, lifecycle.PLANNED):
        problem("status", "proposed or planned (an imported action has not started yet)")
    elif status == lifecycle.PLANNED and by is not None and not can(by, "approve", site.pk):
        problem("status", "planned: only approvers and site admins plan actions (import them as proposed)")
    values["status"] = status
    if name := record.get("owner", "").strip():
        owner = User.objects.filter(username=name, is_active=True).first()
        if owner is None or not _member(owner, site):
            problem("owner", f"no user {name[:60]!r} with a role on {site.name}")
        else:
            values["owner"] = owner
    if name := record.get("goal", "").strip():
        goal = BusinessGoal.objects.filter(name__iexact=name).first()
        if goal is None:
            problem("goal", f"no business goal {name[:60]!r}")
        else:
            values["goal"] = goal
    row = _Row(number, values)
    row.depends_on = [t.strip() for t in record.get("depends_on", "").split(";") if t.strip()]
    for ref in (r.strip() for r in record.get("requirements", "").split(";")):
        if not ref:
            continue
        framework, _, requirement_ref = ref.partition(":")
        found = Requirement.objects.filter(framework__key=framework.strip(), framework__is_current=True,
                                           ref=requirement_ref.strip()).values_list("pk", flat=True).first()  # fmt: skip
        if found is None:
            problem(
                "requirements", f"no requirement {ref[:80]!r} (write framework:ref, e.g. iec62443-3-3:SR 1.1)"
            )
        else:
            row.requirement_ids.append(found)
    return row


def _member(user: User, site: Site) -> bool:
    return can(user, "view", site.pk)


def _check_titles(site: Site, rows: list[_Row], problems: list[RowProblem]) -> None:
    """Titles are unique in the file; a dependency names an action of the file or of the site, once."""
    seen: dict[str, int] = {}
    for row in rows:
        key = row.values["title"].casefold()
        if key in seen:
            problems.append(RowProblem(row.number, "title", f"the same title as row {seen[key]}"))
        seen[key] = row.number
    existing: dict[str, int] = {}
    for title in Action.objects.filter(site=site).values_list("title", flat=True):
        existing[title.casefold()] = existing.get(title.casefold(), 0) + 1
    in_file = {row.values["title"].casefold(): row for row in rows}
    for row in rows:
        for name in row.depends_on:
            key = name.casefold()
            if key == row.values["title"].casefold():
                problems.append(RowProblem(row.number, "depends_on", "an action cannot depend on itself"))
            elif key not in in_file and existing.get(key, 0) != 1:
                why = "several actions of the site have this title" if existing.get(key) else "no such action"
                problems.append(RowProblem(row.number, "depends_on", f"{name[:80]!r}: {why}"))
    cycle = _file_cycle(rows, in_file)
    if cycle:
        problems.append(RowProblem(in_file[cycle[0].casefold()].number, "depends_on",
                                   "dependency cycle: " + " -> ".join(cycle)))  # fmt: skip


def _file_cycle(rows: list[_Row], in_file: dict[str, _Row]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(key: str) -> list[str] | None:
        state[key] = 1
        path.append(in_file[key].values["title"])
        for name in in_file[key].depends_on:
            nxt = name.casefold()
            if nxt not in in_file:
                continue
            if state.get(nxt) == 1:
                start = next(i for i, t in enumerate(path) if t.casefold() == nxt)
                return [*path[start:], in_file[nxt].values["title"]]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[key] = 2
        path.pop()
        return None

    for row in rows:
        key = row.values["title"].casefold()
        if key not in state and (found := visit(key)):
            return found
    return None


def _link_dependencies(site: Site, rows: list[_Row], created: dict[str, Action]) -> None:
    existing = {a.title.casefold(): a for a in Action.objects.filter(site=site).exclude(
        pk__in=[a.pk for a in created.values()])}  # fmt: skip
    for row in rows:
        if not row.depends_on:
            continue
        action = created[row.values["title"].casefold()]
        ids = [(created.get(n.casefold()) or existing[n.casefold()]).pk for n in row.depends_on]
        set_dependencies(action, ids)
