"""An access review in a spreadsheet: the review's grants as an XLSX a reviewer fills in offline (decision and
comment per grant), imported back.

The round trip of the POA&M (roadmap.poam_sheet), with its pieces: the workbook is ``ui.exports.editable_workbook``
(yellow editable columns, frozen header, filters, a drop-down of decisions), the file is read by
``plant.importfiles.read_table`` (XLSX, CSV or JSON with the same columns), problems are ``RowProblem`` rows.

All or nothing: every bad row is reported and nothing is written unless every row is good. A cell left as
exported changes nothing. Each decision is ``services.decide`` as the importing user (the same rules as the review
screen: the item's reviewer, an approver or a site admin; a revocation needs a comment and revokes the grant),
so each is in the audit trail with that user as its actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from otcsms.access import services
from otcsms.access.models import ReviewCampaign, ReviewItem
from otcsms.core.inputs import text_problem
from otcsms.core.models import User
from otcsms.plant.importfiles import ImportRejected, RowProblem, read_table
from otcsms.ui.exports import EditableSheet, editable_workbook

COLUMNS = ("id", "system", "person", "privilege", "access_type", "approved_by", "justification", "expires",
           "reviewer", "decision", "comment", "decided_at", "decided_by")  # fmt: skip
EDITABLE = ("decision", "comment")
CHECKED_READ_ONLY = (
    "system",
    "person",
    "privilege",
)  # what identifies the grant to the reviewer: refused if edited
DECISIONS = tuple(ReviewItem.Decision.values)
COMMENT_MAX = 1000
MAX_ROWS = 20000
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def item_id(item: ReviewItem) -> str:
    return f"R-{item.pk}"


def rows(campaign: ReviewCampaign) -> list[dict[str, Any]]:
    out = []
    for item in services.items_for(campaign):
        grant = item.grant
        out.append({
            "id": item_id(item), "system": grant.system.name, "person": grant.person.name,
            "privilege": grant.privilege, "access_type": grant.access_type, "approved_by": grant.approved_by.name,
            "justification": grant.justification, "expires": grant.expires_on, "reviewer": str(item.reviewer or ""),
            "decision": item.decision, "comment": item.comment,
            "decided_at": item.decided_at.strftime("%Y-%m-%d %H:%M UTC") if item.decided_at else "",
            "decided_by": str(item.decided_by or ""),
        })  # fmt: skip
    return out


def export_xlsx(campaign: ReviewCampaign) -> tuple[str, bytes]:
    """(file name, bytes) of the review's workbook: one row per grant under review, then how to use it."""
    widths = {"id": 9, "system": 20, "person": 22, "privilege": 16, "access_type": 12, "approved_by": 18,
              "justification": 40, "expires": 12, "reviewer": 14, "decision": 12, "comment": 50, "decided_at": 18,
              "decided_by": 14}  # fmt: skip
    how_to = (
        f"Access review '{campaign.title}' of {campaign.site.name}, period {campaign.period_start} to "
        f"{campaign.period_end}: one row per grant under review.",
        "Fill in the yellow columns: decision (confirmed or revoked) and comment. A revocation needs a comment "
        "(why the access goes) and revokes the grant when the file is imported.",
        "Import the file back on the review's page (Review in a spreadsheet) or POST it to "
        f"/api/v1/access-reviews/{campaign.pk}/import. You decide the rows you may decide on the review screen: "
        "your own as the reviewer, every row as an approver or site admin.",
        "Leave the other columns as they are: a changed system, person or privilege is refused, the rest is "
        "ignored. A decision cannot go back to pending, and a revoked grant's decision is final.",
        "All or nothing: one bad row and nothing is imported; every problem is listed with its row and column.",
    )
    data = editable_workbook(EditableSheet("Access review", COLUMNS, EDITABLE, rows(campaign), widths,
                                           {"decision": DECISIONS}, how_to))  # fmt: skip
    return f"access-review-{slugify(campaign.title)[:60] or campaign.pk}.xlsx", data


@dataclass
class Decision:
    item: ReviewItem
    decision: str
    comment: str
    row: int
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewImportResult:
    decisions: list[Decision]

    def describe(self) -> str:
        count = len(self.decisions)
        return f"recorded {count} decision{'s' if count != 1 else ''} from the spreadsheet"

    def as_dict(self) -> dict[str, Any]:
        return {
            "updated": len(self.decisions),
            "changes": [
                {"id": item_id(d.item), "row": d.row, "changed": d.changed, "decision": d.decision}
                for d in self.decisions
            ],
        }


