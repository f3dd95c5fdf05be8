"""Reading CSV, XLSX and JSON import files into a ``Table``: rows of text keyed by lower-case column name.

Files are untrusted: sizes, rows, columns and XLSX archives are bounded before anything is unpacked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, BinaryIO, Final, TypeVar

from otcsms.core.spreadsheet import unescape_formula
from otcsms.plant.importfiles.problems import ImportRejected, RowProblem, reject
from otcsms.plant.importfiles.vocabulary import FORMATS

MAX_FILE_BYTES: Final = 50 * 1024 * 1024
_Result = TypeVar("_Result")
MAX_ROWS: Final = 200_000
MAX_COLUMNS: Final = 64
MAX_XLSX_UNCOMPRESSED_BYTES: Final = 512 * 1024 * 1024
MAX_XLSX_MEMBERS: Final = 2_000
MAX_XLSX_RATIO: Final = 200
MAX_READ_PROBLEMS: Final = 200


class Table(list[dict[str, str]]):
    """Rows read from a file, remembering the header and the row number each row had in the file."""

    def __init__(
        self,
        rows: Iterable[dict[str, str]] = (),
        *,
        columns: Sequence[str] = (),
        row_numbers: Sequence[int] = (),
        column_rows: Mapping[str, int] | None = None,
        fmt: str = "",
    ) -> None:
        super().__init__(rows)
        self.columns = tuple(columns)
        self.row_numbers = list(row_numbers)
        self.column_rows = dict(column_rows or dict.fromkeys(self.columns, 1))
        self.format = fmt


def read_table(source: str | os.PathLike[str] | bytes | BinaryIO, filename: str) -> Table:
    """Read a CSV, XLSX or JSON import file into rows of text keyed by lower-case column name.

    `filename` only decides the format by its extension; when `source` is bytes or a stream, no file of that
    name is opened. Raises ImportRejected for a file too large, of an unknown type, or unreadable.
    """
    fmt = format_of(filename)
    data = _bytes_of(source)
    if fmt == "csv":
        return _read_csv(data)
    if fmt == "xlsx":
        return _read_xlsx(data)
    return _read_json(data)


def format_of(filename: str) -> str:
    """The import format named by a file's extension, or ImportRejected for anything else."""
    extension = os.path.splitext(filename)[1].lower().lstrip(".")
    if extension in FORMATS:
        return extension
    if extension in ("xls", "xlsm", "xlsb"):
        raise reject(f"'.{extension}' workbooks are not accepted; save the sheet as .xlsx (without macros)")
    raise reject(f"unknown file type {extension or '(none)'!r}; use .csv, .xlsx or .json")


def _bytes_of(source: str | os.PathLike[str] | bytes | BinaryIO) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        data = _file_bytes(source)
    else:
        data = source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large()
    return data


def _file_bytes(path: str | os.PathLike[str]) -> bytes:
    try:
        if os.stat(path).st_size > MAX_FILE_BYTES:
            raise _too_large()
        with open(path, "rb") as stream:
            return stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise reject(f"cannot read the file: {error.strerror or error}") from None


