"""Import files for the plant model: sites, zones, conduits, assets and people as CSV, XLSX or JSON.

Nothing here touches the database. `read_table` turns an uploaded file into rows of text, `validate_rows`
checks every row against the column contract of PRODUCT.md and against what already exists (an
`ImportContext`), and returns an `ImportPlan` for the caller to write in one transaction, or raises
`ImportRejected` with every problem it found: an import is all or nothing. `write_table` writes the same
formats, so an export imports back unchanged.

Row numbers in problems are the ones a spreadsheet shows: the header is row 1, the first data row is row 2.
For JSON the row number is the position in the list counting from 1 (there is no header row). Row 0 means
the file as a whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import ipaddress
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Final, NamedTuple

from otcsms.core.inputs import text_problem
from otcsms.core.spreadsheet import escape_formula, unescape_formula, write_csv
from otcsms.iec62443.security_levels import SlVector, format_sl_vector, validate_sl_vector

MAX_FILE_BYTES: Final = 50 * 1024 * 1024
MAX_ROWS: Final = 200_000
MAX_COLUMNS: Final = 64
MAX_XLSX_UNCOMPRESSED_BYTES: Final = 512 * 1024 * 1024
MAX_XLSX_MEMBERS: Final = 2_000
MAX_XLSX_RATIO: Final = 200
MAX_READ_PROBLEMS: Final = 200
MAX_NAME_CHARS: Final = 200
MAX_SHORT_TEXT_CHARS: Final = 200
MAX_LONG_TEXT_CHARS: Final = 2000
MAX_ENDPOINTS: Final = 64
PROGRESS_EVERY: Final = 1000

FORMATS: Final = ("csv", "xlsx", "json")

SECTORS: Final = (
    "water",
    "wastewater",
    "electric-transmission",
    "electric-generation",
    "electric-distribution",
    "oil-gas",
    "chemical",
    "manufacturing",
    "food-beverage",
    "pharmaceutical",
    "other",
)
NERC_IMPACTS: Final = ("high", "medium", "low", "none")
PROTOCOLS: Final = (
    "modbus-tcp",
    "dnp3",
    "opc-ua",
    "iec-61850-mms",
    "iec-61850-goose",
    "iec-60870-5-104",
    "ethernet-ip",
    "s7",
    "bacnet",
    "profinet",
    "https",
    "ssh",
    "rdp",
    "snmp",
    "syslog",
    "ntp",
    "other",
)
ASSET_TYPES: Final = (
    "plc",
    "rtu",
    "ied",
    "hmi",
    "historian",
    "engineering-workstation",
    "switch",
    "router",
    "firewall",
    "data-diode",
    "server",
    "workstation",
    "safety-controller",
    "other",
)
CRITICALITIES: Final = ("low", "medium", "high", "critical")

# Spellings people actually type, keyed by the spelling squashed to lowercase letters and digits.
PROTOCOL_ALIASES: Final = {
    "modbus": "modbus-tcp",
    "modbustcpip": "modbus-tcp",
    "dnp3tcp": "dnp3",
    "dnp30": "dnp3",
    "opcuatcp": "opc-ua",
    "opctcp": "opc-ua",
    "iec61850": "iec-61850-mms",
    "mms": "iec-61850-mms",
    "goose": "iec-61850-goose",
    "iec104": "iec-60870-5-104",
    "enip": "ethernet-ip",
    "cip": "ethernet-ip",
    "s7comm": "s7",
    "s7commplus": "s7",
    "siemenss7": "s7",
    "bacnetip": "bacnet",
    "snmpv3": "snmp",
}
ASSET_TYPE_ALIASES: Final = {
    "ews": "engineering-workstation",
    "engineeringstation": "engineering-workstation",
    "diode": "data-diode",
    "sis": "safety-controller",
    "safetyplc": "safety-controller",
    "scadaserver": "server",
}
SECTOR_ALIASES: Final = {
    "oilandgas": "oil-gas",
    "foodandbeverage": "food-beverage",
    "pharma": "pharmaceutical",
}


@dataclass(frozen=True, slots=True)
class Columns:
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional


COLUMNS: Final = {
    "sites": Columns(("name",), ("sector", "location", "nerc_impact", "description")),
    "zones": Columns(("name",), ("sl_t", "parent", "description")),
    "conduits": Columns(("name", "zones"), ("protocols", "security_device", "description")),
    "assets": Columns(
        ("name",),
        (
            *("zone", "type", "vendor", "model", "firmware", "serial", "criticality"),
            *("ip", "mac", "endpoints", "profile", "description"),
        ),
    ),
    "people": Columns(("name",), ("email", "role", "employer", "site")),
}
KINDS: Final = tuple(COLUMNS)


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


def _reject(reason: str, row: int = 0, column: str = "") -> ImportRejected:
    return ImportRejected([RowProblem(row, column, reason)])


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


# --------------------------------------------------------------------------------------------------- reading


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
        raise _reject(f"'.{extension}' workbooks are not accepted; save the sheet as .xlsx (without macros)")
    raise _reject(f"unknown file type {extension or '(none)'!r}; use .csv, .xlsx or .json")


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
        raise _reject(f"cannot read the file: {error.strerror or error}") from None


def _too_large() -> ImportRejected:
    return _reject(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")


def _too_many_rows() -> ImportRejected:
    return _reject(f"the file has more than {MAX_ROWS:,} data rows; split it")


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _reject(f"not UTF-8 text (bad byte at offset {error.start}); save it as 'CSV UTF-8'") from None
    records = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return _table_from_records(enumerate(records, start=1), fmt="csv")
    except csv.Error as error:
        raise _reject(f"not readable as CSV near line {records.line_num}: {error}") from None


def _read_xlsx(data: bytes) -> Table:
    _check_zip_sizes(data)
    import openpyxl  # imported here: only XLSX imports pay for loading it

    try:
        # data_only=False: a formula cell yields its formula text, never a computed or cached value
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as error:  # a hostile workbook can make openpyxl raise many kinds of error
        raise _reject(f"not a readable XLSX workbook ({type(error).__name__})") from None
    try:
        if not workbook.worksheets:
            raise _reject("the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the declared sheet size may lie; read what is there
        cells = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        return _table_from_records(_xlsx_records(cells), fmt="xlsx")
    except ImportRejected:
        raise
    except Exception as error:  # malformed sheet XML surfaces while iterating
        raise _reject(f"not a readable XLSX workbook ({type(error).__name__})") from None
    finally:
        workbook.close()


def _check_zip_sizes(data: bytes) -> None:
    """Refuse archives that would inflate far beyond their size (zip bombs) before anything unpacks them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _reject("not an XLSX workbook (not a zip archive)") from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise _reject(f"the workbook has more than {MAX_XLSX_MEMBERS} parts")
    total = sum(member.file_size for member in members)
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise _reject(f"the workbook unpacks to more than {MAX_XLSX_UNCOMPRESSED_BYTES // 2**20} MB")
    for member in members:
        # zipfile never inflates past the declared size, so declared sizes bound the work
        if member.file_size > 2**20 and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
            raise _reject(
                f"the workbook part {member.filename!r} is compressed suspiciously well (zip bomb?)"
            )


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
        return _float_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    # array formulas and the like carry their formula as text
    return str(getattr(value, "text", value))


