"""Every list as a file: ``?format=csv|xlsx|json`` on a list page gives the rows the page lists (its search,
filters and site narrowing; every row, not one page of them) with the page's columns, as CSV or XLSX (cells
never start a formula: ``core.spreadsheet``) or JSON.

The generic list view (``ui.generic.ScopedListView``) answers it for every list built on it; a list page of its
own (findings, drift, access reviews, advisories, the audit trail) calls ``answer`` with its filtered rows and
columns before it paginates, and shows ``export_links`` (``web/_export_links.html``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.text import slugify

from otcsms.core.spreadsheet import CONTENT_TYPES, TABLE_FORMATS, write_table, xlsx_text

MAX_ROWS = 50_000
FORMAT_LABELS = {"csv": "CSV", "xlsx": "XLSX", "json": "JSON"}


class ExportError(ValueError):
    """The export cannot be made as asked (unknown format, too many rows): a 400 with a reason."""


def requested(request: HttpRequest) -> str | None:
    """The format asked for with ``?format=``, None for the page itself; ExportError for another value."""
    fmt = request.GET.get("format")
    if fmt is None or fmt == "":
        return None
    if fmt not in TABLE_FORMATS:
        raise ExportError(f"format must be one of {', '.join(TABLE_FORMATS)}")
    return fmt


def cell(value: Any) -> str:
    """A value of a list's column as text: dates ISO 8601, date-times in UTC, booleans yes/no, nothing empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC) if value.tzinfo else value
        return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return "; ".join(cell(v) for v in value)
    return str(value)


def attribute(obj: Any, path: str) -> Any:
    """``obj``'s value at a dotted attribute path as a list shows it: a choice's label, a method's result, ""
    when a step is None."""
    value: Any = obj
    for part in path.split("."):
        display = getattr(value, f"get_{part}_display", None)
        value = display() if callable(display) else getattr(value, part, None)
        if value is None:
            return ""
    return value() if callable(value) else value


def export_response(
    title: str,
    columns: Sequence[tuple[str, str]],
    objects: Iterable[Any],
    fmt: str,
    *,
    value: Callable[[Any, str], Any] = attribute,
    key: Callable[[Any], Any] | None = None,
) -> HttpResponse:
    """The file of ``objects`` (at most MAX_ROWS: more is an ExportError) with an ``id`` column (``key(obj)``,
    by default its primary key) and ``columns`` ((label, attribute path) as the list shows them), each read with
    ``value(obj, path)``."""
    header = ["id", *(label for label, _ in columns)]
    rows: list[list[str]] = []
    for obj in objects:
        if len(rows) >= MAX_ROWS:
            raise ExportError(
                f"more than {MAX_ROWS} rows: narrow the list (search, filters or a site) and export again"
            )
        ident = key(obj) if key is not None else getattr(obj, "pk", "")
        rows.append([cell(ident), *(cell(value(obj, path)) for _, path in columns)])
    data = write_table(title, header, rows, fmt)
    name = f"{slugify(title) or 'list'}-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}.{fmt}"
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def answer(
    request: HttpRequest,
    title: str,
    columns: Sequence[tuple[str, str]],
    objects: Callable[[], Iterable[Any]],
    *,
    value: Callable[[Any, str], Any] = attribute,
    key: Callable[[Any], Any] | None = None,
) -> HttpResponse | None:
    """For a list page of its own: the file ``?format=`` asks for (``objects()``: every row the page lists, with
    its filters, before paginating), a 400 for an unknown format, None when the page itself is asked for."""
    try:
        fmt = requested(request)
        if fmt is None:
            return None
        return export_response(title, columns, objects(), fmt, value=value, key=key)
    except ExportError as exc:
        return refusal(exc)


def refusal(exc: ExportError) -> JsonResponse:
    return JsonResponse({"detail": str(exc)}, status=400)


def export_links(request: HttpRequest) -> list[tuple[str, str]]:
    """(label, URL) of each format for the list as the page shows it: the same query, every page."""
    kept = [(k, v) for k, values in request.GET.lists() for v in values if k not in ("page", "format")]
    return [(FORMAT_LABELS[fmt], "?" + urlencode([*kept, ("format", fmt)])) for fmt in TABLE_FORMATS]


def model_title(model: type[models.Model]) -> str:
    return str(model._meta.verbose_name_plural)


# --- sheets that come back: a list people edit in a spreadsheet and import again -----------------------------
@dataclass(frozen=True)
class EditableSheet:
    """A one-table workbook for a round trip (the POA&M, an access review): the columns people may edit have a
    yellow header, the first column (the row's id) and the header stay in view, every column has a filter, a
    column with ``choices`` a drop-down of them, and a second sheet says how to use it."""

    title: str
    columns: Sequence[str]
    editable: Sequence[str]
    rows: Iterable[Mapping[str, Any]]  # by column: text, a date, a number (Decimal or int) or None
    widths: Mapping[str, int] = field(default_factory=dict)
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)
    how_to: Sequence[str] = ()


def editable_workbook(sheet_data: EditableSheet) -> bytes:
    """The workbook's bytes: text cells guarded against formulas and stored as text, dates as dates (shown
    YYYY-MM-DD), amounts as numbers. Read it back with ``plant.importfiles.read_table``."""
    import openpyxl  # imported here: only the XLSX pays for it
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = list(sheet_data.columns)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_data.title[:31]
    sheet.append(columns)
    editable_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, name in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if name in sheet_data.editable:
            cell.fill = editable_fill
    for values in sheet_data.rows:
        line: list[Any] = []
        for name in columns:
            value = values.get(name)
            if value is None or value == "":
                line.append(None)
            elif isinstance(value, Decimal):
                line.append(float(value))
            elif isinstance(value, dt.date | int | float) and not isinstance(value, bool):
                line.append(value)
            else:
                line.append(xlsx_text(str(value)))
        sheet.append(line)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
    last = max(sheet.max_row, 2)
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    for name, allowed in sheet_data.choices.items():
        letter = get_column_letter(columns.index(name) + 1)
        validation = DataValidation(type="list", formula1='"' + ",".join(allowed) + '"', allow_blank=False)
        validation.error = "one of " + ", ".join(allowed)
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{last}")
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = sheet_data.widths.get(name, 14)
    about = workbook.create_sheet("How to use")
    for text in sheet_data.how_to:
        about.append([xlsx_text(text)])
    about.column_dimensions["A"].width = 140
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
