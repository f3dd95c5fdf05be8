"""Why a file is rejected: every problem, with its row and column. An import is all or nothing.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first data row is row 2. For JSON the
row number is the position in the list counting from 1 (there is no header row). Row 0 means the file as a
whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One reason a file was rejected: where (row number, column) and why."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = "file" if self.row == 0 else f"row {self.row}"
        return f"{where}, column {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


class ImportRejected(Exception):
    """The file cannot be imported; `problems` lists every reason found, ordered by row."""

    def __init__(self, problems: Iterable[RowProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda problem: problem.row))
        super().__init__(self._summary())

    def _summary(self) -> str:
        if not self.problems:
            return "import rejected"
        count = len(self.problems)
        first = self.problems[0]
        return str(first) if count == 1 else f"{count} problems, the first: {first}"


def reject(reason: str, row: int = 0, column: str = "") -> ImportRejected:
    return ImportRejected([RowProblem(row, column, reason)])
