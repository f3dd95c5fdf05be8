"""Course completions exported by a learning management system (LMS) as CSV: plain Python, no Django.

UTF-8 (with or without a byte order mark) or UTF-16 with a byte order mark; anything else is refused with the
reason. All or nothing: ``read_completions`` returns every row or raises ``CompletionFileRejected`` with every
problem found (row, column, reason). Rows are numbered as a spreadsheet shows them (the header is row 1).
Who the person is and which course is meant are resolved against the database by the service, which adds its
own reasons (an unknown person or course) to the same list.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Final

from otcsms.core.inputs import text_problem
from otcsms.core.spreadsheet import unescape_formula

MAX_BYTES: Final = 5 * 2**20
MAX_ROWS: Final = 50_000
MAX_CELL: Final = 500
# Column names of LMS exports (lower case, spaces and underscores folded) -> ours.
ALIASES: Final[dict[str, str]] = {
    "email": "email", "e-mail": "email", "learner email": "email", "user email": "email", "mail": "email",
    "person": "name", "name": "name", "learner": "name", "learner name": "name", "employee": "name",
    "full name": "name", "user": "name",
    "course": "course", "course code": "course", "course id": "course", "code": "course", "course title": "course",
    "completed on": "completed_on", "completed": "completed_on", "completion date": "completed_on",
    "date completed": "completed_on", "date": "completed_on",
    "expires on": "expires_on", "expiry": "expires_on", "expiry date": "expires_on", "expiration date": "expires_on",
    "valid until": "expires_on",
    "score": "score", "result": "score", "grade": "score",
    "certificate": "evidence", "certificate url": "evidence", "evidence": "evidence", "evidence reference": "evidence",
    "certificate id": "evidence",
}  # fmt: skip
REQUIRED: Final = ("course", "completed_on")  # and an email or a name


@dataclass(frozen=True, slots=True)
class Problem:
    row: int  # 0: the file as a whole
    column: str
    reason: str

    def __str__(self) -> str:
        where = "file" if self.row == 0 else f"row {self.row}"
        return f"{where}, column {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


class CompletionFileRejected(Exception):
    """Nothing was imported; ``problems`` lists every reason, by row."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.row, p.column))
        first = self.problems[0] if self.problems else "rejected"
        count = len(self.problems)
        super().__init__(str(first) if count == 1 else f"{count} problems, the first: {first}")


@dataclass(frozen=True, slots=True)
class CompletionRow:
    row: int
    email: str
    name: str
    course: str
    completed_on: date
    expires_on: date | None = None
    score: int | None = None
    evidence: str = ""

    @property
    def person(self) -> str:
        """How the file names the person: the e-mail address when it has one."""
        return self.email or self.name


def decode(data: bytes) -> str:
    """The text of the file: UTF-8 (BOM optional) or UTF-16 with its BOM; ValueError names anything else."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not valid UTF-16 at byte {exc.start}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"not UTF-8 (byte {exc.start}): save the export as UTF-8, or UTF-16 with a byte order mark"
        ) from None


def _header(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def _date(raw: str) -> date | None:
    raw = raw.strip()[:32]
    for candidate in (raw, raw[:10]):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            continue
    return None


def read_completions(data: bytes) -> list[CompletionRow]:
    if len(data) > MAX_BYTES:
        raise CompletionFileRejected([Problem(0, "", f"larger than {MAX_BYTES // 2**20} MB")])
    try:
        text = decode(data)
    except ValueError as exc:
        raise CompletionFileRejected([Problem(0, "", str(exc))]) from None
    if "\x00" in text:
        raise CompletionFileRejected([Problem(0, "", "contains NUL characters: not a CSV file")])
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CompletionFileRejected([Problem(1, "", f"not readable as CSV: {exc}")]) from None
    if not header:
        raise CompletionFileRejected([Problem(0, "", "empty file: the header row is missing")])
    columns: list[str | None] = []
    problems: list[Problem] = []
    for name in header:
        key = ALIASES.get(_header(name))
        if key is None:
            problems.append(Problem(1, name[:60], "unknown column (expected email or name, course, "
                                                 "completed_on, and optionally expires_on, score, evidence)"))  # fmt: skip
        elif key in columns:
            problems.append(Problem(1, name[:60], f"a second column for {key}"))
        columns.append(key)
    missing = [c for c in REQUIRED if c not in columns]
    if "email" not in columns and "name" not in columns:
        missing.insert(0, "email or name")
    if missing:
        problems.append(Problem(1, "", f"missing column(s): {', '.join(missing)}"))
    if problems:
        raise CompletionFileRejected(problems)
    rows: list[CompletionRow] = []
    seen: dict[tuple[str, str, date], int] = {}
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise CompletionFileRejected([Problem(number, "", f"more than {MAX_ROWS} rows")])
            row = _row(number, cells, columns, problems)
            if row is None:
                continue
            same = (row.person.casefold(), row.course.casefold(), row.completed_on)
            if same in seen:
                problems.append(Problem(number, "", f"repeats row {seen[same]}"))
                continue
            seen[same] = number
            rows.append(row)
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, "", f"not readable as CSV: {exc}"))
    if problems:
        raise CompletionFileRejected(problems)
    if not rows:
        raise CompletionFileRejected([Problem(0, "", "no completions in the file")])
    return rows


def _row(
    number: int, cells: list[str], columns: list[str | None], problems: list[Problem]
) -> CompletionRow | None:
    if len(cells) > len(columns):
        problems.append(Problem(number, "", f"{len(cells)} cells for {len(columns)} columns"))
        return None
    values: dict[str, str] = {}
    before = len(problems)
    for key, cell in zip(columns, cells, strict=False):
        if key is None:
            continue
        value = unescape_formula(cell.strip())
        if len(value) > MAX_CELL:
            problems.append(Problem(number, key, f"longer than {MAX_CELL} characters"))
            continue
        why = text_problem(value, multiline=False)
        if why:
            problems.append(Problem(number, key, why))
            continue
        values[key] = value
    for key in REQUIRED:
        if not values.get(key) and not any(p.row == number and p.column == key for p in problems[before:]):
            problems.append(Problem(number, key, "empty"))
    if not values.get("email") and not values.get("name") and len(problems) == before:
        problems.append(Problem(number, "email", "empty: the file names nobody on this row"))
    completed = _date(values.get("completed_on", "")) if values.get("completed_on") else None
    if values.get("completed_on") and completed is None:
        problems.append(
            Problem(number, "completed_on", f"{values['completed_on']!r} is not a date (YYYY-MM-DD)")
        )
    expires = None
    if values.get("expires_on"):
        expires = _date(values["expires_on"])
        if expires is None:
            problems.append(
                Problem(number, "expires_on", f"{values['expires_on']!r} is not a date (YYYY-MM-DD)")
            )
        elif completed is not None and expires <= completed:
            problems.append(Problem(number, "expires_on", "expires before it was completed"))
    score = None
    if values.get("score"):
        raw = values["score"].rstrip("%").strip()
        score = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else None
        if score is None or score > 100:
            problems.append(Problem(number, "score", f"{values['score']!r} is not a score from 0 to 100"))
    if len(problems) > before or completed is None:
        return None
    return CompletionRow(number, values.get("email", ""), values.get("name", ""), values["course"], completed,
                         expires, score, values.get("evidence", ""))  # fmt: skip
