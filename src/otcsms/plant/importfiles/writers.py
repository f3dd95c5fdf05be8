"""Writing rows of an import kind as CSV, XLSX or JSON with the full column contract: an export imports back
unchanged.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence

from otcsms.core.spreadsheet import escape_formula, write_csv
from otcsms.iec62443.security_levels import format_sl_vector
from otcsms.plant.importfiles.columns import COLUMNS, KINDS
from otcsms.plant.importfiles.endpoints import Endpoint
from otcsms.plant.importfiles.readers import float_text
from otcsms.plant.importfiles.vocabulary import FORMATS


def write_table(kind: str, rows: Iterable[Mapping[str, object]], fmt: str) -> bytes:
    """Write rows of an import kind as CSV, XLSX or JSON with the full column contract as header.

    Values may be text, numbers, None, an SL vector (for sl_t), Endpoints or sequences (joined with ';').
    CSV and XLSX cells that a spreadsheet would run as a formula are prefixed with a single quote, which
    `read_table` removes again.
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    columns = COLUMNS[kind].all
    table = [_export_row(columns, row) for row in rows]
    if fmt == "csv":
        return _write_csv(columns, table)
    if fmt == "xlsx":
        return _write_xlsx(kind, columns, table)
    if fmt == "json":
        return _write_json(columns, table)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _export_row(columns: Sequence[str], row: Mapping[str, object]) -> list[str]:
    unknown = sorted(set(row) - set(columns))
    if unknown:
        raise ValueError(f"columns not in the contract: {', '.join(unknown)}")
    return [_cell_text(column, row.get(column)) for column in columns]


def _cell_text(column: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Endpoint):
        return value.uri()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return float_text(value) if isinstance(value, float) else str(value)
    if column == "sl_t":
        return format_sl_vector(value)  # type: ignore[arg-type]
    if isinstance(value, Iterable):
        return ";".join(_cell_text(column, item) for item in value)
    return str(value)


def _write_csv(columns: Sequence[str], table: list[list[str]]) -> bytes:
    return write_csv(columns, table)


def _write_xlsx(kind: str, columns: Sequence[str], table: list[list[str]]) -> bytes:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(kind)
    for values in [list(columns), *table]:
        cells = []
        for value in values:
            text = xlsx_text(value)
            cell = WriteOnlyCell(sheet, value=text or None)
            if text:
                cell.data_type = "s"  # never let openpyxl turn text into a formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_text(value: str) -> str:
    """A cell's text as written to XLSX: guarded against formulas (the reader undoes it), and with the
    characters XML 1.0 cannot carry replaced (they would make the workbook unreadable)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", escape_formula(value))


def _write_json(columns: Sequence[str], table: list[list[str]]) -> bytes:
    document = [dict(zip(columns, row, strict=True)) for row in table]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
