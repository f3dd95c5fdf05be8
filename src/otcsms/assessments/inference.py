"""Carrying assessment responses across frameworks through the crosswalk (principle 4: one answer, many
frameworks).

A response entered directly for one requirement gives a status to every requirement of the other frameworks
that the crosswalk reaches from it:

- through an `equal` or `superset` mapping the status is carried as it is;
- through a `subset` or `intersect` mapping (or any relationship this module does not know) it is capped at
  `partially_met`, because meeting part of a requirement does not meet all of it;
- `not_applicable` and `not_assessed` responses carry nothing, so N/A never makes another requirement met;
- when several responses reach one requirement, the most restrictive carried status wins
  (not_met < partially_met < met), and every contributing source is kept, most restrictive first;
- a response entered directly for a requirement always overrides what would be inferred for it. A direct
  `not_assessed` is no answer at all: it neither overrides nor carries.

Only direct responses are sources: an inferred status is never carried further, since the crosswalk's `reach`
already follows paths of several hops and reports the weakest relationship along each.

The engine holds plain data in memory and knows nothing of Django; the assessment service feeds it the
responses of a scope (a zone, a site, ...) and stores or shows what it answers. Statuses are kept up to date
eagerly (set unions at load, a local recount on each change); the list of sources of a requirement is built
when it is asked for, because a scope answered in full has hundreds of thousands of them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

ReqKey = tuple[str, str]  # (framework_id, requirement_id)
Scope = Hashable

STATUSES = ("not_assessed", "not_applicable", "not_met", "partially_met", "met")
NO_ANSWER = "not_assessed"
# the statuses a response carries to mapped requirements, most restrictive first
CARRIED_STATUSES = ("not_met", "partially_met", "met")
FULL_RELATIONSHIPS = frozenset({"equal", "superset"})
CAPPED_AT = "partially_met"

_RESTRICTIVENESS = {status: rank for rank, status in enumerate(CARRIED_STATUSES)}
_RELATIONSHIP_RANK = {"equal": 3, "superset": 2, "subset": 1, "intersect": 0}
_NONE_CARRIED = len(CARRIED_STATUSES)


class ReachLike(Protocol):
    """One requirement the crosswalk reaches from a start (otcsms.catalogs.crosswalk.Reach)."""

    @property
    def target(self) -> ReqKey: ...
    @property
    def relationship(self) -> str: ...
    @property
    def strength(self) -> int: ...
    @property
    def path(self) -> tuple[ReqKey, ...]: ...


class Crosswalk(Protocol):
    """What the engine needs of otcsms.catalogs.crosswalk.CrosswalkGraph."""

    def reach(self, start: ReqKey) -> Sequence[ReachLike]: ...


class Source(NamedTuple):
    """Where an inferred status comes from: a directly answered requirement and the path to the target."""

    requirement: ReqKey
    status: str  # the status entered for `requirement`
    carried: str  # what it gives the target once the relationship is taken into account
    relationship: str
    strength: int
    path: tuple[ReqKey, ...]


class Effective(NamedTuple):
    """The status a requirement has in a scope: entered directly, inferred from sources, or not assessed."""

    status: str
    inferred: bool = False
    sources: tuple[Source, ...] = ()


NOT_ASSESSED = Effective(NO_ANSWER)


def carried_status(status: str, relationship: str) -> str | None:
    """The status a direct response gives a requirement it reaches through `relationship`; None if nothing."""
    if status not in _RESTRICTIVENESS:
        return None
    if relationship in FULL_RELATIONSHIPS or status != "met":
        return status
    return CAPPED_AT


def _source_order(source: Source) -> tuple[int, int, int, int, ReqKey, tuple[ReqKey, ...]]:
    return (
        _RESTRICTIVENESS[source.carried],
        -_RELATIONSHIP_RANK.get(source.relationship, -1),
        -source.strength,
        len(source.path),
        source.requirement,
        source.path,
    )


class _Reached(NamedTuple):
    """Where one requirement's answer goes: the targets in full, and those reached through a capping mapping."""

    reaches: tuple[ReachLike, ...]
    targets: frozenset[ReqKey]
    full: frozenset[ReqKey]
    capped: frozenset[ReqKey]


