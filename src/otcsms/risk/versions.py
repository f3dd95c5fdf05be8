"""Firmware versions and the version ranges of security advisories: does an asset's firmware fall in a range?

Plain Python (no Django). Three answers, never a guess: ``AFFECTED`` (the version is in the range),
``NOT_AFFECTED`` (it is outside), ``UNKNOWN`` (the range or the version cannot be compared: the caller records
the asset as *possibly affected*, never as affected).

Range syntaxes read (docs/risk.md, "CSAF matching"):
- vers: (the package-URL version range specifier), e.g. ``vers:generic/>=2.0|<2.4.1``, ``vers:all/*``;
  every scheme is compared with the numeric comparison below, which is exact for dotted numeric versions.
- The short forms CISA writes in ``product_version_range``: ``<V3.2``, ``<= 2020``, ``>=v34.011``.
- CISA's per-branch fixed list ``<V33.017_V34.014_V35.013``: each listed version is the fix of its major branch;
  a version of a listed branch is affected below that branch's fix; a branch older than every listed branch is
  affected (no fix was published for it); a branch newer than every listed branch is not; an unlisted branch
  between them is unknown.

A version is comparable when, after an optional leading ``v``/``V``/``v.``, it is dot-separated digits
(``33.011``, ``V3.0``, ``2020``). Anything else (``R150``, ``5.1 SP2``) compares only for equality.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

MAX_RANGE_LENGTH = 500
MAX_CONSTRAINTS = 50


class Match(Enum):
    AFFECTED = "affected"
    NOT_AFFECTED = "not-affected"
    UNKNOWN = "unknown"


class RangeError(ValueError):
    """A range that is not well formed (an unknown comparator, an empty version, a vers: with nothing in it)."""


_VERSION = re.compile(r"(?:[vV]\.?\s*)?(\d{1,9}(?:\.\d{1,9}){0,9})")
_COMPARATORS = ("<=", ">=", "!=", "<", ">", "=")
# A vendor label ending in a separator, then a version: "MX-V4.1.4.11" ("R150" is no label: never compared).
_PREFIXED = re.compile(r"([a-z][a-z]{0,30}[ _-])(v?\d{1,9}(?:\.\d{1,9}){0,9})")


def normalise(version: str) -> str:
    """Casefolded, surrounding space removed: what equality compares."""
    return " ".join(version.split()).casefold()


def numeric(version: str) -> tuple[int, ...] | None:
    """(33, 11) for ``V33.011``; None when the version is not dotted digits. Trailing zeros do not count:
    ``3.0`` equals ``3``."""
    found = _VERSION.fullmatch(version.strip())
    if found is None:
        return None
    parts = [int(p) for p in found.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def compare(a: str, b: str) -> int | None:
    """-1, 0 or 1; None when the two cannot be ordered (equal strings are 0 all the same)."""
    if normalise(a) == normalise(b):
        return 0
    na, nb = numeric(a), numeric(b)
    if na is None or nb is None:
        # The same vendor label in front of both ("MX-V4.1.4.11", "MX-V4.7.2.18"): compare what follows it.
        pa, pb = _PREFIXED.fullmatch(normalise(a)), _PREFIXED.fullmatch(normalise(b))
        if pa is None or pb is None or pa.group(1) != pb.group(1):
            return None
        na, nb = numeric(pa.group(2)), numeric(pb.group(2))
        if na is None or nb is None:
            return None
    return (na > nb) - (na < nb)


@dataclass(frozen=True, slots=True)
class Constraint:
    comparator: str  # one of _COMPARATORS, or "*"
    version: str

    def holds(self, version: str) -> bool | None:
        if self.comparator == "*":
            return True
        order = compare(version, self.version)
        if order is None:
            return None
        return {
            "<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0, "=": order == 0, "!=": order != 0,
        }[self.comparator]  # fmt: skip


def _constraint(text: str) -> Constraint:
    text = text.strip()
    if text == "*":
        return Constraint("*", "")
    for comparator in _COMPARATORS:
        if text.startswith(comparator):
            version = text[len(comparator) :].strip()
            break
    else:
        comparator, version = "=", text
    if not version or any(c in version for c in "<>=!|*"):
        raise RangeError(f"{text!r} is not a comparator followed by a version")
    return Constraint(comparator, version)


def parse_vers(text: str) -> tuple[str, list[Constraint]]:
    """The scheme and constraints of a ``vers:`` range (RangeError when malformed)."""
    if len(text) > MAX_RANGE_LENGTH:
        raise RangeError(f"a version range of at most {MAX_RANGE_LENGTH} characters")
    body = text.strip()[len("vers:") :]
    scheme, slash, constraints = body.partition("/")
    if not slash or not re.fullmatch(r"[a-z0-9][a-z0-9.+-]*", scheme.strip().lower()):
        raise RangeError(f"{text!r}: vers:<scheme>/<constraints> expected")
    parts = [p for p in (c.strip() for c in constraints.split("|")) if p]
    if not parts:
        raise RangeError(f"{text!r}: no constraint")
    if len(parts) > MAX_CONSTRAINTS:
        raise RangeError(f"{text!r}: more than {MAX_CONSTRAINTS} constraints")
    parsed = [_constraint(p) for p in parts]
    if any(c.comparator == "*" for c in parsed) and len(parsed) > 1:
        raise RangeError(f"{text!r}: '*' stands alone")
    return scheme.strip().lower(), parsed


def in_vers(version: str, constraints: list[Constraint]) -> Match:
    """Membership by the vers: algorithm: equalities and exclusions first, then the ordered bounds read as
    intervals (a leading upper bound opens at minus infinity, a trailing lower bound runs to infinity)."""
    if len(constraints) == 1 and constraints[0].comparator == "*":
        return Match.AFFECTED
    unknown = False
    for c in constraints:
        if c.comparator in ("=", "!="):
            held = c.holds(version)
            if held is None:
                unknown = True
            elif c.comparator == "=" and held:
                return Match.AFFECTED
            elif c.comparator == "!=" and not held:
                return Match.NOT_AFFECTED
    bounds = [c for c in constraints if c.comparator in ("<", "<=", ">", ">=")]
    if not bounds:
        return Match.UNKNOWN if unknown else Match.NOT_AFFECTED
    keys = [numeric(c.version) for c in bounds]
    if any(k is None for k in keys) or numeric(version) is None:
        return Match.UNKNOWN
    ranked = sorted(range(len(bounds)), key=lambda i: (keys[i] or (), i))
    found = _in_intervals(version, [bounds[i] for i in ranked])
    return Match.UNKNOWN if unknown and found is Match.NOT_AFFECTED else found


def _in_intervals(version: str, ordered: list[Constraint]) -> Match:
    upper = ("<", "<=")
    for index, c in enumerate(ordered):
        if c.comparator in upper:
            opened = index == 0 or ordered[index - 1].comparator in upper
            if opened and c.holds(version):
                return Match.AFFECTED
            continue
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        if following is None or following.comparator not in upper:
            if following is None and c.holds(version):
                return Match.AFFECTED
            continue
        if c.holds(version) and following.holds(version):
            return Match.AFFECTED
    return Match.NOT_AFFECTED


_BRANCH_LIST = re.compile(r"<\s*([vV]?\.?\d[\d.]*(?:\s*_\s*[vV]?\.?\d[\d.]*)+)")


def in_branch_fixes(version: str, fixes: list[str]) -> Match:
    """CISA's ``<V33.017_V34.014``: each version is the fix of its major branch (see the module's text)."""
    mine = numeric(version)
    fixed = [numeric(f) for f in fixes]
    if mine is None or any(f is None for f in fixed):
        return Match.UNKNOWN
    by_branch = {f[0]: f for f in fixed if f is not None}
    branch = mine[0]
    if branch in by_branch:
        return Match.AFFECTED if mine < by_branch[branch] else Match.NOT_AFFECTED
    if branch < min(by_branch):
        return Match.AFFECTED
    if branch > max(by_branch):
        return Match.NOT_AFFECTED
    return Match.UNKNOWN


@lru_cache(maxsize=65536)  # a site has few firmware versions, an advisory few ranges
def in_range(version: str, text: str) -> Match:
    """Is ``version`` within the advisory range ``text``? RangeError for a malformed vers: range; an
    unrecognised free-text range is UNKNOWN (the advisory says something we cannot evaluate)."""
    text = text.strip()
    if len(text) > MAX_RANGE_LENGTH:
        raise RangeError(f"a version range of at most {MAX_RANGE_LENGTH} characters")
    if text.lower().startswith("vers:"):
        _scheme, constraints = parse_vers(text)
        return in_vers(version, constraints)
    if (branches := _BRANCH_LIST.fullmatch(text)) is not None:
        return in_branch_fixes(version, [f.strip() for f in branches.group(1).split("_")])
    try:
        constraint = _constraint(text)
    except RangeError:
        return Match.UNKNOWN
    if constraint.comparator == "=" or numeric(constraint.version) is None:
        return Match.UNKNOWN  # free text such as "all versions" or "5.1 SP2 and prior"
    held = constraint.holds(version)
    if held is None:
        return Match.UNKNOWN
    return Match.AFFECTED if held else Match.NOT_AFFECTED


def same_version(version: str, listed: str) -> Match:
    """``product_version``: the asset runs exactly this version (numerically equal counts: ``V3.0`` is ``3``)."""
    order = compare(version, listed)
    if order is None:
        return Match.UNKNOWN
    return Match.AFFECTED if order == 0 else Match.NOT_AFFECTED
