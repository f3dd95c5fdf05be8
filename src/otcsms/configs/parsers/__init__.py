"""Vendor configuration files read into otcsms's snapshot shape: pure code, no Django.

Every parser module of this package has
    KIND: str                               e.g. "opcua-nodeset", "l5x", "json"
    LABEL: str                              in words, for the UI and error messages
    def sniff(name: str, head: bytes) -> bool   whether a file looks like its format (name + first 4 KiB)
    def parse(data: bytes) -> Parsed        the file read into config/volatile, or ParseError

``Parsed.config`` is what defines the device's behaviour and security, ``Parsed.volatile`` values that
change in operation (kept for context, never hashed or compared). Both are JSON values in which lists of
things with a natural identity are already maps keyed by it (a node by NodeId, a tag by name, an interface
by name), so that reordering a file never produces a difference.

The collectors (configs/collectors/) produce the same shape from live reads. The snapshot document, its
canonical form and hash, and the diff live in the configs app, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Any

from otcsms.configs.parsers import redact

# Parser modules, in the order sniffing tries them (specific formats first, the generic JSON/YAML last).
MODULES: tuple[str, ...] = (
    "opcua_nodeset",
    "l5x",
    "plcopen",
    "scl",
    "dnp3_profile",
    "running_config",
    "json_yaml",
)

MAX_BYTES = 64 * 1024 * 1024  # a vendor export larger than this is refused before it is read


class ParseError(ValueError):
    """The file cannot be read as the format: one line saying where and why (shown to the user)."""


@dataclass(frozen=True)
class Parsed:
    kind: str
    config: dict[str, Any]
    volatile: dict[str, Any] = field(default_factory=dict)
    # What the file says about itself (vendor, product, firmware, export time): shown, part of config when it
    # defines behaviour (firmware), otherwise informational.
    meta: dict[str, Any] = field(default_factory=dict)
    # The parser vouches that ``config`` holds only dicts with string keys, lists, strings, booleans and None, and
    # no character outside the BMP (read off the bytes): already normal, and json.dumps writes its RFC 8785 form,
    # so the snapshot is hashed without the checking walk (canonical.normal_and_hash(..., plain=True)).
    plain: bool = False


def modules() -> list[ModuleType]:
    return [import_module(f"{__name__}.{name}") for name in MODULES]


def kinds() -> dict[str, str]:
    """Every format's kind and label."""
    return {m.KIND: m.LABEL for m in modules()}


def detect(name: str, data: bytes) -> str:
    """The kind of a file, from its name and first bytes; ParseError when no parser claims it."""
    head = data[:4096]
    for module in modules():
        if module.sniff(name, head):
            return str(module.KIND)
    raise ParseError(f"{name}: not a configuration format otcsms reads ({', '.join(kinds())})")


def parse(name: str, data: bytes, kind: str | None = None, *, marker_key: bytes | None = None) -> Parsed:
    """Read ``data`` as ``kind`` (detected from the name and content when None); secrets in it become markers
    keyed with ``marker_key`` (redact.py)."""
    if len(data) > MAX_BYTES:
        raise ParseError(f"{name}: {len(data)} bytes is over the {MAX_BYTES} byte limit")
    kind = kind or detect(name, data)
    for module in modules():
        if kind == module.KIND:
            with redact.using_key(marker_key):
                result: Parsed = module.parse(data)
            return result
    raise ParseError(f"unknown configuration format {kind!r} (known: {', '.join(kinds())})")
