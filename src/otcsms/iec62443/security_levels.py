"""Security levels of IEC 62443-3-3: which requirements a zone's SL-T selects, and what SL-A it achieved.

Plain functions over plain data (no Django), so the assessment service, reports and the import checks share
one definition of an SL vector and of how SL-A follows from response statuses.

An SL vector holds one level 0-4 per foundational requirement, FR1..FR7, in that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

SlVector = tuple[int, int, int, int, int, int, int]

FR_COUNT = 7
LEVELS = range(5)
MET_FOR_SL_A = frozenset({"met", "not_applicable"})


@dataclass(frozen=True, slots=True)
class SlRequirement:
    """An SR or RE of 62443-3-3: its FR (1-7) and the security levels (1-4) that select it (Table B.1)."""

    id: str
    fr: int
    sl_selection: frozenset[int]


def validate_sl_vector(value: object) -> SlVector:
    """Return `value` as seven levels FR1..FR7, or raise ValueError saying what is wrong with it.

    Accepts one level for all seven FRs (`2`, `"2"`) or seven levels (`"1,2,2,3,1,1,2"`,
    `[1, 2, 2, 3, 1, 1, 2]`).
    """
    if type(value) is tuple and len(value) == FR_COUNT and all(type(v) is int and 0 <= v <= 4 for v in value):
        return cast(SlVector, value)  # already one (the common case: SL-T and SL-A passed around as tuples)
    levels = _levels_of(value)
    if len(levels) == 1:
        levels = levels * FR_COUNT
    if len(levels) != FR_COUNT:
        raise ValueError(
            f"an SL vector has one level for all FRs or seven levels FR1..FR7, got {len(levels)} levels"
        )
    return (levels[0], levels[1], levels[2], levels[3], levels[4], levels[5], levels[6])


@dataclass(frozen=True, slots=True)
class SlTable:
    """A catalog's selection prepared for SL-A: per FR index (0-6), per level 1..4 (index 0..3), the ids of the
    requirements whose lowest selecting level it is. Build it once per catalog (``sl_table``) and reuse it for
    every zone: ``achieved_sl`` then only looks at each requirement once."""

    first_selected_at: tuple[tuple[tuple[str, ...], ...], ...]
    rows: tuple[tuple[str, int, frozenset[int]], ...]  # (id, FR index, selection) in catalog order


def sl_table(catalog: Iterable[SlRequirement]) -> SlTable:
    """The catalog's selection, prepared once for ``achieved_sl`` and ``requirements_in_scope`` (raises ValueError
    on an FR outside 1-7)."""
    found: list[list[list[str]]] = [[[] for _ in range(4)] for _ in range(FR_COUNT)]
    rows = []
    for req in catalog:
        rows.append((req.id, _fr_index(req), req.sl_selection))
        levels = [level for level in req.sl_selection if 1 <= level <= 4]
        if levels:
            found[_fr_index(req)][min(levels) - 1].append(req.id)
    return SlTable(tuple(tuple(tuple(ids) for ids in per_fr) for per_fr in found), tuple(rows))


def requirements_in_scope(sl_t: Sequence[int], catalog: Iterable[SlRequirement] | SlTable) -> list[str]:
    """Ids of the requirements a zone with target `sl_t` must meet, in catalog order.

    A requirement applies when its selection includes the zone's SL-T for the requirement's FR; SL-T 0 selects
    nothing. ``catalog`` may be given prepared (``sl_table``).
    """
    target = validate_sl_vector(sl_t)
    table = catalog if isinstance(catalog, SlTable) else sl_table(catalog)
    return [req_id for req_id, fr_index, selection in table.rows if target[fr_index] in selection]


def achieved_sl(statuses: Mapping[str, str], catalog: Iterable[SlRequirement] | SlTable) -> SlVector:
    """SL-A per FR: the highest level L at which every requirement selected at any level 1..L is met.

    `not_applicable` counts as met: a requirement that does not apply to the zone cannot hold its level
    down. A requirement missing from `statuses` counts as not assessed, hence not met. A level claims nothing
    when the catalog selects no requirement up to it, so an FR the catalog does not cover has SL-A 0, while
    an FR whose first requirements appear at SL 2 can reach SL-A 2 directly. ``catalog`` may be given
    prepared (``sl_table``), as callers computing many zones do.
    """
    table = catalog if isinstance(catalog, SlTable) else sl_table(catalog)
    levels = [_achieved_for_fr(per_fr, statuses) for per_fr in table.first_selected_at]
    return (levels[0], levels[1], levels[2], levels[3], levels[4], levels[5], levels[6])


def sl_gap(sl_t: Sequence[int], sl_a: Sequence[int]) -> SlVector:
    """Levels still missing per FR: SL-T minus SL-A, never below 0."""
    target, achieved = validate_sl_vector(sl_t), validate_sl_vector(sl_a)
    return validate_sl_vector([max(0, t - a) for t, a in zip(target, achieved, strict=True)])


def format_sl_vector(vector: Sequence[int]) -> str:
    """The compact form `validate_sl_vector` reads back: `2` when all seven agree, else `1,2,2,3,1,1,2`."""
    levels = validate_sl_vector(vector)
    if len(set(levels)) == 1:
        return str(levels[0])
    return ",".join(str(level) for level in levels)


def _levels_of(value: object) -> list[int]:
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",")]
        return [_level_of_text(part, position) for position, part in enumerate(parts, start=1)]
    if isinstance(value, Sequence):
        return [_level_of_item(item, position) for position, item in enumerate(value, start=1)]
    return [_level_of_item(value, 1)]


def _level_of_item(item: object, position: int) -> int:
    if isinstance(item, str):
        return _level_of_text(item.strip(), position)
    # bool is an int subclass, but True is not a security level
    if isinstance(item, bool) or not isinstance(item, int):
        raise ValueError(f"level {position} must be a whole number 0-4, got {item!r}")
    return _checked_level(item, position)


def _level_of_text(text: str, position: int) -> int:
    if len(text) != 1 or text not in "01234":
        raise ValueError(f"level {position} must be one of 0, 1, 2, 3, 4, got {text!r}")
    return int(text)


def _checked_level(level: int, position: int) -> int:
    if level not in LEVELS:
        raise ValueError(f"level {position} must be 0-4, got {level}")
    return level


def _fr_index(req: SlRequirement) -> int:
    if not 1 <= req.fr <= FR_COUNT:
        raise ValueError(f"requirement {req.id!r} has FR {req.fr}; FRs are 1-7")
    return req.fr - 1


def _achieved_for_fr(first_selected_at: tuple[tuple[str, ...], ...], statuses: Mapping[str, str]) -> int:
    # The requirements selected up to level L are those first selected at L or below: each is checked once,
    # at the level that adds it, and the first unmet one ends the climb (it holds every level above down too).
    # A level adding nothing keeps the level below (none, while nothing is selected yet).
    achieved = 0
    selected_any = False
    for level, ids in enumerate(first_selected_at, start=1):
        for req_id in ids:
            if statuses.get(req_id, "not_assessed") not in MET_FOR_SL_A:
                return achieved
        selected_any = selected_any or bool(ids)
        if selected_any:
            achieved = level
    return achieved