@dataclass(slots=True)
class _ScopeState:
    direct: dict[ReqKey, str] = field(default_factory=dict)  # only answers, never not_assessed
    inferred: dict[ReqKey, str] = field(default_factory=dict)  # target -> most restrictive carried status
    cache: dict[ReqKey, Effective] = field(default_factory=dict)  # results built so far


class InferenceEngine:
    """Effective statuses of requirements per scope, kept up to date as direct responses change."""

    def __init__(self, graph: Crosswalk) -> None:
        self._graph = graph
        # What an answer reaches depends only on the graph: engines over one graph share it, so a server
        # holding many assessments asks the crosswalk once per requirement, not once per assessment.
        self._reached, self._incoming = _shared_reach(graph)
        self._scopes: dict[Scope, _ScopeState] = {}

    # ---------------------------------------------------------------------------------------- answering

    def load(self, scope: Scope, responses: Mapping[ReqKey, str]) -> None:
        """Replace every direct response of `scope` with `responses` and infer from them."""
        direct = {key: status for key, status in responses.items() if _checked(status) != NO_ANSWER}
        state = _ScopeState(direct=direct)
        by_status: dict[str, list[_Reached]] = {status: [] for status in CARRIED_STATUSES}
        for key, status in direct.items():
            if status in by_status:
                by_status[status].append(self._reach_of(key))
        met, partly, unmet = by_status["met"], by_status["partially_met"], by_status["not_met"]
        # whole sets at a time: the union runs in C, which a scope answered in full needs
        state.inferred = dict.fromkeys(frozenset().union(*(reached.full for reached in met)), "met")
        partial = frozenset().union(*(r.targets for r in partly), *(r.capped for r in met))
        state.inferred.update(dict.fromkeys(partial, "partially_met"))
        state.inferred.update(dict.fromkeys(frozenset().union(*(r.targets for r in unmet)), "not_met"))
        self._scopes[scope] = state

    def set_direct(self, scope: Scope, key: ReqKey, status: str) -> set[ReqKey]:
        """Enter a response directly; returns every requirement whose `result` changed, `key` included.

        Only the requirements `key` reaches are recomputed.
        """
        new = _checked(status)
        state = self._scopes.setdefault(scope, _ScopeState())
        old = state.direct.get(key, NO_ANSWER)
        if new == old:
            return set()
        before = self.result(scope, key)
        if new == NO_ANSWER:
            del state.direct[key]
        else:
            state.direct[key] = new
        carries = old in _RESTRICTIVENESS or new in _RESTRICTIVENESS
        touched = self._reach_of(key).targets if carries else frozenset()
        for target in touched:
            self._recount(state, target)
            state.cache.pop(target, None)
        state.cache.pop(key, None)
        # the source's own entry changed at every target it reaches, so each of their results changed
        changed = {target for target in touched if target not in state.direct}
        if self.result(scope, key) != before:
            changed.add(key)
        return changed

    def clear_direct(self, scope: Scope, key: ReqKey) -> set[ReqKey]:
        """Withdraw the direct response for `key`; returns every requirement whose `result` changed."""
        return self.set_direct(scope, key, NO_ANSWER)

    def forget(self, scope: Scope) -> None:
        """Drop everything held for `scope`."""
        self._scopes.pop(scope, None)

    # ------------------------------------------------------------------------------------------ reading

    def result(self, scope: Scope, key: ReqKey) -> Effective:
        """The effective status of `key` in `scope`: direct if entered, else inferred, else not assessed."""
        state = self._scopes.get(scope)
        if state is None:
            return NOT_ASSESSED
        cached = state.cache.get(key)
        if cached is None:
            cached = state.cache[key] = self._effective(state, key)
        return cached

    def results(self, scope: Scope) -> dict[ReqKey, Effective]:
        """Every requirement of `scope` with a direct or inferred status (the rest are not assessed)."""
        state = self._scopes.get(scope)
        if state is None:
            return {}
        self._build_inferred(state)
        return {key: self.result(scope, key) for key in state.inferred.keys() | state.direct.keys()}

    def statuses(self, scope: Scope) -> dict[ReqKey, str]:
        """The effective status of every requirement of `scope` that has one, without listing sources."""
        state = self._scopes.get(scope)
        return state.inferred | state.direct if state else {}

    def direct(self, scope: Scope) -> dict[ReqKey, str]:
        """The direct responses of `scope` that carry an answer (anything but not_assessed)."""
        state = self._scopes.get(scope)
        return dict(state.direct) if state else {}

    # ---------------------------------------------------------------------------------------- internals

    def _effective(self, state: _ScopeState, key: ReqKey) -> Effective:
        if key in state.direct:
            return Effective(state.direct[key])
        status = state.inferred.get(key)
        if status is None:
            return NOT_ASSESSED
        return Effective(status, True, tuple(sorted(self._sources(state, key), key=_source_order)))

    def _sources(self, state: _ScopeState, target: ReqKey) -> Iterable[Source]:
        direct = state.direct
        for requirement in dict.fromkeys(requirement for requirement, _ in self._incoming.get(target, ())):
            status = direct.get(requirement)
            if status in _RESTRICTIVENESS:
                for reach in self._reached[requirement].reaches:
                    if reach.target == target:
                        yield _source(requirement, status, reach)

    def _build_inferred(self, state: _ScopeState) -> None:
        """Build the results of every inferred requirement not built yet, walking out from the answers once."""
        pending = {key for key in state.inferred if key not in state.direct and key not in state.cache}
        if not pending:
            return
        found: dict[ReqKey, list[Source]] = {key: [] for key in pending}
        for requirement, status in state.direct.items():
            if status in _RESTRICTIVENESS:
                for reach in self._reached[requirement].reaches:
                    sources = found.get(reach.target)
                    if sources is not None:
                        sources.append(_source(requirement, status, reach))
        for key, sources in found.items():
            state.cache[key] = Effective(state.inferred[key], True, tuple(sorted(sources, key=_source_order)))

    def _recount(self, state: _ScopeState, target: ReqKey) -> None:
        """Recompute the inferred status of `target` from every answer in the scope that reaches it."""
        direct = state.direct
        best = _NONE_CARRIED
        for requirement, full in self._incoming.get(target, ()):
            rank = _RESTRICTIVENESS.get(direct.get(requirement, NO_ANSWER), _NONE_CARRIED)
            # carried_status, inlined: this loop runs for every target of every change
            if rank == _RESTRICTIVENESS["met"] and not full:
                rank = _RESTRICTIVENESS[CAPPED_AT]
            if rank < best:
                best = rank
                if best == 0:
                    break
        if best == _NONE_CARRIED:
            state.inferred.pop(target, None)
        else:
            state.inferred[target] = CARRIED_STATUSES[best]

    def _reach_of(self, key: ReqKey) -> _Reached:
        """Where an answer on `key` goes; asks the crosswalk once per requirement, whatever the scope."""
        reached = self._reached.get(key)
        if reached is None:
            reaches = tuple(reach for reach in self._graph.reach(key) if reach.target != key)
            for reach in reaches:
                self._incoming.setdefault(reach.target, []).append(
                    (key, reach.relationship in FULL_RELATIONSHIPS)
                )
            full = frozenset(r.target for r in reaches if r.relationship in FULL_RELATIONSHIPS)
            capped = frozenset(r.target for r in reaches if r.relationship not in FULL_RELATIONSHIPS)
            reached = self._reached[key] = _Reached(reaches, full | capped, full, capped)
        return reached


def _shared_reach(graph: Crosswalk) -> tuple[dict[ReqKey, _Reached], dict[ReqKey, list[tuple[ReqKey, bool]]]]:
    """The reach caches of ``graph`` (kept on the graph object itself, so they die with it).

    ``reached``: requirement -> where its answer goes; ``incoming``: target -> (requirement, carries in
    full?) for every requirement whose reach is known.
    """
    caches = getattr(graph, "_otcsms_inference_caches", None)
    if caches is None:
        caches = ({}, {})
        # A graph with __slots__ refuses the attribute: then this engine keeps its own caches.
        with contextlib.suppress(AttributeError):
            graph._otcsms_inference_caches = caches  # type: ignore[attr-defined]
    return caches


def _source(requirement: ReqKey, status: str, reach: ReachLike) -> Source:
    carried = carried_status(status, reach.relationship) or status
    return Source(requirement, status, carried, reach.relationship, reach.strength, tuple(reach.path))


def _checked(status: str) -> str:
    if status not in STATUSES:
        raise ValueError(f"unknown response status {status!r}; expected one of {', '.join(STATUSES)}")
    return status
