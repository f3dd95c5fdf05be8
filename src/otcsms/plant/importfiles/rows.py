"""Checking rows: every cell against the column contract and what already exists, every problem collected.

``validate_rows`` returns an ``ImportPlan`` or raises ``ImportRejected`` listing every problem it found.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Final

from otcsms.core.inputs import text_problem
from otcsms.iec62443.security_levels import SlVector, validate_sl_vector
from otcsms.plant.importfiles.columns import (
    COLUMNS,
    KINDS,
    MAX_LONG_TEXT_CHARS,
    MAX_NAME_CHARS,
    MAX_RULE_SET_CHARS,
    MAX_SHORT_TEXT_CHARS,
    Columns,
)
from otcsms.plant.importfiles.endpoints import MAX_ENDPOINTS, Endpoint, canonical_ip, parse_endpoint
from otcsms.plant.importfiles.problems import ImportRejected, RowProblem
from otcsms.plant.importfiles.readers import Table
from otcsms.plant.importfiles.records import (
    AssetRecord,
    ConduitRecord,
    ImportContext,
    ImportPlan,
    PersonRecord,
    Record,
    SiteRecord,
    ZoneRecord,
)
from otcsms.plant.importfiles.vocabulary import (
    ASSET_TYPE_ALIASES,
    PROTOCOL_ALIASES,
    SECTOR_ALIASES,
    ZONE_KIND_ALIASES,
    Choices,
)

PROGRESS_EVERY: Final = 1000


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
        self.kinds = Choices(context.zone_kinds, ZONE_KIND_ALIASES)

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
            kind=row.choice("kind", self.kinds),
            sl_t_reason=row.text("sl_t_reason"),
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
            rule_set=row.text("rule_set", limit=MAX_RULE_SET_CHARS),
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