def import_review(campaign: ReviewCampaign, data: bytes, filename: str, *, by: User) -> ReviewImportResult:
    """Record the decisions and comments edited in the review's workbook (or a CSV/JSON with its columns) as
    ``by``, all or nothing: ImportRejected with every problem, nothing written."""
    table = read_table(data, filename)
    problems: list[RowProblem] = []
    if campaign.status != ReviewCampaign.Status.OPEN:
        problems.append(RowProblem(0, "", "the review is signed off: its decisions are final"))
    if "id" not in table.columns:
        problems.append(
            RowProblem(1, "id", "the id column is required (export the review and edit that file)")
        )
    for column in table.columns:
        if column not in COLUMNS:
            problems.append(RowProblem(1, column, f"unknown column (the review has: {', '.join(COLUMNS)})"))
    if len(table) > MAX_ROWS:
        problems.append(RowProblem(0, "", f"at most {MAX_ROWS} rows per file"))
    if problems:
        raise ImportRejected(problems)
    items = {item_id(i): i for i in services.items_for(campaign)}
    current = {r["id"]: r for r in rows(campaign)}
    seen: dict[str, int] = {}
    decisions: list[Decision] = []
    numbers = table.row_numbers or list(range(2, len(table) + 2))
    for number, record in zip(numbers, table, strict=False):
        found = _read_row(campaign, by, number, record, items, current, seen, problems)
        if found is not None:
            decisions.append(found)
    if problems:
        raise ImportRejected(problems)
    with transaction.atomic():
        for d in decisions:
            try:
                with transaction.atomic():  # a savepoint: a refused row leaves nothing half-done
                    d.item = services.decide(by, d.item, decision=d.decision, comment=d.comment)
            except (services.AccessForbiddenError, services.AccessStateError, ValueError) as exc:
                problems.append(RowProblem(d.row, "decision", str(exc)[:300]))
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise ImportRejected(problems)
    return ReviewImportResult(decisions)


def _read_row(
    campaign: ReviewCampaign, by: User, number: int, record: dict[str, str], items: dict[str, ReviewItem],
    current: dict[str, dict[str, Any]], seen: dict[str, int], problems: list[RowProblem],
) -> Decision | None:  # fmt: skip
    def problem(column: str, reason: str) -> None:
        problems.append(RowProblem(number, column, reason))

    for column, text in record.items():
        if (issue := text_problem(text, multiline=column in ("comment", "justification"))) is not None:
            problem(column, issue)
            return None
    key = record.get("id", "").strip()
    if key in seen:
        problem("id", f"the same id as row {seen[key]}")
        return None
    seen[key] = number
    item = items.get(key)
    if item is None:
        problem(
            "id", f"no grant {key[:40]!r} in the review {campaign.title[:60]!r} (export the review again)"
        )
        return None
    exported = current[key]
    for column in CHECKED_READ_ONLY:
        if column in record and record[column].strip() != str(exported[column]).strip():
            problem(column, "read-only here: the row must stay the grant it was exported for")
    edited = [c for c in EDITABLE if c in record and record[c].strip() != str(exported[c]).strip()]
    if not edited:
        return None
    decision = record.get("decision", item.decision).strip().lower() or ReviewItem.Decision.PENDING
    comment = record.get("comment", item.comment).strip()
    if item.decision == ReviewItem.Decision.REVOKED:
        problem(edited[0], "the grant was revoked by this review: its decision is final")
        return None
    if decision not in DECISIONS:
        problem("decision", f"one of confirmed, revoked (or pending, left undecided), not {decision[:40]!r}")
        return None
    if decision == ReviewItem.Decision.PENDING:
        reason = ("a decision cannot be taken back to pending" if item.decision != ReviewItem.Decision.PENDING
                  else "a comment goes with a decision: confirm or revoke the grant too")  # fmt: skip
        problem(edited[0], reason)
        return None
    if len(comment) > COMMENT_MAX:
        problem("comment", f"at most {COMMENT_MAX} characters")
    if decision == ReviewItem.Decision.REVOKED and not comment:
        problem("comment", "say why the grant is revoked (a comment)")
    if not services.may_decide(by, item):
        reviewer = f" ({item.reviewer})" if item.reviewer_id else ""
        problem("decision", f"only the grant's reviewer{reviewer}, an approver or a site admin decides it")
    return Decision(item, decision, comment, number, edited)
