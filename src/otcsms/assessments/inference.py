"""Carrying assessment responses across frameworks through the crosswalk (principle 4: one answer, many
frameworks), only as far as the relationship justifies.

A response entered directly for one requirement gives a status to a requirement of another framework that the
crosswalk maps it to, by the relationship class of the path (read from the answered requirement):

| class | met | partially met | not met |
|---|---|---|---|
| equal | met | partially met | not met |
| superset (the answer covers all of the target) | met | - | - |
| subset (the answer covers part of the target) | partially evidenced | partially met | not met |
| intersect, one hop only | partially evidenced | - | - |
| related, or anything else | - | - | - |

*Partially evidenced* is an inferred `partially_met` that says only "part of this is shown met": it never
overrides a stronger claim. When several answers reach one requirement, the most restrictive carried claim
wins, in the order not met < partially met < met < partially evidenced (so a `met` through an equal mapping
and a partial evidence through an intersect give `met`; any `not met` gives `not met`). Every contributing
source is kept with its path, most restrictive first.

- `not_applicable` and `not_assessed` responses carry nothing, so N/A never makes another requirement met.
- An intersect carries only over exactly one hop, whatever the crosswalk calls a longer path.
- A response entered directly for a requirement always overrides what would be inferred for it. A direct
  `not_assessed` is no answer at all: it neither overrides nor carries.
- Only direct responses are sources: an inferred status is never carried further, since the crosswalk's
  `reach` already composes the relationships of a path of several hops.

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
PARTIAL_EVIDENCE = "partially_evidenced"  # a claim, shown as the status partially_met
# what an answer can give a requirement it reaches, most restrictive first
CLAIMS = ("not_met", "partially_met", "met", PARTIAL_EVIDENCE)
CARRIED_STATUSES = ("not_met", "partially_met", "met")  # the answers that can carry anything
# relationship class -> {status answered: claim carried}; a class or status not listed carries nothing
CARRIES: Mapping[str, Mapping[str, str]] = {
    "equal": {"met": "met", "partially_met": "partially_met", "not_met": "not_met"},
    "superset": {"met": "met"},
    "subset": {"met": PARTIAL_EVIDENCE, "partially_met": "partially_met", "not_met": "not_met"},
    "intersect": {"met": PARTIAL_EVIDENCE},
}
ONE_HOP_ONLY = frozenset({"intersect"})

_CLAIM_RANK = {claim: rank for rank, claim in enumerate(CLAIMS)}
_STATUS_OF_CLAIM = ("not_met", "partially_met", "met", "partially_met")  # by claim rank
_RELATIONSHIP_RANK = {"equal": 4, "superset": 3, "subset": 2, "intersect": 1, "related": 0}
_NOTHING = len(CLAIMS)


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
    carried: str  # the status it gives the target (a partial evidence shows as partially_met)
    relationship: str  # the path's class
    strength: int
    path: tuple[ReqKey, ...]

    @property
    def partial_evidence(self) -> bool:
        """A met answer that shows only part of the target met (through a subset or a one-hop intersect)."""
        return self.status == "met" and self.carried == "partially_met"

    @property
    def hops(self) -> int:
        return len(self.path) - 1


class Effective(NamedTuple):
    """The status a requirement has in a scope: entered directly, inferred from sources, or not assessed."""

    status: str
    inferred: bool = False
    sources: tuple[Source, ...] = ()

    @property
    def partial_evidence_only(self) -> bool:
        """Inferred partially met only because some of it is evidenced met (no source says it falls short)."""
        return bool(self.inferred and self.sources) and all(s.partial_evidence for s in self.sources)


NOT_ASSESSED = Effective(NO_ANSWER)


def carried_claim(status: str, relationship: str, hops: int = 1) -> str | None:
    """What a direct response of `status` gives a requirement it reaches through a path of class
    `relationship` and `hops` hops: a claim of CLAIMS, or None if nothing."""
    if hops > 1 and relationship in ONE_HOP_ONLY:
        return None
    return CARRIES.get(relationship, {}).get(status)


def carried_status(status: str, relationship: str, hops: int = 1) -> str | None:
    """The status a direct response gives a requirement it reaches; None if nothing."""
    claim = carried_claim(status, relationship, hops)
    return None if claim is None else _STATUS_OF_CLAIM[_CLAIM_RANK[claim]]


def _claim_rank(source: Source) -> int:
    return _CLAIM_RANK[PARTIAL_EVIDENCE if source.partial_evidence else source.carried]


def _source_order(source: Source) -> tuple[int, int, int, int, ReqKey, tuple[ReqKey, ...]]:
    return (
        _claim_rank(source),
        -_RELATIONSHIP_RANK.get(source.relationship, -1),
        -source.strength,
        len(source.path),
        source.requirement,
        source.path,
    )


# status answered -> claim rank, for one reach (what the recount reads)
_CarryRow = Mapping[str, int]


class _Reached(NamedTuple):
    """Where one requirement's answer goes: the reaches that can carry something, and, per status answered,
    the targets that receive each claim."""

    reaches: tuple[tuple[ReachLike, _CarryRow], ...]
    receivers: Mapping[str, frozenset[ReqKey]]  # status -> every target that receives something from it
    claims: Mapping[str, tuple[tuple[int, frozenset[ReqKey]], ...]]  # status -> ((claim rank, targets), ...)


@dataclass(slots=True)
class _ScopeState:
    direct: dict[ReqKey, str] = field(default_factory=dict)  # only answers, never not_assessed
    inferred: dict[ReqKey, str] = field(
        default_factory=dict
    )  # target -> status of the most restrictive claim
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
        by_claim: list[list[frozenset[ReqKey]]] = [[] for _ in CLAIMS]
        for key, status in direct.items():
            if status in CARRIED_STATUSES:
                for rank, targets in self._reach_of(key).claims.get(status, ()):
                    by_claim[rank].append(targets)
        # whole sets at a time (the union runs in C, which a scope answered in full needs); the most
        # restrictive claim is written last, so it wins
        for rank in reversed(range(len(CLAIMS))):
            if by_claim[rank]:
                targets = frozenset().union(*by_claim[rank])
                state.inferred.update(dict.fromkeys(targets, _STATUS_OF_CLAIM[rank]))
        self._scopes[scope] = state

    def set_direct(self, scope: Scope, key: ReqKey, status: str) -> set[ReqKey]:
        """Enter a response directly; returns every requirement whose `result` changed, `key` included.

        Only the requirements that `key`'s old or new answer gives something to are recomputed.
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
        receivers = self._reach_of(key).receivers
        touched = receivers.get(old, frozenset()) | receivers.get(new, frozenset())
        for target in touched:
            self._recount(state, target)
            state.cache.pop(target, None)
        state.cache.pop(key, None)
        # the source's entry changed at every target it gave something to before or gives now
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
            if status is None:
                continue
            for reach, row in self._reached[requirement].reaches:
                if reach.target == target and status in row:
                    yield _source(requirement, status, reach, row[status])

    def _build_inferred(self, state: _ScopeState) -> None:
        """Build the results of every inferred requirement not built yet, walking out from the answers once."""
        pending = {key for key in state.inferred if key not in state.direct and key not in state.cache}
        if not pending:
            return
        found: dict[ReqKey, list[Source]] = {key: [] for key in pending}
        for requirement, status in state.direct.items():
            if status in CARRIED_STATUSES:
                for reach, row in self._reached[requirement].reaches:
                    sources = found.get(reach.target)
                    if sources is not None and status in row:
                        sources.append(_source(requirement, status, reach, row[status]))
        for key, sources in found.items():
            state.cache[key] = Effective(state.inferred[key], True, tuple(sorted(sources, key=_source_order)))

    def _recount(self, state: _ScopeState, target: ReqKey) -> None:
        """Recompute the inferred status of `target` from every answer in the scope that reaches it."""
        direct = state.direct
        best = _NOTHING
        for requirement, row in self._incoming.get(target, ()):
            status = direct.get(requirement)
            if status is not None:
                rank = row.get(status, _NOTHING)
                if rank < best:
                    best = rank
                    if best == 0:
                        break
        if best == _NOTHING:
            state.inferred.pop(target, None)
        else:
            state.inferred[target] = _STATUS_OF_CLAIM[best]

    def _reach_of(self, key: ReqKey) -> _Reached:
        """Where an answer on `key` goes; asks the crosswalk once per requirement, whatever the scope."""
        reached = self._reached.get(key)
        if reached is None:
            reaches = []
            receivers: dict[str, set[ReqKey]] = {}
            claims: dict[str, dict[int, set[ReqKey]]] = {}
            for reach in self._graph.reach(key):
                row = _carry_row(reach.relationship, len(reach.path) - 1)
                if reach.target == key or not row:
                    continue  # nothing travels over a related path (or back to the start)
                reaches.append((reach, row))
                self._incoming.setdefault(reach.target, []).append((key, row))
                for status, rank in row.items():
                    receivers.setdefault(status, set()).add(reach.target)
                    claims.setdefault(status, {}).setdefault(rank, set()).add(reach.target)
            reached = self._reached[key] = _Reached(
                tuple(reaches),
                {status: frozenset(targets) for status, targets in receivers.items()},
                {
                    status: tuple((rank, frozenset(targets)) for rank, targets in sorted(by_rank.items()))
                    for status, by_rank in claims.items()
                },
            )
        return reached


