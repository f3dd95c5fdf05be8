"""The words of the import contract: the allowed values of each choice column, and the other spellings people
type for them. The columns of each kind, with what each accepts, are in ``columns``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

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
# A zone's kind (IEC 62443-3-2 zones of a typical control system), the values of plant.models.ZoneKind.
ZONE_KINDS: Final = ("enterprise", "dmz", "control", "safety", "field", "remote", "other")

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
ZONE_KIND_ALIASES: Final = {
    "demilitarizedzone": "dmz",
    "demilitarisedzone": "dmz",
    "business": "enterprise",
    "corporate": "enterprise",
    "sis": "safety",
    "safetyinstrumented": "safety",
    "process": "control",
    "processcontrol": "control",
}
SECTOR_ALIASES: Final = {
    "oilandgas": "oil-gas",
    "foodandbeverage": "food-beverage",
    "pharma": "pharmaceutical",
}


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
    return PROTOCOL_CHOICES.get(value)


PROTOCOL_CHOICES: Final = Choices(PROTOCOLS, PROTOCOL_ALIASES)
