"""Security levels of IEC 62443-3-3: which requirements a zone's SL-T selects, and what SL-A it achieved.

Plain functions over plain data (no Django), so the assessment service, reports and the import checks share
one definition of an SL vector and of how SL-A follows from response statuses.

An SL vector holds one level 0-4 per foundational requirement, FR1..FR7, in that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

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
    levels = _levels_of(value)
    if len(levels) == 1:
        levels = levels * FR_COUNT
    if len(levels) != FR_COUNT:
        raise ValueError(
            f"an SL vector has one level for all FRs or seven levels FR1..FR7, got {len(levels)} levels"
        )
    return (levels[0], levels[1], levels[2], levels[3], levels[4], levels[5], levels[6])


def requirements_in_scope(sl_t: Sequence[int], catalog: Iterable[SlRequirement]) -> list[str]:
    """Ids of the requirements a zone with target `sl_t` must meet, in catalog order.

    A requirement applies when its selection includes the zone's SL-T for the requirement's FR; SL-T 0 selects
    nothing.
    """
    target = validate_sl_vector(sl_t)
    return [req.id for req in catalog if target[_fr_index(req)] in req.sl_selection]


def achieved_sl(statuses: Mapping[str, str], catalog: Iterable[SlRequirement]) -> SlVector:
    """SL-A per FR: the highest level L at which every requirement selected at any level 1..L is met.

    `not_applicable` counts as met: a requirement that does not apply to the zone cannot hold its level
    down. A requirement missing from `statuses` counts as not assessed, hence not met. A level claims nothing
    when the catalog selects no requirement up to it, so an FR the catalog does not cover has SL-A 0, while
    an FR whose first requirements appear at SL 2 can reach SL-A 2 directly.
    """
    selected_up_to = _cumulative_selection(catalog)
    return validate_sl_vector([_achieved_for_fr(selected_up_to[fr], statuses) for fr in range(FR_COUNT)])


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


def _cumulative_selection(catalog: Iterable[SlRequirement]) -> list[list[list[str]]]:
    """Per FR index, per level 1..4 (index 0..3): ids of the requirements selected at any level up to it."""
    selected: list[list[list[str]]] = [[[] for _ in range(4)] for _ in range(FR_COUNT)]
    for req in catalog:
        levels = [level for level in req.sl_selection if 1 <= level <= 4]
        if not levels:
            continue
        for level in range(min(levels), 5):
            selected[_fr_index(req)][level - 1].append(req.id)
    return selected


def _achieved_for_fr(selected_up_to: list[list[str]], statuses: Mapping[str, str]) -> int:
    # the sets are nested (level L holds all of the levels below), so the first unmet set ends the climb
    achieved = 0
    for level, ids in enumerate(selected_up_to, start=1):
        if not ids:
            continue
        if any(statuses.get(req_id, "not_assessed") not in MET_FOR_SL_A for req_id in ids):
            break
        achieved = level
    return achieved
