"""Multi-hop crosswalk queries: which requirements of other frameworks does an answer to one requirement reach.

Pure Python over mapping edges (no Django, no database), so the same answer serves the web UI, the API, the
CLI (`otcsms frameworks crosswalk`) and assessments that carry responses across frameworks.

Path semantics
- Edges can be walked both ways; walking `A subset B` backwards reads `B superset A` (and vice versa).
- A direct mapping always wins: a target the start is mapped to is reported as that one hop (the best of its
  mappings: strongest relationship, then highest strength), whatever a longer path would claim.
- A longer path's relationship is the composition of its hops (`compose`): equal is neutral
  (equal∘X = X∘equal = X), subset∘subset = subset, superset∘superset = superset, and a mix of subset and
  superset is only `related`. `intersect` is never composed: a one-hop intersect stays `intersect`, any
  path of two or more hops with an intersect hop on it is `related`. `related` is a reach, not a mapping:
  nothing is inferred over it.
- Strength decays with every hop: a path's strength is the product of its hops' strengths on the 0-10 scale,
  floor(s1 × s2 × ... × sk / 10^(k-1)). A hop of strength 10 (the same control) loses nothing; two hops of 9
  give 8; two of 6 give 3.
- For a target with no direct mapping the best path wins: strongest relationship class, then highest
  strength, then fewest hops. A path never visits a node twice and never enters the start node's own
  framework: reaching another requirement of the same framework through a crosswalk is not a mapping of it.
- Results are ranked by (relationship class, strength, hops, target); `reach_sets` splits them into the
  *mapped* set (equal, superset, subset, one-hop intersect) and the *related* set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from otcsms.catalogs.libformat import MappingSetDoc

ReqKey = tuple[str, str]  # (framework_id, requirement_id)

RELATED = "related"
MAPPING_RELATIONSHIPS = ("equal", "superset", "subset", "intersect")  # what a mapping row may say
# Relationship classes of a reach, strongest first; `related` only ever describes a path of several hops.
RELATIONSHIP_RANK = {"equal": 4, "superset": 3, "subset": 2, "intersect": 1, RELATED: 0}
REVERSED_RELATIONSHIP = {
    "equal": "equal",
    "superset": "subset",
    "subset": "superset",
    "intersect": "intersect",
    RELATED: RELATED,
}
MAX_STRENGTH = 10
# The searches for paths of two or more hops, strongest class first: each follows only the hops that can give
# its class, so a target first found by a search has that class (a stronger path would have been found before).
_PATH_SEARCHES = (
    ("equal", frozenset({"equal"})),
    ("superset", frozenset({"equal", "superset"})),
    ("subset", frozenset({"equal", "subset"})),
    (RELATED, frozenset(MAPPING_RELATIONSHIPS)),
)


def compose(first: str, second: str) -> str:
    """The relationship of a path made of a path of class `first` followed by one of class `second`.

    Associative (a semigroup over the five classes); `equal` is neutral for every class but `intersect`, which
    is never extended: whatever it is joined to, the result is `related`.
    """
    if first == "intersect" or second == "intersect":
        return RELATED
    if first == "equal":
        return second
    if second == "equal" or first == second:
        return first
    return RELATED


def path_relationship(relationships: Sequence[str]) -> str:
    """The class of a path whose hops have these relationships (read from its start)."""
    if not relationships:
        raise ValueError("a path has at least one hop")
    result = relationships[0]
    for relationship in relationships[1:]:
        result = compose(result, relationship)
    return result


def path_strength(strengths: Sequence[int]) -> int:
    """The decayed strength of a path: floor(s1 × ... × sk / 10^(k-1)), on the hops' 0-10 scale."""
    if not strengths:
        raise ValueError("a path has at least one hop")
    product = 1
    for strength in strengths:
        product *= strength
    divisor: int = MAX_STRENGTH ** (len(strengths) - 1)
    return product // divisor


