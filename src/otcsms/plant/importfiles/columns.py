"""The columns of each import kind: name, whether it is required, what it accepts and an example value.

The one source of truth for the file contract: the checker reads the column names from here (``COLUMNS``), the
exporter writes them in this order, and the templates (``templates``) and the import page show what each
accepts and the example, all generated from the same value lists the checker uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from otcsms.plant.importfiles.endpoints import MAX_ENDPOINTS
from otcsms.plant.importfiles.vocabulary import (
    ASSET_TYPES,
    CRITICALITIES,
    NERC_IMPACTS,
    PROTOCOLS,
    SECTORS,
    ZONE_KINDS,
)

MAX_NAME_CHARS: Final = 200
MAX_SHORT_TEXT_CHARS: Final = 200
MAX_LONG_TEXT_CHARS: Final = 2000
MAX_RULE_SET_CHARS: Final = 20000


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an import file. ``choices`` are the values of a single-choice column (else empty)."""

    name: str
    required: bool
    accepts: str
    example: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Columns:
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional


def _one_of(values: Iterable[str], *, forgiving: bool = False) -> str:
    """``forgiving``: the checker also reads other spellings (``Choices`` with aliases)."""
    text = "one of: " + ", ".join(values)
    return text + "; case, spaces and punctuation are ignored" if forgiving else text


def _name(what: str) -> Column:
    return Column(
        "name", True, f"the {what}'s name, 1-{MAX_NAME_CHARS} characters, unique (ignoring case)", ""
    )


def _short(name: str, what: str, example: str = "") -> Column:
    return Column(name, False, f"{what}; one line, up to {MAX_SHORT_TEXT_CHARS} characters", example)


def _description(example: str = "") -> Column:
    return Column("description", False, f"free text, up to {MAX_LONG_TEXT_CHARS:,} characters", example)


def _named(column: Column, example: str) -> Column:
    return Column(column.name, column.required, column.accepts, example, column.choices)


SPECS: Final[dict[str, tuple[Column, ...]]] = {
    "sites": (
        _named(_name("site"), "North Water Treatment Plant"),
        Column("sector", False, _one_of(SECTORS, forgiving=True) + " (empty: other)", "water", SECTORS),
        _short("location", "where the site is", "Springfield"),
        Column(
            "nerc_impact",
            False,
            _one_of(NERC_IMPACTS) + " (NERC CIP-002 impact rating)",
            "none",
            NERC_IMPACTS,
        ),
        _description("Surface water treatment, 40 ML/day"),
    ),
    "zones": (
        _named(_name("zone"), "Control"),
        Column("kind", False, _one_of(ZONE_KINDS, forgiving=True), "control", ZONE_KINDS),
        Column(
            "sl_t",
            False,
            "the target security level: one level 0-4 for all seven foundational requirements (2), or seven "
            "comma-separated levels FR1..FR7 (1,2,2,3,1,1,2); empty: not set",
            "2,2,2,1,2,1,2",
        ),
        Column(
            "sl_t_reason",
            False,
            f"why these levels: the risk assessment and consequences behind them; up to {MAX_LONG_TEXT_CHARS:,} "
            "characters",
            "Loss of dosing control could harm public health",
        ),
        Column(
            "parent",
            False,
            "the name of the zone this one is nested in: a zone of the same file or already in the site; "
            "a zone cannot be its own parent or ancestor",
        ),
        _description("PLCs and HMIs of the treatment process"),
    ),
    "conduits": (
        _named(_name("conduit"), "DMZ to Control"),
        Column(
            "zones",
            True,
            "exactly two different zones of the site, separated by ';' (Plant DMZ;Control)",
            "Plant DMZ;Control",
        ),
        Column(
            "protocols",
            False,
            "';'-separated, from: "
            + ", ".join(PROTOCOLS)
            + " (common spellings such as OPC UA are understood)",
            "opc-ua;modbus-tcp",
        ),
        _short("security_device", "the firewall, data diode or gateway guarding the conduit", "FW-02"),
        Column(
            "rule_set",
            False,
            f"the documented rule set: what may cross, in which direction; up to {MAX_RULE_SET_CHARS:,} "
            "characters, line breaks allowed",
            "Allow OPC UA from the historian to the PLCs; deny everything else",
        ),
        _description("Historian replication"),
    ),
    "assets": (
        _named(_name("asset"), "PLC-101"),
        Column("zone", False, "the name of a zone of the site", "Control"),
        Column(
            "type",
            False,
            _one_of(ASSET_TYPES, forgiving=True) + " (EWS, SIS, safety PLC and diode are understood)",
            "plc",
            ASSET_TYPES,
        ),
        _short("vendor", "the manufacturer", "Rockwell"),
        _short("model", "the model", "ControlLogix 5580"),
        _short("firmware", "the firmware version", "33.011"),
        _short("serial", "the serial number", "SN-0042"),
        Column("criticality", False, _one_of(CRITICALITIES), "high", CRITICALITIES),
        Column(
            "ip",
            False,
            "one IPv4 or IPv6 address (IPv4 with leading zeros is refused as ambiguous)",
            "10.20.1.11",
        ),
        Column(
            "mac",
            False,
            "aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff or aabbccddeeff",
            "00:1d:9c:aa:bb:01",
        ),
        Column(
            "endpoints",
            False,
            f"up to {MAX_ENDPOINTS} ';'-separated endpoint URIs with a port: opc.tcp://HOST:PORT[/PATH], "
            "modbus+tcp://HOST:PORT?unit=N, dnp3+tcp://HOST:PORT?outstation=N&master=M, SCHEME://HOST:PORT",
            "opc.tcp://10.20.1.11:4840/ua;modbus+tcp://10.20.1.11:502?unit=1",
        ),
        _short("profile", "the name of a device profile known to the instance (a Modbus register map)"),
        _description("Filter gallery controller"),
    ),
    "people": (
        Column("name", True, f"the person's name, 1-{MAX_NAME_CHARS} characters", "Dana Reyes"),
        Column("email", False, "an email address, unique among people", "dana.reyes@example.org"),
        _short("role", "the person's job title", "Site security lead"),
        _short("employer", "for contractors and vendors: their company"),
        Column("site", False, "the name of an existing site; empty: the site chosen for the import"),
    ),
}
KINDS: Final = tuple(SPECS)
SINGULAR: Final = {
    "sites": "site",
    "zones": "zone",
    "conduits": "conduit",
    "assets": "asset",
    "people": "person",
}
COLUMNS: Final = {
    kind: Columns(
        tuple(column.name for column in specs if column.required),
        tuple(column.name for column in specs if not column.required),
    )
    for kind, specs in SPECS.items()
}


def specs_of(kind: str) -> tuple[Column, ...]:
    """The columns of ``kind`` in the order files are written (required ones first); ValueError if unknown."""
    if kind not in SPECS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    by_name = {column.name: column for column in SPECS[kind]}
    return tuple(by_name[name] for name in COLUMNS[kind].all)
