"""Cells that open safely in a spreadsheet: no formula injection through CSV or XLSX exports.

A cell that starts with = + - @ (or a tab or CR before one) is prefixed with a single quote, which
spreadsheets show as text. A CSV opened with another separator than ours (Excel in a locale that splits
on ';') would still cut ``a;=1+1`` into a cell ``=1+1``: every CSV cell is therefore quoted, which every
spreadsheet reads as one cell whatever its separator.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Final

_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")


def escape_formula(text: str) -> str:
    """``text`` safe to put in a cell; reading it back with ``unescape_formula`` gives ``text`` again.

    Text that already starts with quotes followed by a formula character gets one more quote, so the
    round trip is exact.
    """
    return "'" + text if _FORMULA_START.match(text) else text


def unescape_formula(text: str) -> str:
    return text[1:] if text.startswith("'") and _FORMULA_START.match(text, 1) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A UTF-8 CSV (with the byte order mark Excel needs to read it as UTF-8), every cell quoted and guarded."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([escape_formula(cell) for cell in header])
    writer.writerows([escape_formula(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_text(value: str) -> str:
    """A cell's text as written to XLSX: guarded against formulas, and with the characters XML 1.0 cannot
    carry replaced (they would make the workbook unreadable)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("\ufffd", escape_formula(value))
    return cleaned


def write_xlsx(sheet_name: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A one-sheet workbook of text cells, every cell guarded and stored as a string (never a formula)."""
    return write_xlsx_sheets([(sheet_name, header, rows)])


def write_xlsx_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[str]]]]) -> bytes:
    """A workbook of one sheet per (name, header, rows), cells as in write_xlsx."""
    import openpyxl  # imported here: only XLSX exports pay for loading it
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    for sheet_name, header, rows in sheets:
        sheet = workbook.create_sheet(sheet_name[:31])
        for values in [list(header), *rows]:
            cells = []
            for value in values:
                text = xlsx_text(value)
                cell = WriteOnlyCell(sheet, value=text or None)
                if text:
                    cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- a table in one of the export formats: every list's export and the apps' own exports ----------------------
TABLE_FORMATS: Final = ("csv", "xlsx", "json")
CONTENT_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def write_table(title: str, columns: Sequence[str], rows: list[list[str]], fmt: str) -> bytes:
    """``rows`` of text cells under ``columns`` as CSV or XLSX (cells guarded as above) or JSON (a list of
    objects keyed by the column names, the values as they are: JSON is not opened by spreadsheets)."""
    if fmt == "csv":
        return write_csv(columns, rows)
    if fmt == "xlsx":
        return write_xlsx(title[:31] or "Sheet", columns, rows)
    if fmt == "json":
        objects = [dict(zip(columns, row, strict=True)) for row in rows]
        return (json.dumps(objects, ensure_ascii=False, indent=1) + "\n").encode()
    raise ValueError(f"format must be one of {', '.join(TABLE_FORMATS)}")
