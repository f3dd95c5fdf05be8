"""Every list as a file: ``?format=csv|xlsx|json`` on a list page gives the rows the page lists (its search,
filters and site narrowing; every row, not one page of them) with the page's columns, as CSV or XLSX (cells
never start a formula: ``core.spreadsheet``) or JSON.

The generic list view (``ui.generic.ScopedListView``) answers it for every list built on it; a list page of its
own (findings, drift, access reviews, advisories, the audit trail) calls ``answer`` with its filtered rows and
columns before it paginates, and shows ``export_links`` (``web/_export_links.html``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.text import slugify

from otcsms.core.spreadsheet import CONTENT_TYPES, TABLE_FORMATS, write_table

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
