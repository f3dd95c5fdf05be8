"""Account lists exported from systems: CSV (UTF-8, or UTF-16 with a byte order mark), XLSX, JSON and LDIF.

Plain Python, no Django. The CSV, XLSX and JSON readers are the plant importer's (``plant.importfiles``:
size limits, zip-bomb checks, formula quotes undone); this module adds what account exports need: UTF-16
(Windows tools write it), the LDIF of a directory export, the column aliases of AD/LDAP exports, and the
rules for an account row. All or nothing: ``read_accounts`` returns every record or raises ``ImportRejected``
with every problem found (row, column, reason). What it accepts but wants the user to know (a repeated row
dropped, a cell that would be a spreadsheet formula) comes back as warnings.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from otcsms.core.inputs import text_problem
from otcsms.core.spreadsheet import escape_formula
from otcsms.plant.importfiles import ImportRejected, RowProblem, read_table
from otcsms.plant.importfiles.problems import reject

FORMATS: Final = ("csv", "xlsx", "json", "ldif")
COLUMNS: Final = ("username", "system", "person", "kind", "auth", "privilege", "last_logon", "enabled")
# What AD, LDAP and vendor tools call the same columns (lower case, as the reader folds headers).
ALIASES: Final[dict[str, str]] = {
    "samaccountname": "username", "uid": "username", "user": "username", "login": "username",
    "account": "username", "user name": "username", "userprincipalname": "username",
    "displayname": "person", "owner": "person", "display name": "person",
    "lastlogontimestamp": "last_logon", "lastlogondate": "last_logon", "lastlogon": "last_logon",
    "last logon": "last_logon", "last_login": "last_logon", "last login": "last_logon",
    "role": "privilege", "access level": "privilege", "authentication": "auth", "type": "kind",
}  # fmt: skip

KINDS: Final[dict[str, str]] = {
    "human": "human", "personal": "human", "named": "human", "user": "human",
    "service": "service", "system": "service", "application": "service",
    "shared": "shared", "generic": "shared", "group": "shared",
    "vendor-remote": "vendor-remote", "vendor": "vendor-remote", "remote": "vendor-remote",
    "vendor/remote": "vendor-remote", "emergency": "emergency", "break-glass": "emergency",
    "breakglass": "emergency", "firecall": "emergency",
}  # fmt: skip
AUTHS: Final[dict[str, str]] = {
    "local-password": "local-password", "local": "local-password", "password": "local-password",
    "directory": "directory", "ad": "directory", "ldap": "directory", "domain": "directory",
    "mfa": "mfa", "2fa": "mfa", "certificate": "certificate", "cert": "certificate", "pki": "certificate",
    "none": "none", "no password": "none",
}  # fmt: skip
PRIVILEGES: Final[dict[str, str]] = {
    "view": "view", "read": "view", "viewer": "view", "read-only": "view", "readonly": "view", "monitor": "view",
    "operate": "operate", "operator": "operate", "control": "operate",
    "engineer": "engineer", "engineering": "engineer", "configure": "engineer", "configuration": "engineer",
    "administer": "administer", "admin": "administer", "administrator": "administer", "root": "administer",
}  # fmt: skip
ENABLED: Final[dict[str, bool]] = {
    "true": True, "yes": True, "1": True, "enabled": True, "active": True, "y": True,
    "false": False, "no": False, "0": False, "disabled": False, "inactive": False, "locked": False, "n": False,
}  # fmt: skip
NEVER: Final = frozenset({"", "never", "n/a", "-", "none", "0"})
MAX_USERNAME_CHARS: Final = 200
MAX_PERSON_CHARS: Final = 200
# Windows FILETIME: 100-nanosecond ticks since 1601-01-01 (lastLogonTimestamp in AD exports).
_FILETIME_EPOCH: Final = datetime(1601, 1, 1, tzinfo=UTC)
_ACCOUNT_DISABLE: Final = 0x2


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """One account of the file. None: the file does not say (what is stored stays)."""

    row: int
    username: str
    system: str | None = None
    person: str | None = None
    kind: str | None = None
    auth: str | None = None
    privilege: str | None = None
    last_logon: datetime | None = None
    last_logon_given: bool = False
    enabled: bool | None = None


@dataclass
class AccountFile:
    format: str
    records: list[AccountRecord] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)


def format_of(filename: str) -> str:
    extension = os.path.splitext(filename)[1].lower().lstrip(".")
    if extension in FORMATS:
        return extension
    raise reject(f"unknown file type {extension or '(none)'!r}; use .csv, .xlsx, .json or .ldif")


def decode_text(data: bytes) -> str:
    """Text of a CSV or LDIF export: UTF-8 (with or without its byte order mark) or UTF-16 with one."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise reject(f"not valid UTF-16 text (bad bytes at offset {error.start})") from None
    if b"\x00" in data[:4096]:
        raise reject("UTF-16 text without a byte order mark (or a binary file): save it as 'CSV UTF-8'")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise reject(
            f"not UTF-8 or UTF-16 with a byte order mark (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}: Windows-1252 or Latin-1?); save it as 'CSV UTF-8'"
        ) from None


