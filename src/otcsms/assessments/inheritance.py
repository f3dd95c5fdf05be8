"""Answer once, apply to many: the effective answer of a requirement in a zone.

In a zone-based framework (IEC 62443-3-3) an answer may be given for the site (scope ``None``) or for a zone
that has zones below it. A zone's effective answer for a requirement is its own, else its nearest ancestor
zone's, else the site's. Only a real answer counts: a response left ``not_assessed`` (a comment without a
status) neither overrides nor is inherited, as it carries nothing in inference either.

Plain Python (no Django): the services feed it the zone tree and the answered responses.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

Scope = int | None  # a zone's id, or None for the site
K = TypeVar("K", bound=Hashable)  # a requirement (its id, or its ref)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Effective(Generic[T]):
    """What a zone's row shows: the answer in force and the scope it was given for."""

    answer: T
    source: Scope  # the zone itself, an ancestor zone, or None (the site)
    zone: Scope  # the zone the answer is effective in

    @property
    def inherited(self) -> bool:
        return self.source != self.zone


def ancestors(zone_id: int, parent_of: Mapping[int, int | None]) -> Iterator[Scope]:
    """The zone, its parent, grandparent ... then the site (None); a loop in the tree stops the walk."""
    seen: set[int] = set()
    current: int | None = zone_id
    while current is not None and current not in seen:
        seen.add(current)
        yield current
        current = parent_of.get(current)
    yield None


def effective(
    slots: Iterable[tuple[K, Scope]],
    answered: Mapping[tuple[K, Scope], T],
    parent_of: Mapping[int, int | None],
) -> dict[tuple[K, Scope], Effective[T]]:
    """For every (requirement, scope) slot, the answer in force: its own, else the nearest ancestor's, else the
    site's. ``answered`` holds only real answers (keyed like the slots). A site slot (scope None) has only its
    own. Slots with no answer anywhere are left out."""
    found: dict[tuple[K, Scope], Effective[T]] = {}
    for requirement, zone in slots:
        chain: Iterable[Scope] = (None,) if zone is None else ancestors(zone, parent_of)
        for scope in chain:
            answer = answered.get((requirement, scope))
            if answer is not None:
                found[(requirement, zone)] = Effective(answer, scope, zone)
                break
    return found


def answer_scopes(
    slots: Iterable[tuple[K, int]], parent_of: Mapping[int, int | None], in_scope: Iterable[int]
) -> set[tuple[K, Scope]]:
    """Where a requirement may be answered for many zones at once: the site, and every zone of the assessment
    that has a zone below it (at any depth) with the requirement in scope. The zones' own slots come on top."""
    zones = set(in_scope)
    scopes: set[tuple[K, Scope]] = set()
    for requirement, zone in slots:
        scopes.add((requirement, None))
        for above in ancestors(zone, parent_of):
            if above is not None and above != zone and above in zones:
                scopes.add((requirement, above))
    return scopes


def with_inherited(
    direct: Mapping[Scope, Mapping[K, str]],
    in_scope: Mapping[int, Iterable[K]],
    parent_of: Mapping[int, int | None],
    unanswered: str,
) -> dict[Scope, dict[K, str]]:
    """Statuses per scope as they are in force: ``direct`` (every scope's own, ``unanswered`` ones included),
    and for each requirement in a zone's scope (``in_scope``: zone -> its requirements) with no real answer of
    its own, the real one of its nearest ancestor zone, else of the site. The same answers as ``effective``,
    as statuses, with the tree walked once per zone rather than once per requirement."""
    real = {
        (key, scope): s for scope, answers in direct.items() for key, s in answers.items() if s != unanswered
    }
    merged: dict[Scope, dict[K, str]] = {scope: dict(answers) for scope, answers in direct.items()}
    for zone, keys in in_scope.items():
        own = direct.get(zone, {})
        above = list(ancestors(zone, parent_of))[1:]
        for key in keys:
            if own.get(key, unanswered) != unanswered:
                continue
            for scope in above:
                found = real.get((key, scope))
                if found is not None:
                    merged.setdefault(zone, {})[key] = found
                    break
    return merged