def _too_large() -> ImportRejected:
    return reject(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")


def _too_many_rows() -> ImportRejected:
    return reject(f"the file has more than {MAX_ROWS:,} data rows; split it")


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise reject(f"not UTF-8 text (bad byte at offset {error.start}); save it as 'CSV UTF-8'") from None
    records = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return _table_from_records(enumerate(records, start=1), fmt="csv")
    except csv.Error as error:
        raise reject(f"not readable as CSV near line {records.line_num}: {error}") from None


def _read_xlsx(data: bytes) -> Table:
    _check_zip_sizes(data)
    import openpyxl  # imported here: only XLSX imports pay for loading it

    try:
        # data_only=False: a formula cell yields its formula text, never a computed or cached value
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as error:  # a hostile workbook can make openpyxl raise many kinds of error
        raise reject(f"not a readable XLSX workbook ({type(error).__name__})") from None
    try:
        if not workbook.worksheets:
            raise reject("the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the declared sheet size may lie; read what is there
        cells = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        return _table_from_records(_xlsx_records(cells), fmt="xlsx")
    except ImportRejected:
        raise
    except Exception as error:  # malformed sheet XML surfaces while iterating
        raise reject(f"not a readable XLSX workbook ({type(error).__name__})") from None
    finally:
        workbook.close()


def _check_zip_sizes(data: bytes) -> None:
    """Refuse archives that would inflate far beyond their size (zip bombs) before anything unpacks them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise reject("not an XLSX workbook (not a zip archive)") from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise reject(f"the workbook has more than {MAX_XLSX_MEMBERS} parts")
    total = sum(member.file_size for member in members)
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise reject(f"the workbook unpacks to more than {MAX_XLSX_UNCOMPRESSED_BYTES // 2**20} MB")
    for member in members:
        # zipfile never inflates past the declared size, so declared sizes bound the work
        if member.file_size > 2**20 and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
            raise reject(f"the workbook part {member.filename!r} is compressed suspiciously well (zip bomb?)")


def _xlsx_records(rows: Iterable[tuple[object, ...]]) -> Iterator[tuple[int, list[str]]]:
    """Numbered rows of text, without the blank rows (a sheet can declare a million of them)."""
    blank: object = None
    for number, row in enumerate(rows, start=1):
        # openpyxl hands out one shared tuple for runs of missing rows; skip it without looking inside
        if row is blank:
            continue
        if all(value is None for value in row):
            blank = row
            continue
        yield number, [_xlsx_text(value) for value in row]


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    # array formulas and the like carry their formula as text
    return str(getattr(value, "text", value))


def float_text(value: float) -> str:
    # spreadsheets store whole numbers as floats; 4840.0 is the port 4840
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _read_json(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise reject(f"not UTF-8 text (bad byte at offset {error.start})") from None
    try:
        # numbers stay as the text written, so huge integers cost nothing and 1.50 stays 1.50
        document = json.loads(
            text,
            parse_int=str,
            parse_float=str,
            parse_constant=_refuse_json_constant,
            object_pairs_hook=_json_object,
        )
    except RecursionError:
        raise reject("the JSON is nested too deeply; expected a list of flat objects") from None
    except ValueError as error:
        raise reject(f"not valid JSON: {error}") from None
    if not isinstance(document, list):
        raise reject("the JSON must be a list of objects, one per row")
    if len(document) > MAX_ROWS:
        raise _too_many_rows()
    return _table_from_json(document)


def _refuse_json_constant(name: str) -> object:
    raise ValueError(f"{name} is not a value an import accepts")


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _table_from_json(document: list[Any]) -> Table:
    problems: list[RowProblem] = []
    rows: list[dict[str, str]] = []
    column_rows: dict[str, int] = {}
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            problems.append(RowProblem(number, "", f"expected an object, got {_json_kind(item)}"))
            continue
        row: dict[str, str] = {}
        for key, value in item.items():
            column = _column_name(key)
            column_rows.setdefault(column, number)
            if column in row:
                problems.append(RowProblem(number, column, "the column is given twice in this object"))
                continue
            text = _json_text(value)
            if text is None:
                problems.append(
                    RowProblem(
                        number,
                        column,
                        f"expected text, a number, true/false or null, got {_json_kind(value)}",
                    )
                )
                continue
            row[column] = text
        rows.append(row)
        if len(problems) > MAX_READ_PROBLEMS:
            break
    if problems:
        raise ImportRejected(problems)
    return Table(
        rows,
        columns=list(column_rows),
        row_numbers=range(1, len(rows) + 1),
        column_rows=column_rows,
        fmt="json",
    )


def _json_text(value: object) -> str | None:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):  # numbers arrive as their text, see parse_int/parse_float above
        return value
    return None


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _column_name(header: str) -> str:
    return header.strip().lower()


def _table_from_records(records: Iterator[tuple[int, list[str]]], fmt: str) -> Table:
    """Build a table from numbered spreadsheet records; the first record is the header."""
    first = next(records, None)
    if first is None or first[0] != 1 or not any(cell.strip() for cell in first[1]):
        raise reject("row 1 must be the header row naming the columns", row=1)
    header = _header_of(first[1])
    rows: list[dict[str, str]] = []
    numbers: list[int] = []
    problems: list[RowProblem] = []
    for number, cells in records:
        if not any(cells) or all(not cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise _too_many_rows()
        rows.append(_row_of(header, cells, number, problems))
        numbers.append(number)
        if len(problems) > MAX_READ_PROBLEMS:
            break
    if problems:
        raise ImportRejected(problems)
    return Table(rows, columns=[name for name in header if name], row_numbers=numbers, fmt=fmt)


def _header_of(cells: list[str]) -> list[str]:
    names = [_column_name(cell) for cell in cells]
    while names and not names[-1]:
        names.pop()
    if len(names) > MAX_COLUMNS:
        raise reject(f"the header has more than {MAX_COLUMNS} columns", row=1)
    problems = [
        RowProblem(1, name, "the column appears twice in the header")
        for position, name in enumerate(names)
        if name and name in names[:position]
    ]
    if problems:
        raise ImportRejected(problems)
    return names


def _row_of(header: list[str], cells: list[str], number: int, problems: list[RowProblem]) -> dict[str, str]:
    row = {name: unescape_formula(cells[i]) for i, name in enumerate(header[: len(cells)]) if name}
    # an unnamed column may stay in the file (spreadsheets leave them), as long as it holds nothing
    unnamed = [cells[i] for i, name in enumerate(header[: len(cells)]) if not name] + cells[len(header) :]
    if any(cell.strip() for cell in unnamed):
        problems.append(RowProblem(number, "", "a value stands in a column without a name in the header"))
    return row


def import_upload(upload: Any, importer: Callable[[bytes, str], _Result]) -> tuple[_Result | None, list[str]]:
    """An uploaded file (a Django ``UploadedFile`` or None) given to ``importer(data, name)``: its result, or None
    and the problems to show on the upload page (no file, too large, every problem of a refused import)."""
    if upload is None:
        return None, ["choose the edited .xlsx file"]
    if (upload.size or 0) > MAX_FILE_BYTES:
        return None, [f"the file is larger than {MAX_FILE_BYTES // 2**20} MB"]
    try:
        return importer(upload.read(MAX_FILE_BYTES + 1), upload.name or ""), []
    except ImportRejected as exc:
        return None, [str(problem) for problem in exc.problems]
