"""The gap list back from a spreadsheet: the exported gaps (gapexport, CSV or XLSX), edited where the data is the
users' (status, owner, comment), update the answers, all or nothing, with every bad row reported.

A row is found by its zone and requirement; a cell left as exported changes nothing, so exactly the edited cells
change. The other columns are the tool's (title, SL, FR, inheritance, evidence): a changed one is a problem, as is
a row that is no longer a gap (export again), and an inherited answer (edit it where it was given).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from otcsms.assessments import gapexport, services
from otcsms.assessments.kpis import latest_per_framework
from otcsms.assessments.models import Assessment, Status
from otcsms.core.inputs import text_problem
from otcsms.core.models import User
from otcsms.core.scoping import can
from otcsms.plant.importfiles import ImportRejected, RowProblem, read_table
from otcsms.tenancy.models import Site

EDITABLE = ("status", "owner", "comment")
READ_ONLY = ("fr", "title", "sl_required", "zone_sl_t", "inherited_from", "evidence")
MAX_ROWS = 20000


@dataclass(frozen=True)
class GapImportResult:
    changed: list[tuple[str, str, list[str]]]  # (zone, requirement, changed columns)

    def describe(self) -> str:
        count = len(self.changed)
        return f"updated {count} answer{'s' if count != 1 else ''} from the gap list"

    def as_dict(self) -> dict[str, Any]:
        return {"updated": len(self.changed),
                "changes": [{"zone": z, "requirement": r, "changed": c} for z, r, c in self.changed]}  # fmt: skip


def assessment_of(site: Site, data: bytes, filename: str) -> Assessment:
    """The assessment a gap list of ``site`` comes from, for the command line (which names a site, not an
    assessment): the site's latest assessment of the one framework whose requirements include every requirement
    of the file. ImportRejected when none or several fit."""
    table = read_table(data, filename)
    refs = {record.get("requirement", "").strip() for record in table} - {""}
    fitting = []
    for assessment in latest_per_framework(site):
        known = {r.ref for r in services.framework_requirements(assessment.framework)}
        if refs and refs <= known:
            fitting.append(assessment)
    if len(fitting) == 1:
        return fitting[0]
    if not fitting:
        reason = f"the file's requirements are not those of any assessment at {site.name} (export the gap list again)"
    else:
        names = ", ".join(a.framework.key for a in fitting)
        reason = f"the file's requirements fit the assessments of several frameworks at {site.name}: {names}"
    raise ImportRejected([RowProblem(0, "requirement", reason)])


def import_gaps(assessment: Assessment, data: bytes, filename: str, *, by: User | None) -> GapImportResult:
    """Apply the edited cells of an exported gap list to the assessment's answers (ImportRejected: nothing written).
    ``by`` is recorded as the answers' assessor (None from the command line, whose actor is in the audit trail)."""
    table = read_table(data, filename)
    problems: list[RowProblem] = []
    for column in ("zone", "requirement"):
        if column not in table.columns:
            problems.append(RowProblem(1, column, "required: export the gap list and edit that file"))
    for column in table.columns:
        if column not in gapexport.COLUMNS:
            problems.append(
                RowProblem(1, column, f"unknown column (the gap list has: {', '.join(gapexport.COLUMNS)})")
            )
    if len(table) > MAX_ROWS:
        problems.append(RowProblem(0, "", f"at most {MAX_ROWS} rows per file"))
    if problems:
        raise ImportRejected(problems)
    current = {(r.zone, r.requirement): r for r in gapexport.gap_rows(assessment)}
    requirement_ids = {r.ref: r.pk for r in services.framework_requirements(assessment.framework)}
    answers: list[services.Answer] = []
    changed: list[tuple[str, str, list[str]]] = []
    seen: dict[tuple[str, str], int] = {}
    numbers = table.row_numbers or list(range(2, len(table) + 2))
    for number, record in zip(numbers, table, strict=False):
        answer = _read_row(assessment, by, number, record, current, requirement_ids, seen, problems)
        if answer is not None:
            answers.append(answer[0])
            changed.append(answer[1])
    if problems:
        raise ImportRejected(problems)
    if answers:
        try:
            services.set_responses(assessment, answers, by)
        except (
            services.AssessmentInputError,
            services.AssessmentStateError,
            services.AssessmentConflictError,
        ) as exc:
            raise ImportRejected([RowProblem(0, "", str(exc)[:300])]) from None
    return GapImportResult(changed)


def _read_row(
    assessment: Assessment, by: User | None, number: int, record: dict[str, str],
    current: dict[tuple[str, str], gapexport.GapRow], requirement_ids: dict[str, int],
    seen: dict[tuple[str, str], int], problems: list[RowProblem],
) -> tuple[services.Answer, tuple[str, str, list[str]]] | None:  # fmt: skip
    def problem(column: str, reason: str) -> None:
        problems.append(RowProblem(number, column, reason))

    for column, text in record.items():
        if (issue := text_problem(text, multiline=column in ("comment", "evidence"))) is not None:
            problem(column, issue)
            return None
    key = (record.get("zone", "").strip(), record.get("requirement", "").strip())
    if key in seen:
        problem("requirement", f"the same zone and requirement as row {seen[key]}")
        return None
    seen[key] = number
    row = current.get(key)
    if row is None:
        problem("requirement", f"{key[1][:40]!r} in {key[0] or 'site-wide'!r:.40} is not a gap of {assessment.name} "
                               "now (export the gap list again)")  # fmt: skip
        return None
    exported = dict(zip(gapexport.COLUMNS, row.cells(), strict=True))
    for column in READ_ONLY:
        if column in record and record[column].strip() != exported[column].strip():
            problem(
                column, "read-only here (the tool's), or the file is older than the answers: export it again"
            )
    edited = [c for c in EDITABLE if c in record and record[c].strip() != exported[c].strip()]
    if not edited:
        return None
    if row.inherited_from:
        problem(
            edited[0], f"the answer is inherited from {row.inherited_from}: edit the row where it was given"
        )
        return None
    given: dict[str, Any] = {}
    if "status" in edited:
        status = record["status"].strip().lower().replace(" ", "_")
        if status not in Status.values:
            problem("status", f"one of {', '.join(Status.values)}, not {record['status'][:40]!r}")
        given["status"] = status
    if "comment" in edited:
        comment = record["comment"].strip()
        if len(comment) > 5000:
            problem("comment", "at most 5000 characters")
        given["comment"] = comment
    if "owner" in edited:
        name = record["owner"].strip()
        owner = User.objects.filter(username=name, is_active=True).first() if name else None
        if name and (owner is None or not can(owner, "view", assessment.site_id)):
            problem("owner", f"no user {name[:60]!r} with a role on {assessment.site.name}")
        given["owner_id"] = owner.pk if owner is not None else None
    answer = services.Answer(requirement_ids[row.requirement], row.zone_id, **given)
    return answer, (row.zone, row.requirement, edited)