@dataclass(frozen=True, slots=True)
class MappingEdge:
    source: ReqKey
    target: ReqKey
    relationship: str
    strength: int
    rationale: str = ""
    source_ref: str = ""

    def reversed(self) -> MappingEdge:
        return MappingEdge(
            source=self.target,
            target=self.source,
            relationship=REVERSED_RELATIONSHIP[self.relationship],
            strength=self.strength,
            rationale=self.rationale,
            source_ref=self.source_ref,
        )


@dataclass(frozen=True, slots=True)
class Reach:
    target: ReqKey
    relationship: str  # the path's class: equal, superset, subset, intersect (one hop only) or related
    strength: int  # decayed along the path (path_strength)
    edges: tuple[MappingEdge, ...]  # the mapping followed on each hop, read along the path

    @property
    def path(self) -> tuple[ReqKey, ...]:
        """The requirements passed, from the start to the target (derived: a closure holds tens of thousands
        of reaches, and one object less each keeps the garbage collector's passes short)."""
        return (self.edges[0].source, *(edge.target for edge in self.edges))

    @property
    def hops(self) -> int:
        return len(self.edges)

    @property
    def related(self) -> bool:
        return self.relationship == RELATED


@dataclass(frozen=True, slots=True)
class ReachSets:
    """One start's reach, split: what it is mapped to (strong enough to carry a status), and what it is only
    related to. Both ranked strongest first."""

    mapped: tuple[Reach, ...]
    related: tuple[Reach, ...]


_Hop = tuple[int, int, MappingEdge]  # (neighbour, strength, the mapping followed)
_Hops = tuple[tuple[int, tuple[_Hop, ...]], ...]  # per framework number: the hops into it
_Preference = Callable[[MappingEdge], tuple[int, int, str, str]]  # which of parallel mappings a hop follows


