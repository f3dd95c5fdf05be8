"""A table of text cells written as CSV, XLSX or JSON: what every access export is made of.

CSV and XLSX cells never start a spreadsheet formula (``core.spreadsheet``); JSON is a list of objects keyed by
the column names, the values as they are (JSON is not opened by spreadsheets).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

from otcsms.core.spreadsheet import write_csv, write_xlsx

FORMATS: Final = ("csv", "xlsx", "json")
CONTENT_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def write_table(title: str, columns: Sequence[str], rows: list[list[str]], fmt: str) -> bytes:
    if fmt == "csv":
        return write_csv(columns, rows)
    if fmt == "xlsx":
        return write_xlsx(title[:31], columns, rows)
    if fmt == "json":
        objects = [dict(zip(columns, row, strict=True)) for row in rows]
        return (json.dumps(objects, ensure_ascii=False, indent=1) + "\n").encode()
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