def read_accounts(data: bytes, filename: str) -> AccountFile:
    """Every account of an export file, checked; ImportRejected with every problem otherwise."""
    fmt = format_of(filename)
    if fmt == "ldif":
        rows, numbers, warnings = _read_ldif(decode_text(data))
        columns: tuple[str, ...] = tuple(dict.fromkeys(c for row in rows for c in row))
    else:
        if fmt == "csv":
            data = decode_text(data).encode("utf-8")
        table = read_table(data, f"accounts.{fmt}")
        rows, numbers, columns, warnings = list(table), table.row_numbers, table.columns, []
    mapping = _column_mapping(columns)
    result = AccountFile(fmt, warnings=warnings)
    problems: list[RowProblem] = []
    seen: dict[str, tuple[int, AccountRecord]] = {}
    for number, raw in zip(numbers, rows, strict=True):
        row = {mapping[name]: value for name, value in raw.items() if name in mapping}
        record = _record(number, row, problems, result.warnings)
        if record is None:
            continue
        key = record.username.casefold()
        if key in seen:
            first_row, first = seen[key]
            if _same_account(first, record):
                result.warnings.append(RowProblem(number, "username", f"repeats row {first_row}: ignored"))
            else:
                problems.append(
                    RowProblem(number, "username", f"{record.username!r} is already on row {first_row} with "
                               "other values; keep one row per account")
                )  # fmt: skip
            continue
        seen[key] = (number, record)
        result.records.append(record)
    if not result.records and not problems:
        problems.append(RowProblem(0, "", "the file lists no accounts"))
    if problems:
        raise ImportRejected(problems)
    return result


