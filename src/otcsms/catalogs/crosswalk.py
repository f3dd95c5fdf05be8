"""Multi-hop crosswalk queries: which requirements of other frameworks does an answer to one requirement reach.

Pure Python over mapping edges (no Django, no database), so the same answer serves the web UI, the API, the
CLI (`otcsms frameworks crosswalk`) and assessments that carry responses across frameworks.

Path semantics
- Edges can be walked both ways; walking `A subset B` backwards reads `B superset A` (and vice versa).
- A path is as strong as its weakest hop: its relationship is the weakest relationship on it (RELATIONSHIP_RANK)
  and its strength the lowest strength on it.
- For each target the best path wins: strongest weakest-relationship, then highest minimum strength, then
  fewest hops. A path never visits a node twice and never enters the start node's own framework: reaching
  another requirement of the same framework through a crosswalk is not a mapping of that framework.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from otcsms.catalogs.libformat import MappingSetDoc

ReqKey = tuple[str, str]  # (framework_id, requirement_id)

RELATIONSHIP_RANK = {"equal": 3, "superset": 2, "subset": 1, "intersect": 0}  # higher = stronger
REVERSED_RELATIONSHIP = {
    "equal": "equal",
    "superset": "subset",
    "subset": "superset",
    "intersect": "intersect",
}
_RELATIONSHIP_OF_RANK = {rank: name for name, rank in RELATIONSHIP_RANK.items()}
_MAX_STRENGTH = 10
_START_VALUE = _MAX_STRENGTH + 1  # the start node is reached "perfectly": any edge strength is lower


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
    relationship: str
    strength: int
    path: tuple[ReqKey, ...]  # starts at the start node and ends at target


class CrosswalkGraph:
    """Mapping edges indexed for fast reach queries: nodes are small integers and, for every relationship
    rank r, each node has the list of neighbours reachable by a hop at least as strong as r, with the best
    strength such a hop offers."""

    def __init__(self, edges: Iterable[MappingEdge]) -> None:
        self._keys: list[ReqKey] = []
        self._index: dict[ReqKey, int] = {}
        self._framework_of: list[int] = []
        self._framework_number: dict[str, int] = {}
        self._hops: dict[tuple[int, int], list[MappingEdge]] = {}
        for edge in edges:
            _check_edge(edge)
            self._add_hop(edge)
            self._add_hop(edge.reversed())
        self._ranks = sorted(
            {RELATIONSHIP_RANK[e.relationship] for hops in self._hops.values() for e in hops}, reverse=True
        )
        self._adjacent = {rank: self._adjacency_at_least(rank) for rank in self._ranks}

    # -------------------------------------------------------------------------------------------- queries

    def reach(self, start: ReqKey, max_hops: int = 3) -> list[Reach]:
        """Every requirement of another framework reachable from `start` within `max_hops`, one Reach per
        target (its best path), strongest first."""
        origin = self._index.get(start)
        if origin is None or max_hops < 1:
            return []
        found: dict[int, Reach] = {}
        for rank in self._ranks:
            self._collect_widest_paths(origin, rank, max_hops, found)
        return sorted(found.values(), key=_reach_order)

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
        pair = (self._index.get(source), self._index.get(target))
        return sorted(self._hops.get(pair, []), key=_edge_order)  # type: ignore[arg-type]

    # -------------------------------------------------------------------------------------------- building

    def _node(self, key: ReqKey) -> int:
        number = self._index.get(key)
        if number is None:
            number = len(self._keys)
            self._index[key] = number
            self._keys.append(key)
            framework = self._framework_number.setdefault(key[0], len(self._framework_number))
            self._framework_of.append(framework)
        return number

    def _add_hop(self, edge: MappingEdge) -> None:
        pair = (self._node(edge.source), self._node(edge.target))
        self._hops.setdefault(pair, []).append(edge)

    def _adjacency_at_least(self, rank: int) -> list[tuple[tuple[int, int], ...]]:
        """Per node: (neighbour, best strength among its hops of rank >= `rank`), neighbours in key order so
        that ties between equally good paths always resolve the same way."""
        best: list[dict[int, int]] = [{} for _ in self._keys]
        for (u, v), hops in self._hops.items():
            strengths = [e.strength for e in hops if RELATIONSHIP_RANK[e.relationship] >= rank]
            if strengths:
                best[u][v] = max(strengths)
        keys = self._keys
        return [tuple(sorted(neighbours.items(), key=lambda item: keys[item[0]])) for neighbours in best]

    # -------------------------------------------------------------------------------------------- search

    def _collect_widest_paths(self, origin: int, rank: int, max_hops: int, found: dict[int, Reach]) -> None:
        """Hop-limited widest-path search over hops of rank >= `rank`: Bellman-Ford in synchronous rounds, so
        after round k each node holds the best strength over paths of at most k hops, and the path that first
        reached it (the shortest one with that strength; a shortest path never repeats a node). Targets not
        found at a stronger rank get this rank: an earlier pass would have found a stronger path."""
        adjacent = self._adjacent[rank]
        framework_of = self._framework_of
        keys = self._keys
        home = framework_of[origin]
        value = {origin: _START_VALUE}
        paths: dict[int, tuple[ReqKey, ...]] = {origin: (keys[origin],)}
        frontier = [origin]
        for _ in range(max_hops):
            improved: dict[int, tuple[int, int]] = {}
            for u in frontier:
                reached = value[u]
                for v, strength in adjacent[u]:
                    if framework_of[v] == home:
                        continue
                    candidate = reached if reached < strength else strength
                    if candidate > value.get(v, -1) and candidate > improved.get(v, (-1, 0))[0]:
                        improved[v] = (candidate, u)
            # Extend the paths as they stood before this round, before any of them is replaced.
            extended = {v: paths[u] + (keys[v],) for v, (_, u) in improved.items()}
            for v, (candidate, _) in improved.items():
                value[v] = candidate
            paths.update(extended)
            frontier = list(improved)
            if not frontier:
                break
        relationship = _RELATIONSHIP_OF_RANK[rank]
        for node, path in paths.items():
            if node != origin and node not in found:
                found[node] = Reach(keys[node], relationship, value[node], path)


def _check_edge(edge: MappingEdge) -> None:
    if edge.relationship not in RELATIONSHIP_RANK:
        raise ValueError(
            f"unknown relationship {edge.relationship!r} in mapping {edge.source} -> {edge.target}"
        )
    if not 0 <= edge.strength <= _MAX_STRENGTH:
        raise ValueError(
            f"strength {edge.strength} out of 0..{_MAX_STRENGTH} in mapping {edge.source} -> {edge.target}"
        )


def _reach_order(reach: Reach) -> tuple[int, int, int, ReqKey]:
    return (-RELATIONSHIP_RANK[reach.relationship], -reach.strength, len(reach.path), reach.target)


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