class CrosswalkGraph:
    """Mapping edges indexed for fast reach queries: nodes are small integers numbered in key order, and for
    each path search every node has the best hop to each neighbour that the search may follow."""

    def __init__(self, edges: Iterable[MappingEdge]) -> None:
        edges = list(edges)
        for edge in edges:
            _check_edge(edge)
        self._keys: list[ReqKey] = sorted({e.source for e in edges} | {e.target for e in edges})
        self._index: dict[ReqKey, int] = {key: number for number, key in enumerate(self._keys)}
        frameworks: dict[str, int] = {}
        self._framework_of = [frameworks.setdefault(key[0], len(frameworks)) for key in self._keys]
        self._hops: dict[tuple[int, int], list[MappingEdge]] = {}
        for edge in edges:
            for oriented in (edge, edge.reversed()):
                pair = (self._index[oriented.source], self._index[oriented.target])
                self._hops.setdefault(pair, []).append(oriented)
        present = {e.relationship for hops in self._hops.values() for e in hops}
        self._direct = [
            tuple(hop for _, hops in row for hop in hops)
            for row in self._best_hops(frozenset(MAPPING_RELATIONSHIPS), _direct_preference)
        ]
        # A search that can find nothing the previous ones did not (no hop of its own kind) is skipped.
        self._searches: list[tuple[str, list[_Hops]]] = []
        for relationship, allowed in _PATH_SEARCHES:
            if relationship in present or (relationship == RELATED and present):
                self._searches.append((relationship, self._best_hops(allowed, _path_preference)))

    # -------------------------------------------------------------------------------------------- queries

    def reach(self, start: ReqKey, max_hops: int = 3) -> list[Reach]:
        """Every requirement of another framework reachable from `start` within `max_hops`, one Reach per
        target (its direct mapping, else its best path), ranked by class, strength, hops and target."""
        origin = self._index.get(start)
        if origin is None or max_hops < 1:
            return []
        home = self._framework_of[origin]
        keys = self._keys
        found: dict[int, Reach] = {}
        for v, strength, edge in self._direct[origin]:
            if self._framework_of[v] != home:
                found[v] = Reach(keys[v], edge.relationship, strength, (edge,))
        if max_hops > 1:
            for relationship, adjacent in self._searches:
                self._collect_paths(origin, relationship, adjacent, max_hops, found)
        return sorted(found.values(), key=_reach_order)

    def reach_sets(self, start: ReqKey, max_hops: int = 3) -> ReachSets:
        return split_reaches(self.reach(start, max_hops))

    def closure(self, max_hops: int = 3) -> dict[ReqKey, list[Reach]]:
        """reach() for every node that has at least one mapping."""
        return {key: self.reach(key, max_hops) for key in self._keys}

    def edges_count(self) -> int:
        """Distinct pairs of requirements linked by at least one mapping, whatever its direction."""
        return sum(1 for u, v in self._hops if u <= v)

    def nodes_count(self) -> int:
        return len(self._keys)

    def edges_between(self, source: ReqKey, target: ReqKey) -> list[MappingEdge]:
        """The mappings for one hop, read from `source` to `target`, strongest first (rationale for the UI)."""
        u, v = self._index.get(source), self._index.get(target)
        if u is None or v is None:
            return []
        return sorted(self._hops.get((u, v), []), key=_edge_order)

    # -------------------------------------------------------------------------------------------- building

    def _best_hops(self, allowed: frozenset[str], preference: _Preference) -> list[_Hops]:
        """Per node: (neighbour, strength, mapping) of its best allowed mapping to each neighbour, grouped by
        the neighbour's framework (a search skips the start's framework as a whole), neighbours in node (= key)
        order, so that ties between equally good paths always resolve the same way."""
        best: list[dict[int, MappingEdge]] = [{} for _ in self._keys]
        for (u, v), hops in self._hops.items():
            usable = [e for e in hops if e.relationship in allowed]
            if usable:
                best[u][v] = max(usable, key=preference)
        rows: list[_Hops] = []
        for row in best:
            grouped: dict[int, list[_Hop]] = {}
            for v, e in sorted(row.items()):
                grouped.setdefault(self._framework_of[v], []).append((v, e.strength, e))
            rows.append(tuple((framework, tuple(hops)) for framework, hops in grouped.items()))
        return rows

    # -------------------------------------------------------------------------------------------- search

    def _collect_paths(
        self,
        origin: int,
        relationship: str,
        adjacent: list[_Hops],
        max_hops: int,
        found: dict[int, Reach],
    ) -> None:
        """Hop-limited best-product search (Bellman-Ford in synchronous rounds) over one search's hops.

        Values are exact integers: a path of k hops holds s1 × ... × sk × 10^(max_hops - k), so paths of
        different lengths compare exactly and its reported strength is value // 10^(max_hops - 1). After round
        k each node holds the best value over paths of at most k hops; a strength is kept with the shortest
        path that first gave it. A value only grows by a strict improvement and a hop never multiplies by more
        than 1, so no kept path repeats a node. Targets not found by a stronger search (or directly) get this
        search's class.
        """
        home = self._framework_of[origin]
        scale = MAX_STRENGTH ** (max_hops - 1)
        value = [-1] * len(self._keys)
        value[origin] = MAX_STRENGTH**max_hops
        # rounds[k] = ({v: u}, {v: mapping}): v improved in round k by a hop from u (whose walk is as of round
        # k - 1); walks are rebuilt only for the targets reported, at the end. Plain dicts of existing objects:
        # no allocation per improvement.
        rounds: list[tuple[dict[int, int], dict[int, MappingEdge]]] = [({}, {})]
        kept_strength: dict[int, int] = {}  # node -> best reported strength so far
        kept_round: dict[int, int] = {}  # node -> the first round that gave it
        frontier = [origin]
        for round_ in range(1, max_hops + 1):
            gain: dict[int, int] = {}
            gain_of = gain.get
            came_from: dict[int, int] = {}
            by: dict[int, MappingEdge] = {}
            for u in frontier:
                reached = value[u]
                for framework, hops in adjacent[u]:
                    if framework == home:
                        continue
                    for v, strength, edge in hops:
                        candidate = reached * strength // MAX_STRENGTH
                        if candidate > value[v] and candidate > gain_of(v, -1):
                            gain[v] = candidate
                            came_from[v] = u
                            by[v] = edge
            rounds.append((came_from, by))
            for v, candidate in gain.items():
                value[v] = candidate
                strength = candidate // scale
                if strength > kept_strength.get(v, -1):
                    kept_strength[v] = strength
                    kept_round[v] = round_
            if not gain or round_ == max_hops:
                break
            frontier = sorted(gain)
        keys = self._keys
        for v, strength in kept_strength.items():
            if v not in found:
                found[v] = Reach(
                    keys[v], relationship, strength, _walk_back(rounds, origin, v, kept_round[v])
                )


