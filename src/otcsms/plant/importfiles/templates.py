"""Templates to fill in: for each import kind, a CSV or XLSX file with the header row and one example row.

Generated from the column specifications (``columns.SPECS``), so a template names exactly the columns the
checker reads and describes the values it accepts. The XLSX template also explains every column: a comment on
each header cell and a second sheet, "about", which the import never reads (it reads the first sheet only).
Every cell goes through the same formula guard as an export, and the template imports as it is.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Final

from otcsms.core.spreadsheet import write_csv
from otcsms.plant.importfiles.columns import SINGULAR, Column, specs_of
from otcsms.plant.importfiles.writers import xlsx_text

TEMPLATE_FORMATS: Final = ("csv", "xlsx")
_ABOUT_HEADER: Final = ("column", "required", "accepts", "example")
_LIST_LIMIT: Final = 255  # the longest list a spreadsheet's drop-down accepts


def write_template(kind: str, fmt: str, specs: Sequence[Column] | None = None) -> bytes:
    """The template of ``kind`` as CSV or XLSX. ``specs`` replaces the kind's columns (for tests)."""
    columns = tuple(specs) if specs is not None else specs_of(kind)
    if fmt == "csv":
        return write_csv([c.name for c in columns], [[c.example for c in columns]])
    if fmt == "xlsx":
        return _xlsx(kind, columns)
    raise ValueError(f"unknown template format {fmt!r}; expected one of {', '.join(TEMPLATE_FORMATS)}")


def template_filename(kind: str, fmt: str) -> str:
    return f"otcsms-{kind}-template.{fmt}"


def describe(column: Column) -> str:
    """What a column accepts, in one sentence that says whether it is required."""
    return f"{'Required' if column.required else 'Optional'}: {column.accepts}."


def _xlsx(kind: str, columns: Sequence[Column]) -> bytes:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = kind
    for index, column in enumerate(columns, start=1):
        header = _text_cell(sheet, 1, index, column.name)
        header.font = Font(bold=True)
        header.comment = Comment(xlsx_text(describe(column)), "otcsms", width=320, height=120)
        _text_cell(sheet, 2, index, column.example)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, min(48, len(column.example) + 4))
        listed = ",".join(column.choices)
        if column.choices and len(listed) + 2 <= _LIST_LIMIT:
            # a drop-down of the stored values; other spellings the checker understands stay allowed
            check = DataValidation(
                type="list", formula1=f'"{listed}"', allow_blank=True, showErrorMessage=False
            )
            check.add(f"{letter}2:{letter}1000")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"

    about = workbook.create_sheet("about")
    _text_cell(about, 1, 1, f"The first sheet is imported: row 1 is the header, then one row per {SINGULAR[kind]}. "
               "Replace the example row; this sheet is never read.")  # fmt: skip
    for index, title in enumerate(_ABOUT_HEADER, start=1):
        _text_cell(about, 3, index, title).font = Font(bold=True)
    for row, column in enumerate(columns, start=4):
        values = (column.name, "yes" if column.required else "no", column.accepts, column.example)
        for index, value in enumerate(values, start=1):
            _text_cell(about, row, index, value)
    for letter, width in zip("ABCD", (16, 10, 90, 40), strict=True):
        about.column_dimensions[letter].width = width

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, row: int, column: int, value: str):
    text = xlsx_text(value)
    cell = sheet.cell(row=row, column=column)
    if text:
        cell.value = text
        cell.data_type = "s"  # text stays text: openpyxl would store a leading '=' as a formula
    return cell