_CARRY_ROWS: dict[tuple[str, bool], _CarryRow] = {}


def _carry_row(relationship: str, hops: int) -> _CarryRow:
    """{status answered: claim rank} for one class of path (shared: there are only a handful)."""
    cache_key = (relationship, hops > 1)
    row = _CARRY_ROWS.get(cache_key)
    if row is None:
        row = _CARRY_ROWS[cache_key] = {
            status: _CLAIM_RANK[claim]
            for status in CARRIED_STATUSES
            if (claim := carried_claim(status, relationship, hops)) is not None
        }
    return row


def _shared_reach(
    graph: Crosswalk,
) -> tuple[dict[ReqKey, _Reached], dict[ReqKey, list[tuple[ReqKey, _CarryRow]]]]:
    """The reach caches of ``graph`` (kept on the graph object itself, so they die with it).

    ``reached``: requirement -> where its answer goes; ``incoming``: target -> (requirement, what each of its
    statuses gives the target) for every requirement whose reach is known.
    """
    caches = getattr(graph, "_otcsms_inference_caches", None)
    if caches is None:
        caches = ({}, {})
        # A graph with __slots__ refuses the attribute: then this engine keeps its own caches.
        with contextlib.suppress(AttributeError):
            graph._otcsms_inference_caches = caches  # type: ignore[attr-defined]
    return caches


def _source(requirement: ReqKey, status: str, reach: ReachLike, rank: int) -> Source:
    return Source(
        requirement, status, _STATUS_OF_CLAIM[rank], reach.relationship, reach.strength, tuple(reach.path)
    )


def _checked(status: str) -> str:
    if status not in STATUSES:
        raise ValueError(f"unknown response status {status!r}; expected one of {', '.join(STATUSES)}")
    return status