def _float_text(value: float) -> str:
    # spreadsheets store whole numbers as floats; 4840.0 is the port 4840
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _read_json(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _reject(f"not UTF-8 text (bad byte at offset {error.start})") from None
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
        raise _reject("the JSON is nested too deeply; expected a list of flat objects") from None
    except ValueError as error:
        raise _reject(f"not valid JSON: {error}") from None
    if not isinstance(document, list):
        raise _reject("the JSON must be a list of objects, one per row")
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
        raise _reject("row 1 must be the header row naming the columns", row=1)
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
        raise _reject(f"the header has more than {MAX_COLUMNS} columns", row=1)
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


# ---------------------------------------------------------------------------------------------- validation


@dataclass(frozen=True, slots=True)
class ImportContext:
    """What exists where the rows will go, so references and duplicates are checked without a database.

    `existing_zones` are the zones of the target site; names compare case-insensitively. `profiles` and
    `roles` set to None accept any value.
    """

    existing_sites: frozenset[str] = frozenset()
    existing_zones: frozenset[str] = frozenset()
    existing_conduits: frozenset[str] = frozenset()
    existing_assets: frozenset[str] = frozenset()
    existing_emails: frozenset[str] = frozenset()
    profiles: frozenset[str] | None = None
    roles: frozenset[str] | None = None
    sectors: tuple[str, ...] = SECTORS
    nerc_impacts: tuple[str, ...] = NERC_IMPACTS
    asset_types: tuple[str, ...] = ASSET_TYPES
    criticalities: tuple[str, ...] = CRITICALITIES
    protocols: tuple[str, ...] = PROTOCOLS


class Endpoint(NamedTuple):
    """A network endpoint of an asset, parsed from its URI (see `parse_endpoint`)."""

    protocol: str
    host: str
    port: int
    path: str = ""
    params: tuple[tuple[str, int], ...] = ()

    def uri(self) -> str:
        """The canonical URI, which `parse_endpoint` reads back to an equal Endpoint."""
        scheme = _SCHEME_OF_PROTOCOL.get(self.protocol, self.protocol)
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = "&".join(f"{key}={value}" for key, value in self.params)
        return f"{scheme}://{host}:{self.port}{self.path}" + (f"?{query}" if query else "")

    def param(self, name: str) -> int | None:
        return dict(self.params).get(name)


class SiteRecord(NamedTuple):
    row: int
    name: str
    sector: str = ""
    location: str = ""
    nerc_impact: str = ""
    description: str = ""

    def as_row(self) -> dict[str, object]:
        return _as_row(self)


class ZoneRecord(NamedTuple):
    row: int
    name: str
    sl_t: SlVector | None = None
    parent: str | None = None
    description: str = ""

    def as_row(self) -> dict[str, object]:
        return _as_row(self)


class ConduitRecord(NamedTuple):
    row: int
    name: str
    zones: tuple[str, str]
    protocols: tuple[str, ...] = ()
    security_device: str = ""
    description: str = ""

    def as_row(self) -> dict[str, object]:
        return _as_row(self)


class AssetRecord(NamedTuple):
    row: int
    name: str
    zone: str | None = None
    type: str = ""
    vendor: str = ""
    model: str = ""
    firmware: str = ""
    serial: str = ""
    criticality: str = ""
    ip: str = ""
    mac: str = ""
    endpoints: tuple[Endpoint, ...] = ()
    profile: str = ""
    description: str = ""

    def as_row(self) -> dict[str, object]:
        return _as_row(self)


class PersonRecord(NamedTuple):
    row: int
    name: str
    email: str = ""
    role: str = ""
    employer: str = ""
    site: str | None = None

    def as_row(self) -> dict[str, object]:
        return _as_row(self)


# Records are named tuples rather than frozen dataclasses: as immutable, and six times cheaper to build,
# which counts at 200,000 rows.
Record = SiteRecord | ZoneRecord | ConduitRecord | AssetRecord | PersonRecord


def _as_row(record: Record) -> dict[str, object]:
    """The record as an export row for `write_table` (everything but the row number)."""
    row = record._asdict()
    del row["row"]
    return row


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """Validated records ready to write, in an order that creates every zone after its parent."""

    kind: str
    records: tuple[Record, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.records)


def validate_rows(
    kind: str,
    rows: Sequence[Mapping[str, object]],
    context: ImportContext,
    progress: Callable[[int], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> ImportPlan:
    """Check every row of an import of `kind`: the plan, or ImportRejected listing every problem.

    `rows` is normally a Table from `read_table`, whose row numbers are used in problems; for a plain list,
    the row at index i is reported as row i + 2 (as if it came after a header row). `progress` is called
    with the number of rows checked every `progress_every` rows and once at the end.
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    problems = _column_problems(kind, rows)
    numbers = _row_numbers(rows)
    checker = _CHECKERS[kind](context)
    records: list[Record] = []
    for index, values in enumerate(rows):
        row = _Row(numbers[index], values, problems)
        record = checker.check(row)
        if record is not None:
            records.append(record)
        if progress is not None and (index + 1) % progress_every == 0:
            progress(index + 1)
    ordered = checker.finish(records, problems)
    if progress is not None:
        progress(len(rows))
    if problems:
        raise ImportRejected(problems)
    return ImportPlan(kind, tuple(ordered))


def _row_numbers(rows: Sequence[Mapping[str, object]]) -> Sequence[int]:
    numbers = getattr(rows, "row_numbers", None)
    if numbers is not None and len(numbers) == len(rows):
        return numbers
    return range(2, len(rows) + 2)


def _column_problems(kind: str, rows: Sequence[Mapping[str, object]]) -> list[RowProblem]:
    """Unknown columns; raises at once when a required column is missing, as every row would fail."""
    contract = COLUMNS[kind]
    present, where = _columns_present(rows)
    problems = [
        RowProblem(where[name], name, _unknown_column_reason(kind, name, contract))
        for name in present
        if name not in contract.all
    ]
    missing = [name for name in contract.required if name not in present]
    # a file without rows (an empty export) has nothing to miss
    if missing and rows:
        problems += [RowProblem(1, name, f"the required column {name!r} is missing") for name in missing]
        raise ImportRejected(problems)
    return problems


def _columns_present(rows: Sequence[Mapping[str, object]]) -> tuple[list[str], dict[str, int]]:
    if isinstance(rows, Table):
        return list(rows.columns), {name: rows.column_rows.get(name, 1) for name in rows.columns}
    where: dict[str, int] = {}
    for number, row in zip(_row_numbers(rows), rows, strict=True):
        for name in row:
            where.setdefault(name, number)
    return list(where), where


def _unknown_column_reason(kind: str, name: str, contract: Columns) -> str:
    close = difflib.get_close_matches(name, contract.all, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown column {name!r} for {kind}{hint}; allowed: {', '.join(contract.all)}"


class _Row:
    """One row under check: reads its cells as typed values and records problems against its row number."""

    __slots__ = ("number", "problems", "values")

    def __init__(self, number: int, values: Mapping[str, object], problems: list[RowProblem]) -> None:
        self.number = number
        self.values = values
        self.problems = problems

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(RowProblem(self.number, column, reason))

    def raw(self, column: str) -> str:
        """The cell stripped of surrounding blanks; "" when empty or when it is not text (then reported)."""
        value = self.values.get(column)
        if type(value) is str:
            # every cell, whatever it becomes, obeys the text rule: a NUL or a lone surrogate would fail
            # in the database, not here
            problem = text_problem(value, multiline=True)
            if problem is not None:
                self.problem(column, problem)
                return ""
            return value.strip()
        if value is not None:
            self.problem(column, f"expected text, got {type(value).__name__}")
        return ""

    def line(self, column: str, *, required: bool = False, limit: int = MAX_SHORT_TEXT_CHARS) -> str:
        """A one-line value: a name or a short field such as vendor or firmware."""
        value = self.raw(column)
        if value:
            return value if self._fits(column, value, limit, multiline=False) else ""
        # a cell of the wrong type or with a forbidden character is reported already; it is not also missing
        cell = self.values.get(column)
        if required and (
            cell is None or (isinstance(cell, str) and text_problem(cell, multiline=True) is None)
        ):
            self.problem(column, f"{column} is required")
        return ""

    def text(self, column: str, *, limit: int = MAX_LONG_TEXT_CHARS) -> str:
        """A free text value that may span lines."""
        value = self.raw(column)
        return value if value and self._fits(column, value, limit, multiline=True) else ""

    def choice(self, column: str, choices: Choices) -> str:
        value = self.raw(column)
        if not value:
            return ""
        chosen = choices.get(value)
        if chosen is None:
            self.problem(column, f"{value[:60]!r} is not one of: {', '.join(choices.allowed)}")
            return ""
        return chosen

    def _fits(self, column: str, value: str, limit: int, *, multiline: bool) -> bool:
        if len(value) > limit:
            self.problem(column, f"longer than {limit} characters ({len(value)})")
            return False
        problem = text_problem(value, multiline=multiline)  # the one text rule of every input path
        if problem is not None:
            self.problem(column, problem)
            return False
        return True


class Choices:
    """A fixed list of allowed values that also recognises other spellings ("Modbus TCP" -> "modbus-tcp")."""

    def __init__(self, allowed: Iterable[str], aliases: Mapping[str, str] | None = None) -> None:
        self.allowed = tuple(allowed)
        self._exact = frozenset(self.allowed)
        spellings = {squashed: value for squashed, value in (aliases or {}).items() if value in self._exact}
        self._by_spelling = spellings | {_squash(value): value for value in self.allowed}
        self._seen: dict[str, str | None] = {}

    def get(self, value: str) -> str | None:
        """The allowed value `value` spells, ignoring case, spaces and punctuation; None if there is none."""
        if value in self._exact:
            return value
        if value in self._seen:
            return self._seen[value]
        chosen = self._by_spelling.get(_squash(value))
        if len(self._seen) < 10_000:  # a file spells a column a few ways; bound it for hostile ones
            self._seen[value] = chosen
        return chosen


_NOT_LETTERS_OR_DIGITS = re.compile(r"[^a-z0-9]")


def _squash(value: str) -> str:
    return _NOT_LETTERS_OR_DIGITS.sub("", value.lower())


def normalise_protocol(value: str) -> str | None:
    """The protocol name of PRODUCT.md that `value` spells ("OPC UA" -> "opc-ua"), or None."""
    return _PROTOCOL_CHOICES.get(value)


class _Names:
    """Names seen so far in the file, plus the ones that exist already, compared case-insensitively."""

    def __init__(self, kind: str, existing: Iterable[str]) -> None:
        self.kind = kind
        self.existing = {name.casefold(): name for name in existing}
        self.in_file: dict[str, tuple[int, str]] = {}

    def claim(self, row: _Row, name: str, column: str = "name") -> None:
        """Record `name` as defined by `row`; report it when it is taken."""
        key = name.casefold()
        if key in self.existing:
            row.problem(column, f"{self.kind} {self.existing[key]!r} already exists")
        elif key in self.in_file:
            row.problem(column, f"duplicate {self.kind} {name!r}: also in row {self.in_file[key][0]}")
        else:
            self.in_file[key] = (row.number, name)

    def spelled_in_file(self) -> dict[str, str]:
        return {key: name for key, (_, name) in self.in_file.items()}


def _resolve(name: str, known: Mapping[str, str]) -> str | None:
    """The exact spelling of a known name given in any case."""
    return known.get(name.casefold())


class _Checker:
    def __init__(self, context: ImportContext) -> None:
        self.context = context

    def check(self, row: _Row) -> Record | None:
        raise NotImplementedError

    def finish(self, records: list[Record], problems: list[RowProblem]) -> list[Record]:
        """Checks across rows once every row is read; returns the records in writing order."""
        return records


class _SiteChecker(_Checker):
    def __init__(self, context: ImportContext) -> None:
        super().__init__(context)
        self.names = _Names("site", context.existing_sites)
        self.sectors = Choices(context.sectors, SECTOR_ALIASES)
        self.impacts = Choices(context.nerc_impacts)

    def check(self, row: _Row) -> SiteRecord | None:
        before = len(row.problems)
        name = row.line("name", required=True, limit=MAX_NAME_CHARS)
        if name:
            self.names.claim(row, name)
        record = SiteRecord(
            row=row.number,
            name=name,
            sector=row.choice("sector", self.sectors),
            location=row.line("location"),
            nerc_impact=row.choice("nerc_impact", self.impacts),
            description=row.text("description"),
        )
        return record if len(row.problems) == before else None


class _ZoneChecker(_Checker):
    def __init__(self, context: ImportContext) -> None:
        super().__init__(context)
        self.names = _Names("zone", context.existing_zones)

    def check(self, row: _Row) -> ZoneRecord | None:
        before = len(row.problems)
        name = row.line("name", required=True, limit=MAX_NAME_CHARS)
        if name:
            self.names.claim(row, name)
        record = ZoneRecord(
            row=row.number,
            name=name,
            sl_t=self._sl_t(row),
            parent=row.line("parent", limit=MAX_NAME_CHARS) or None,
            description=row.text("description"),
        )
        return record if len(row.problems) == before else None

    def _sl_t(self, row: _Row) -> SlVector | None:
        value = row.raw("sl_t")
        if not value:
            return None
        try:
            return validate_sl_vector(value)
        except ValueError as error:
            row.problem("sl_t", str(error))
            return None

    def finish(self, records: list[Record], problems: list[RowProblem]) -> list[Record]:
        zones = [record for record in records if isinstance(record, ZoneRecord)]
        resolved = self._resolve_parents(zones, problems)
        cyclic = _zones_in_parent_cycles(resolved)
        for zone in resolved:
            if zone.name.casefold() in cyclic:
                problems.append(RowProblem(zone.row, "parent", cyclic[zone.name.casefold()]))
        return list(_parents_first(resolved))

    def _resolve_parents(self, zones: list[ZoneRecord], problems: list[RowProblem]) -> list[ZoneRecord]:
        # every zone named in the file counts, even one rejected for another reason, to avoid a second error
        in_file = self.names.spelled_in_file()
        existing = self.names.existing
        resolved = []
        for zone in zones:
            if zone.parent is None:
                resolved.append(zone)
                continue
            parent = _resolve(zone.parent, in_file) or _resolve(zone.parent, existing)
            if parent is None:
                problems.append(
                    RowProblem(
                        zone.row,
                        "parent",
                        f"unknown parent zone {zone.parent!r}: not in the file or the site",
                    )
                )
                continue
            resolved.append(zone._replace(parent=parent))
        return resolved


def _zones_in_parent_cycles(zones: list[ZoneRecord]) -> dict[str, str]:
    """Casefolded names of the zones on a parent loop, each with the loop spelled out."""
    parent_of = {zone.name.casefold(): zone.parent.casefold() for zone in zones if zone.parent}
    spelling = {zone.name.casefold(): zone.name for zone in zones}
    in_cycle: dict[str, str] = {}
    done: set[str] = set()
    for start in parent_of:
        walked: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done and node not in walked:
            walked[node] = len(walked)
            node = parent_of.get(node)
        if node is not None and node in walked:
            loop = list(walked)[walked[node] :]
            reason = "the parent chain loops: " + " -> ".join(spelling[name] for name in [*loop, node])
            in_cycle.update(dict.fromkeys(loop, reason))
        done.update(walked)
    return in_cycle


def _parents_first(zones: list[ZoneRecord]) -> Iterator[ZoneRecord]:
    by_name = {zone.name.casefold(): zone for zone in zones}
    emitted: set[str] = set()

    def emit(zone: ZoneRecord) -> Iterator[ZoneRecord]:
        chain = []
        node: ZoneRecord | None = zone
        while node is not None and node.name.casefold() not in emitted:
            chain.append(node)
            emitted.add(node.name.casefold())
            node = by_name.get(node.parent.casefold()) if node.parent else None
        return reversed(chain)

    for zone in zones:
        yield from emit(zone)


class _ConduitChecker(_Checker):
    def __init__(self, context: ImportContext) -> None:
        super().__init__(context)
        self.names = _Names("conduit", context.existing_conduits)
        self.zones = {name.casefold(): name for name in context.existing_zones}
        self.protocols = Choices(context.protocols, PROTOCOL_ALIASES)

    def check(self, row: _Row) -> ConduitRecord | None:
        before = len(row.problems)
        name = row.line("name", required=True, limit=MAX_NAME_CHARS)
        if name:
            self.names.claim(row, name)
        zones = self._zones(row)
        record = ConduitRecord(
            row=row.number,
            name=name,
            zones=zones or ("", ""),
            protocols=_protocols(row, self.protocols),
            security_device=row.line("security_device"),
            description=row.text("description"),
        )
        return record if len(row.problems) == before else None

    def _zones(self, row: _Row) -> tuple[str, str] | None:
        value = row.raw("zones")
        names = [part.strip() for part in value.split(";")] if value else []
        if len(names) != 2 or not all(names):
            row.problem("zones", f"expected exactly two zone names separated by ';', got {value!r}")
            return None
        resolved = []
        for name in names:
            zone = _resolve(name, self.zones)
            if zone is None:
                row.problem("zones", f"unknown zone {name!r} in this site")
            resolved.append(zone or name)
        if resolved[0].casefold() == resolved[1].casefold():
            row.problem("zones", "a conduit joins two different zones")
            return None
        return (resolved[0], resolved[1])


def _protocols(row: _Row, choices: Choices) -> tuple[str, ...]:
    value = row.raw("protocols")
    found: list[str] = []
    for part in value.split(";") if value else ():
        spelled = part.strip()
        if not spelled:
            continue
        protocol = choices.get(spelled)
        if protocol is None:
            row.problem(
                "protocols", f"unknown protocol {spelled[:60]!r}; known: {', '.join(choices.allowed)}"
            )
        elif protocol not in found:
            found.append(protocol)
    return tuple(found)


class _AssetChecker(_Checker):
    def __init__(self, context: ImportContext) -> None:
        super().__init__(context)
        self.names = _Names("asset", context.existing_assets)
        self.zones = {name.casefold(): name for name in context.existing_zones}
        self.types = Choices(context.asset_types, ASSET_TYPE_ALIASES)
        self.criticalities = Choices(context.criticalities)

    def check(self, row: _Row) -> AssetRecord | None:
        before = len(row.problems)
        name = row.line("name", required=True, limit=MAX_NAME_CHARS)
        if name:
            self.names.claim(row, name)
        record = AssetRecord(
            row=row.number,
            name=name,
            zone=self._zone(row),
            type=row.choice("type", self.types),
            vendor=row.line("vendor"),
            model=row.line("model"),
            firmware=row.line("firmware"),
            serial=row.line("serial"),
            criticality=row.choice("criticality", self.criticalities),
            ip=_ip(row),
            mac=_mac(row),
            endpoints=_endpoints(row),
            profile=self._profile(row),
            description=row.text("description"),
        )
        return record if len(row.problems) == before else None

    def _zone(self, row: _Row) -> str | None:
        value = row.line("zone", limit=MAX_NAME_CHARS)
        if not value:
            return None
        zone = _resolve(value, self.zones)
        if zone is None:
            row.problem("zone", f"unknown zone {value!r} in this site")
        return zone

    def _profile(self, row: _Row) -> str:
        value = row.line("profile")
        known = self.context.profiles
        if value and known is not None and value not in known:
            row.problem("profile", f"unknown device profile {value!r}")
        return value


def _ip(row: _Row) -> str:
    value = row.raw("ip")
    if not value:
        return ""
    try:
        return canonical_ip(value)
    except ValueError:
        row.problem("ip", f"{value[:60]!r} is not an IPv4 or IPv6 address")
        return ""


# dotted quad without leading zeros: already canonical, and far cheaper to check than ipaddress
_IPV4_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_IPV4_OCTET}(?:\.{_IPV4_OCTET}){{3}}")


def canonical_ip(value: str) -> str:
    """The canonical text of an IPv4 or IPv6 address; ValueError if `value` is neither."""
    if _IPV4.fullmatch(value):
        return value
    return str(ipaddress.ip_address(value))


_MAC = re.compile(
    r"[0-9a-f]{2}(?P<sep>[:-])[0-9a-f]{2}(?:(?P=sep)[0-9a-f]{2}){4}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}|[0-9a-f]{12}"
)


_CANONICAL_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")


def _mac(row: _Row) -> str:
    value = row.raw("mac")
    if not value:
        return ""
    lowered = value.lower()
    if _CANONICAL_MAC.fullmatch(lowered):
        return lowered
    if not _MAC.fullmatch(lowered):
        row.problem("mac", f"{value[:60]!r} is not a MAC address such as aa:bb:cc:dd:ee:ff")
        return ""
    digits = re.sub(r"[:.\-]", "", lowered)
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _endpoints(row: _Row) -> tuple[Endpoint, ...]:
    value = row.raw("endpoints")
    parts = [part.strip() for part in value.split(";") if part.strip()] if value else []
    if len(parts) > MAX_ENDPOINTS:
        row.problem("endpoints", f"more than {MAX_ENDPOINTS} endpoints")
        return ()
    endpoints: list[Endpoint] = []
    for part in parts:
        try:
            endpoint = parse_endpoint(part)
        except ValueError as error:
            row.problem("endpoints", str(error))
            continue
        if endpoint in endpoints:
            row.problem("endpoints", f"the endpoint {endpoint.uri()!r} is listed twice")
            continue
        endpoints.append(endpoint)
    return tuple(endpoints)


class _PersonChecker(_Checker):
    def __init__(self, context: ImportContext) -> None:
        super().__init__(context)
        self.emails = _Names("email", context.existing_emails)
        self.sites = {name.casefold(): name for name in context.existing_sites}
        self.roles = Choices(sorted(context.roles)) if context.roles is not None else None

    def check(self, row: _Row) -> PersonRecord | None:
        before = len(row.problems)
        name = row.line("name", required=True, limit=MAX_NAME_CHARS)
        email = _email(row)
        if email:
            self.emails.claim(row, email, column="email")
        record = PersonRecord(
            row=row.number,
            name=name,
            email=email,
            role=self._role(row),
            employer=row.line("employer"),
            site=self._site(row),
        )
        return record if len(row.problems) == before else None

    def _role(self, row: _Row) -> str:
        if self.roles is None:
            return row.line("role")
        return row.choice("role", self.roles)

    def _site(self, row: _Row) -> str | None:
        value = row.line("site", limit=MAX_NAME_CHARS)
        if not value:
            return None
        site = _resolve(value, self.sites)
        if site is None:
            row.problem("site", f"unknown site {value!r}")
        return site


_EMAIL = re.compile(
    r"[^\s@<>()\[\],;:\"\\]{1,64}@(?=.{1,253}\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
)


def _email(row: _Row) -> str:
    value = row.line("email", limit=254)
    if not value:
        return ""
    local, _, domain = value.rpartition("@")
    normalised = f"{local}@{domain.lower()}"
    if not _EMAIL.fullmatch(normalised):
        row.problem("email", f"{value!r} is not an email address")
        return ""
    return normalised


_CHECKERS: Final[dict[str, Callable[[ImportContext], _Checker]]] = {
    "sites": _SiteChecker,
    "zones": _ZoneChecker,
    "conduits": _ConduitChecker,
    "assets": _AssetChecker,
    "people": _PersonChecker,
}


# ----------------------------------------------------------------------------------------------- endpoints

_PROTOCOL_CHOICES: Final = Choices(PROTOCOLS, PROTOCOL_ALIASES)
_SCHEME_OF_PROTOCOL: Final = {"opc-ua": "opc.tcp", "modbus-tcp": "modbus+tcp", "dnp3": "dnp3+tcp"}
# protocol -> the query parameters its URI must carry and their largest value
_REQUIRED_PARAMS: Final = {
    "modbus-tcp": {"unit": 255},
    "dnp3": {"outstation": 65519, "master": 65519},
}
_PATH_ALLOWED: Final = frozenset({"opc-ua"})
_URI = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]{0,31})://(?P<authority>[^/?#]*)(?P<path>/[^?#]*)?"
    r"(?:\?(?P<query>[^#]*))?(?P<fragment>#.*)?",
    re.DOTALL,
)
_AUTHORITY = re.compile(r"(?:\[(?P<ipv6>[^\]]+)\]|(?P<host>[^:\[\]]+))(?::(?P<port>[0-9]*))?")
_HOSTNAME = re.compile(
    r"(?=.{1,253}\Z)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?"
)
_DIGITS_AND_DOTS = re.compile(r"[0-9.]+")
_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,=:@%/]{0,500}")


def parse_endpoint(uri: str) -> Endpoint:
    """Parse an endpoint URI or raise ValueError saying what is wrong with it.

    `opc.tcp://HOST:PORT[/PATH]`, `modbus+tcp://HOST:PORT?unit=N` (N 0-255),
    `dnp3+tcp://HOST:PORT?outstation=N&master=M` (0-65519), and `SCHEME://HOST:PORT` for any other protocol.
    HOST is a host name, an IPv4 address or an IPv6 address in brackets; PORT is 1-65535.
    """
    common = _COMMON_ENDPOINT.fullmatch(uri)
    endpoint = _common_endpoint(common) if common is not None else None
    return endpoint if endpoint is not None else _parse_endpoint_fully(uri)


# The shapes nearly every endpoint has, checked by one regular expression: imports of tens of thousands of
# assets stay fast. Anything else goes through `_parse_endpoint_fully`, which also explains what is wrong.
_COMMON_ENDPOINT = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.\-]{0,31})://(?P<host>[a-z0-9_.\-]{1,253}):(?P<port>[1-9][0-9]{0,4})"
    r"(?P<path>/[A-Za-z0-9\-._~!$&'()*+,=:@%/]{1,500})?"
    r"(?:\?unit=(?P<unit>[0-9]{1,3})|\?outstation=(?P<outstation>[0-9]{1,5})&master=(?P<master>[0-9]{1,5}))?"
)


def _common_endpoint(match: re.Match[str]) -> Endpoint | None:
    """The endpoint of a common-shaped URI, or None to leave the verdict to `_parse_endpoint_fully`."""
    host, port = match["host"], int(match["port"])
    if port > 65535 or not (_IPV4.fullmatch(host) or _is_host_name(host)):
        return None
    protocol = _PROTOCOL_CHOICES.get(match["scheme"]) or match["scheme"]
    path = match["path"] or ""
    if path and protocol not in _PATH_ALLOWED:
        return None
    unit, outstation, master = match["unit"], match["outstation"], match["master"]
    params: tuple[tuple[str, int], ...] = ()
    if protocol == "modbus-tcp" and unit is not None and int(unit) <= 255:
        params = (("unit", int(unit)),)
    elif protocol == "dnp3" and outstation is not None and max(int(outstation), int(master)) <= 65519:
        params = (("outstation", int(outstation)), ("master", int(master)))
    elif protocol in _REQUIRED_PARAMS or unit is not None or outstation is not None:
        return None
    return Endpoint(protocol, host, port, path, params)


def _is_host_name(host: str) -> bool:
    return _HOSTNAME.fullmatch(host) is not None and _DIGITS_AND_DOTS.fullmatch(host) is None


def _parse_endpoint_fully(uri: str) -> Endpoint:
    shown = uri if len(uri) <= 80 else uri[:77] + "..."
    match = _URI.fullmatch(uri)
    if match is None:
        raise ValueError(f"{shown!r} is not an endpoint URI such as opc.tcp://10.0.0.5:4840")
    if match["fragment"] is not None:
        raise ValueError(f"{shown!r}: an endpoint has no '#' fragment")
    if "@" in match["authority"]:
        raise ValueError(f"{shown!r}: credentials do not belong in an endpoint URI")
    scheme = match["scheme"].lower()
    protocol = _PROTOCOL_CHOICES.get(scheme) or scheme
    host, port = _host_and_port(match["authority"], shown)
    path = _endpoint_path(match["path"] or "", protocol, shown)
    params = _endpoint_params(match["query"], protocol, shown)
    return Endpoint(protocol, host, port, path, params)


def _host_and_port(authority: str, shown: str) -> tuple[str, int]:
    match = _AUTHORITY.fullmatch(authority)
    if match is None or not (match["ipv6"] or match["host"]):
        raise ValueError(f"{shown!r}: expected HOST:PORT after '://'")
    if not match["port"]:
        raise ValueError(f"{shown!r}: the port is missing (HOST:PORT)")
    port = int(match["port"][:6])
    if not 1 <= port <= 65535:
        raise ValueError(f"{shown!r}: the port must be 1-65535")
    if match["ipv6"]:
        try:
            return str(ipaddress.IPv6Address(match["ipv6"])), port
        except ValueError:
            raise ValueError(f"{shown!r}: {match['ipv6']!r} is not an IPv6 address") from None
    return _host_name(match["host"].lower(), shown), port


def _host_name(host: str, shown: str) -> str:
    if _IPV4.fullmatch(host):
        return host
    if _DIGITS_AND_DOTS.fullmatch(host):
        raise ValueError(f"{shown!r}: {host!r} is not an IPv4 address")
    if not _HOSTNAME.fullmatch(host):
        raise ValueError(f"{shown!r}: {host!r} is not a host name")
    return host


def _endpoint_path(path: str, protocol: str, shown: str) -> str:
    if not path or (path == "/" and protocol not in _PATH_ALLOWED):
        return ""
    if protocol not in _PATH_ALLOWED:
        raise ValueError(f"{shown!r}: a {protocol} endpoint has no path")
    if not _PATH.fullmatch(path):
        raise ValueError(f"{shown!r}: the path has characters a URI path cannot hold (encode them as %XX)")
    return path


def _endpoint_params(query: str | None, protocol: str, shown: str) -> tuple[tuple[str, int], ...]:
    expected = _REQUIRED_PARAMS.get(protocol, {})
    if not query and not expected:
        return ()
    given = _query_pairs(query or "", shown)
    unknown = sorted(set(given) - set(expected))
    if unknown:
        allowed = f"only {', '.join(expected)}" if expected else "none"
        raise ValueError(f"{shown!r}: unexpected parameter {unknown[0]!r} ({allowed} for {protocol})")
    params = []
    for name, largest in expected.items():
        if name not in given:
            raise ValueError(f"{shown!r}: a {protocol} endpoint needs ?{name}=N")
        value = given[name]
        if not (value.isascii() and value.isdigit()) or len(value) > 6 or int(value) > largest:
            raise ValueError(f"{shown!r}: {name} must be a whole number 0-{largest}")
        params.append((name, int(value)))
    return tuple(params)


def _query_pairs(query: str, shown: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in query.split("&") if query else ():
        name, equals, value = part.partition("=")
        if not equals or not name:
            raise ValueError(f"{shown!r}: expected NAME=VALUE parameters, got {part!r}")
        if name in pairs:
            raise ValueError(f"{shown!r}: the parameter {name!r} is given twice")
        pairs[name] = value
    return pairs


# --------------------------------------------------------------------------------------------------- writing


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
        return _float_text(value) if isinstance(value, float) else str(value)
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
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(kind)
    for values in [list(columns), *table]:
        cells = []
        for value in values:
            # characters XML 1.0 cannot carry would make the workbook unreadable
            text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", escape_formula(value))
            cell = WriteOnlyCell(sheet, value=text or None)
            if text:
                cell.data_type = "s"  # never let openpyxl turn text into a formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_json(columns: Sequence[str], table: list[list[str]]) -> bytes:
    document = [dict(zip(columns, row, strict=True)) for row in table]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
