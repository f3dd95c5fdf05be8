"""Multi-hop crosswalk: best paths, weakest-link semantics, no loops, never back into the start framework."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otcsms.catalogs.crosswalk import (
    RELATIONSHIP_RANK,
    REVERSED_RELATIONSHIP,
    CrosswalkGraph,
    MappingEdge,
    edges_from_mapping_sets,
)


def edge(a: str, b: str, relationship: str = "intersect", strength: int = 5) -> MappingEdge:
    """Nodes written 'F:id' so tests stay short."""
    return MappingEdge(tuple(a.split(":")), tuple(b.split(":")), relationship, strength)


def key(node: str) -> tuple[str, str]:
    return tuple(node.split(":"))  # type: ignore[return-value]


def reaches_by_target(graph: CrosswalkGraph, start: str, hops: int = 3) -> dict:
    return {r.target: r for r in graph.reach(key(start), hops)}


# ---------------------------------------------------------------------------------------------- examples


def test_a_path_is_as_strong_as_its_weakest_hop():
    graph = CrosswalkGraph([edge("A:1", "B:1", "equal", 9), edge("B:1", "C:1", "intersect", 4)])
    found = reaches_by_target(graph, "A:1")
    assert found[key("B:1")].relationship == "equal" and found[key("B:1")].strength == 9
    assert found[key("C:1")].relationship == "intersect" and found[key("C:1")].strength == 4
    assert found[key("C:1")].path == (key("A:1"), key("B:1"), key("C:1"))


def test_walking_an_edge_backwards_swaps_subset_and_superset():
    graph = CrosswalkGraph([edge("A:1", "B:1", "subset", 7)])
    assert reaches_by_target(graph, "A:1")[key("B:1")].relationship == "subset"
    assert reaches_by_target(graph, "B:1")[key("A:1")].relationship == "superset"
    assert graph.edges_between(key("B:1"), key("A:1"))[0].relationship == "superset"


def test_subset_then_superset_keeps_the_weaker_subset():
    graph = CrosswalkGraph([edge("A:1", "B:1", "subset", 8), edge("B:1", "C:1", "superset", 8)])
    assert reaches_by_target(graph, "A:1")[key("C:1")].relationship == "subset"


def test_stronger_relationship_beats_higher_strength_and_fewer_hops():
    graph = CrosswalkGraph(
        [
            edge("A:1", "C:1", "intersect", 10),
            edge("A:1", "B:1", "equal", 3),
            edge("B:1", "C:1", "equal", 3),
        ]
    )
    best = reaches_by_target(graph, "A:1")[key("C:1")]
    assert (best.relationship, best.strength, len(best.path)) == ("equal", 3, 3)


def test_equal_quality_prefers_the_shorter_path():
    graph = CrosswalkGraph([edge("A:1", "C:1", "intersect", 5), edge("A:1", "B:1"), edge("B:1", "C:1")])
    assert len(reaches_by_target(graph, "A:1")[key("C:1")].path) == 2


def test_parallel_mappings_each_count():
    # An 'equal 2' and an 'intersect 9' between the same pair: which one is best depends on the rest of the path.
    graph = CrosswalkGraph(
        [
            edge("A:1", "B:1", "equal", 2),
            edge("A:1", "B:1", "intersect", 9),
            edge("B:1", "C:1", "intersect", 6),
        ]
    )
    found = reaches_by_target(graph, "A:1")
    assert (found[key("B:1")].relationship, found[key("B:1")].strength) == ("equal", 2)
    assert (found[key("C:1")].relationship, found[key("C:1")].strength) == ("intersect", 6)
    assert graph.edges_count() == 2


def test_never_returns_or_passes_through_the_start_framework():
    graph = CrosswalkGraph([edge("A:1", "B:1"), edge("B:1", "A:2"), edge("A:2", "C:1")])
    found = reaches_by_target(graph, "A:1")
    assert set(found) == {key("B:1")}


def test_max_hops_limits_the_search():
    graph = CrosswalkGraph([edge("A:1", "B:1"), edge("B:1", "C:1"), edge("C:1", "D:1"), edge("D:1", "E:1")])
    assert set(reaches_by_target(graph, "A:1", hops=2)) == {key("B:1"), key("C:1")}
    assert len(reaches_by_target(graph, "A:1", hops=3)) == 3
    assert graph.reach(key("A:1"), 0) == []
    assert graph.reach(key("Z:9")) == []


def test_bad_edges_are_refused():
    with pytest.raises(ValueError, match="relationship"):
        CrosswalkGraph([edge("A:1", "B:1", "similar", 5)])
    with pytest.raises(ValueError, match="strength"):
        CrosswalkGraph([edge("A:1", "B:1", "equal", 11)])


def test_closure_answers_reach_for_every_node():
    graph = CrosswalkGraph([edge("A:1", "B:1"), edge("B:1", "C:1", "equal", 9)])
    closure = graph.closure()
    assert set(closure) == {key("A:1"), key("B:1"), key("C:1")}
    assert closure[key("C:1")] == graph.reach(key("C:1"))


def test_shipped_crosswalk_from_sr_1_3(shipped):
    graph = CrosswalkGraph(edges_from_mapping_sets(shipped.mapping_sets))
    found = {r.target: r for r in graph.reach(("iec62443-3-3", "SR 1.3"))}
    assert found[("iec62443-4-2", "CR 1.3")].relationship == "superset"
    assert ("nist-sp800-53r5", "AC-2") in found
    assert ("nerc-cip", "CIP-004-7 R4") in found
    overlay = found[("nist-sp800-82r3-overlay", "AC-2")]
    assert overlay.path == (
        ("iec62443-3-3", "SR 1.3"),
        ("nist-sp800-53r5", "AC-2"),
        ("nist-sp800-82r3-overlay", "AC-2"),
    )
    assert not any(target[0] == "iec62443-3-3" for target in found)


# ---------------------------------------------------------------------------------------------- properties


FRAMEWORKS = ["F0", "F1", "F2", "F3"]
NODES = [(fw, str(n)) for fw in FRAMEWORKS for n in range(3)]


@st.composite
def random_edges(draw) -> list[MappingEdge]:
    count = draw(st.integers(0, 18))
    edges = []
    for _ in range(count):
        source = draw(st.sampled_from(NODES))
        target = draw(st.sampled_from([n for n in NODES if n != source]))
        edges.append(
            MappingEdge(
                source, target, draw(st.sampled_from(list(RELATIONSHIP_RANK))), draw(st.integers(0, 10))
            )
        )
    return edges


def brute_force(edges: list[MappingEdge], start, max_hops: int) -> dict:
    """Best (rank, strength, -hops) per target by enumerating every simple path."""
    hops: dict = {}
    for e in edges:
        hops.setdefault(e.source, []).append((e.target, RELATIONSHIP_RANK[e.relationship], e.strength))
        reverse = RELATIONSHIP_RANK[REVERSED_RELATIONSHIP[e.relationship]]
        hops.setdefault(e.target, []).append((e.source, reverse, e.strength))
    best: dict = {}

    def walk(node, visited, rank, strength):
        if len(visited) - 1 == max_hops:
            return
        for neighbour, hop_rank, hop_strength in hops.get(node, []):
            if neighbour in visited or neighbour[0] == start[0]:
                continue
            quality = (min(rank, hop_rank), min(strength, hop_strength), -len(visited))
            best[neighbour] = max(best.get(neighbour, quality), quality)
            walk(neighbour, [*visited, neighbour], quality[0], quality[1])

    walk(start, [start], 99, 99)
    return best


def hop_allows(edges: list[MappingEdge], a, b, rank: int, strength: int) -> bool:
    for e in edges:
        for forward in (e, e.reversed()):
            same_hop = (forward.source, forward.target) == (a, b)
            if same_hop and RELATIONSHIP_RANK[forward.relationship] >= rank and forward.strength >= strength:
                return True
    return False


@settings(max_examples=300, deadline=None)
@given(random_edges(), st.sampled_from(NODES), st.integers(1, 4))
def test_reach_matches_brute_force_over_random_graphs(edges, start, max_hops):
    graph = CrosswalkGraph(edges)
    expected = brute_force(edges, start, max_hops)
    found = graph.reach(start, max_hops)
    assert {r.target for r in found} == set(expected)
    assert len(found) == len({r.target for r in found})
    for r in found:
        rank = RELATIONSHIP_RANK[r.relationship]
        assert (rank, r.strength, -(len(r.path) - 1)) == expected[r.target]
        path = r.path
        assert path[0] == start and path[-1] == r.target
        assert len(set(path)) == len(path), "a path never revisits a node"
        assert 1 <= len(path) - 1 <= max_hops
        assert all(node[0] != start[0] for node in path[1:]), "never enters the start framework"
        # every hop carries a mapping at least as strong as the path claims: the weakest hop decides
        assert all(hop_allows(edges, a, b, rank, r.strength) for a, b in zip(path, path[1:], strict=False))


@settings(max_examples=100, deadline=None)
@given(random_edges())
def test_closure_is_reach_of_every_node_and_is_deterministic(edges):
    graph = CrosswalkGraph(edges)
    again = CrosswalkGraph(edges)
    closure = graph.closure()
    assert closure == again.closure()
    for node, found in closure.items():
        assert found == graph.reach(node)