def _walk_back(
    rounds: list[tuple[dict[int, int], dict[int, MappingEdge]]], origin: int, node: int, round_: int
) -> tuple[MappingEdge, ...]:
    """The mappings of the walk that reached `node` in `round_`: each step back is the hop that last improved
    the previous node in an earlier round."""
    walk: list[MappingEdge] = []
    while node != origin:
        came_from, by = rounds[round_]
        walk.append(by[node])
        node = came_from[node]
        round_ -= 1
        while node != origin and node not in rounds[round_][0]:
            round_ -= 1
    walk.reverse()
    return tuple(walk)


def split_reaches(reaches: Iterable[Reach]) -> ReachSets:
    """Mapped (equal, superset, subset, one-hop intersect) and related, each in the order given."""
    mapped: list[Reach] = []
    related: list[Reach] = []
    for reach in reaches:
        (related if reach.relationship == RELATED else mapped).append(reach)
    return ReachSets(tuple(mapped), tuple(related))


def _check_edge(edge: MappingEdge) -> None:
    if edge.relationship not in MAPPING_RELATIONSHIPS:
        raise ValueError(
            f"unknown relationship {edge.relationship!r} in mapping {edge.source} -> {edge.target}"
        )
    if not 0 <= edge.strength <= MAX_STRENGTH:
        raise ValueError(
            f"strength {edge.strength} out of 0..{MAX_STRENGTH} in mapping {edge.source} -> {edge.target}"
        )


def _direct_preference(edge: MappingEdge) -> tuple[int, int, str, str]:
    """The mapping that speaks for a direct link: strongest relationship, then strength (then a fixed order)."""
    return (RELATIONSHIP_RANK[edge.relationship], edge.strength, edge.rationale, edge.source_ref)


def _path_preference(edge: MappingEdge) -> tuple[int, int, str, str]:
    """The hop a path search follows: highest strength (its class is the search's), then relationship."""
    return (edge.strength, RELATIONSHIP_RANK[edge.relationship], edge.rationale, edge.source_ref)


def _reach_order(reach: Reach) -> tuple[int, int, int, ReqKey]:
    return (-RELATIONSHIP_RANK[reach.relationship], -reach.strength, len(reach.edges), reach.target)


def _edge_order(edge: MappingEdge) -> tuple[int, int]:
    return (-RELATIONSHIP_RANK[edge.relationship], -edge.strength)


def edges_from_mapping_sets(mapping_sets: Iterable[MappingSetDoc]) -> list[MappingEdge]:
    """MappingEdges from loaded library mapping sets."""
    edges = []
    for mapping_set in mapping_sets:
        source_fw, target_fw = mapping_set.source_framework, mapping_set.target_framework
        for m in mapping_set.mappings:
            edges.append(
                MappingEdge(
                    (source_fw, m.source),
                    (target_fw, m.target),
                    m.relationship,
                    m.strength,
                    m.rationale,
                    m.source_ref,
                )
            )
    return edges