def _column_mapping(columns: tuple[str, ...] | list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    problems: list[RowProblem] = []
    for name in columns:
        target = name if name in COLUMNS else ALIASES.get(name)
        if target is None:
            close = difflib.get_close_matches(name, [*COLUMNS, *ALIASES], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                RowProblem(
                    1, name, f"unknown column{hint}; allowed: {', '.join(COLUMNS)} (and their AD/LDAP names)"
                )
            )
        elif target in mapping.values():
            other = next(k for k, v in mapping.items() if v == target)
            problems.append(RowProblem(1, name, f"says the same as the column {other!r}; keep one"))
        else:
            mapping[name] = target
    if "username" not in mapping.values() and not problems:
        problems.append(RowProblem(1, "username", "the required column is missing"))
    if problems:
        raise ImportRejected(problems)
    return mapping


def _same_account(a: AccountRecord, b: AccountRecord) -> bool:
    return (a.username.casefold(), a.system, a.person, a.kind, a.auth, a.privilege, a.last_logon, a.enabled) == (
        b.username.casefold(), b.system, b.person, b.kind, b.auth, b.privilege, b.last_logon, b.enabled,
    )  # fmt: skip


def _record(
    number: int, row: dict[str, str], problems: list[RowProblem], warnings: list[RowProblem]
) -> AccountRecord | None:
    before = len(problems)

    def text(column: str, limit: int) -> str | None:
        value = row.get(column)
        if value is None:
            return None
        value = value.strip()
        problem = text_problem(value, multiline=False)
        if problem is not None:
            problems.append(RowProblem(number, column, problem))
            return None
        if len(value) > limit:
            problems.append(RowProblem(number, column, f"longer than {limit} characters"))
            return None
        if escape_formula(value) != value:
            warnings.append(
                RowProblem(number, column, "starts like a spreadsheet formula: kept as text, exported quoted")
            )
        return value

    def choice(column: str, allowed: dict[str, str]) -> str | None:
        value = (row.get(column) or "").strip()
        if not value:
            return None
        found = allowed.get(value.casefold())
        if found is None:
            values = ", ".join(dict.fromkeys(allowed.values()))
            problems.append(RowProblem(number, column, f"{value[:40]!r} is not one of {values}"))
        return found

    username = text("username", MAX_USERNAME_CHARS) or ""
    if not username and len(problems) == before:
        problems.append(RowProblem(number, "username", "empty: every account needs its user name"))
    person = text("person", MAX_PERSON_CHARS) or None
    system = text("system", MAX_PERSON_CHARS) or None
    kind = choice("kind", KINDS)
    auth = choice("auth", AUTHS)
    privilege = choice("privilege", PRIVILEGES)
    enabled: bool | None = None
    if (raw_enabled := (row.get("enabled") or "").strip()) != "":
        enabled = ENABLED.get(raw_enabled.casefold())
        if enabled is None:
            problems.append(RowProblem(number, "enabled", f"{raw_enabled[:40]!r} is not true or false"))
    last_logon: datetime | None = None
    given = "last_logon" in row
    if given:
        try:
            last_logon = parse_logon(row["last_logon"])
        except ValueError as error:
            problems.append(RowProblem(number, "last_logon", str(error)))
    if len(problems) > before:
        return None
    return AccountRecord(number, username, system, person, kind, auth, privilege, last_logon, given, enabled)


def parse_logon(raw: str) -> datetime | None:
    """A last-logon time as exports write it: ISO 8601 date or date-time (UTC when no zone is given), an LDAP
    generalized time (20260301120000Z), or a Windows FILETIME (18 digits); None for never."""
    value = raw.strip()
    if value.casefold() in NEVER:
        return None
    if value.isascii() and value.isdigit() and len(value) >= 17:
        ticks = int(value)
        if ticks >= 2**63 - 1:
            return None  # AD writes the largest value for "never"
        moment = _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)
        if moment.year < 1970:
            return None
        return moment
    if value.isascii() and len(value) >= 15 and value[:14].isdigit() and value.endswith("Z"):
        try:
            return datetime.strptime(value[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not a date such as 2026-03-01 or 2026-03-01T08:30Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not 1970 <= moment.astimezone(UTC).year <= 9999:
        raise ValueError(f"{value[:40]!r} is out of range (1970-9999)")
    return moment.astimezone(UTC)


# --- LDIF (RFC 2849) ---------------------------------------------------------------------------------
_LDIF_USERNAME = ("samaccountname", "uid")
_LDIF_PERSON = ("displayname", "cn")
_LDIF_LOGON = ("lastlogontimestamp", "lastlogon", "authtimestamp", "pwdlastsuccess")


def _read_ldif(text: str) -> tuple[list[dict[str, str]], list[int], list[RowProblem]]:
    """Rows (username, person, last_logon, enabled) of the entries of an LDIF export, with their line numbers."""
    rows: list[dict[str, str]] = []
    numbers: list[int] = []
    warnings: list[RowProblem] = []
    for start, attributes in _ldif_entries(text):
        if "dn" not in attributes:
            if "version" in attributes and len(attributes) == 1:
                continue
            raise reject("an LDIF entry must start with its dn", row=start)
        if "changetype" in attributes:
            raise reject("change records are not an account list; export the entries themselves", row=start)
        username = next((attributes[a][0] for a in _LDIF_USERNAME if a in attributes), None)
        if username is None:
            warnings.append(
                RowProblem(start, "dn", "an entry without sAMAccountName or uid: not an account, skipped")
            )
            continue
        row = {"username": username}
        if person := next((attributes[a][0] for a in _LDIF_PERSON if a in attributes), None):
            row["person"] = person
        if logon := next((attributes[a][0] for a in _LDIF_LOGON if a in attributes), None):
            row["last_logon"] = logon
        row["enabled"] = "false" if _ldif_disabled(attributes) else "true"
        rows.append(row)
        numbers.append(start)
    return rows, numbers, warnings


def _ldif_disabled(attributes: dict[str, list[str]]) -> bool:
    control = attributes.get("useraccountcontrol", [""])[0]
    if control.isascii() and control.isdigit() and int(control) & _ACCOUNT_DISABLE:
        return True
    if attributes.get("nsaccountlock", [""])[0].casefold() == "true":
        return True
    return bool(attributes.get("pwdaccountlockedtime"))


def _ldif_entries(text: str) -> list[tuple[int, dict[str, list[str]]]]:
    """(first line number, {attribute (lower case): values}) per entry; continuation lines unfolded."""
    entries: list[tuple[int, dict[str, list[str]]]] = []
    logical: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(" ") and logical:
            logical[-1] = (logical[-1][0], logical[-1][1] + line[1:])
        else:
            logical.append((number, line))
    current: dict[str, list[str]] = {}
    start = 0
    for number, line in [*logical, (0, "")]:
        if not line.strip():
            if current:
                entries.append((start, current))
            current = {}
            continue
        if line.startswith("#"):
            continue
        if not current:
            start = number
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise reject(f"not an LDIF line (attribute: value): {line[:60]!r}", row=number)
        current.setdefault(name.strip().casefold(), []).append(_ldif_value(value, number))
    return entries


def _ldif_value(value: str, number: int) -> str:
    if value.startswith(":"):
        try:
            return base64.b64decode(value[1:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise reject("a base64 value that is not valid UTF-8 text", row=number) from None
    if value.startswith("<"):
        raise reject("values by URL (attr:< ...) are not read; export the values themselves", row=number)
    return value.strip()
