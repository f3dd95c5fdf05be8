"""Multi-hop crosswalk: a direct mapping wins, relationships compose, strength decays per hop, related apart."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otcsms.catalogs.crosswalk import (
    MAPPING_RELATIONSHIPS,
    RELATED,
    RELATIONSHIP_RANK,
    CrosswalkGraph,
    MappingEdge,
    ReachSets,
    compose,
    edges_from_mapping_sets,
    path_relationship,
    path_strength,
)

CLASSES = list(RELATIONSHIP_RANK)


def edge(a: str, b: str, relationship: str = "intersect", strength: int = 5) -> MappingEdge:
    """Nodes written 'F:id' so tests stay short."""
    return MappingEdge(tuple(a.split(":")), tuple(b.split(":")), relationship, strength)


def key(node: str) -> tuple[str, str]:
    return tuple(node.split(":"))  # type: ignore[return-value]


def reaches_by_target(graph: CrosswalkGraph, start: str, hops: int = 3) -> dict:
    return {r.target: r for r in graph.reach(key(start), hops)}


def shown(graph: CrosswalkGraph, start: str, target: str, hops: int = 3) -> tuple[str, int, int]:
    found = reaches_by_target(graph, start, hops)[key(target)]
    return found.relationship, found.strength, found.hops


# ---------------------------------------------------------------------------------------------- algebra


@pytest.mark.parametrize(
    ("first", "second", "composed"),
    [
        ("equal", "equal", "equal"),
        ("equal", "superset", "superset"),
        ("superset", "equal", "superset"),
        ("equal", "subset", "subset"),
        ("subset", "equal", "subset"),
        ("subset", "subset", "subset"),
        ("superset", "superset", "superset"),
        ("subset", "superset", RELATED),
        ("superset", "subset", RELATED),
        # intersect is never extended, not even by equal
        ("intersect", "equal", RELATED),
        ("equal", "intersect", RELATED),
        ("intersect", "intersect", RELATED),
        ("subset", "intersect", RELATED),
        ("related", "equal", RELATED),
        ("equal", "related", RELATED),
    ],
)
def test_composition_table(first, second, composed):
    assert compose(first, second) == composed


def test_composition_is_associative_over_every_triple():
    for a, b, c in itertools.product(CLASSES, repeat=3):
        assert compose(compose(a, b), c) == compose(a, compose(b, c)), (a, b, c)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CLASSES), min_size=2, max_size=6), st.data())
def test_folding_a_path_does_not_depend_on_where_it_is_cut(relationships, data):
    cut = data.draw(st.integers(1, len(relationships) - 1))
    left, right = relationships[:cut], relationships[cut:]
    assert compose(path_relationship(left), path_relationship(right)) == path_relationship(relationships)


@pytest.mark.parametrize(
    ("strengths", "decayed"),
    [([7], 7), ([9, 9], 8), ([6, 6], 3), ([10, 5], 5), ([5, 10, 10], 5), ([4, 4, 4], 0), ([10, 10, 10], 10)],
)
def test_strength_is_the_product_of_the_hops_on_the_0_10_scale(strengths, decayed):
    assert path_strength(strengths) == decayed


# ---------------------------------------------------------------------------------------------- examples


def test_a_direct_mapping_wins_over_any_longer_path():
    # The shape of CIP-004 R4.3 / SR 1.3 in the shipped library: a direct intersect 5, and a three-hop path
    # whose every hop is stronger. The direct one is the answer.
    graph = CrosswalkGraph(
        [
            edge("C:r43", "S:13", "intersect", 5),
            edge("C:r43", "N:ac2", "equal", 10),
            edge("N:ac2", "O:ac2", "equal", 10),
            edge("O:ac2", "S:13", "equal", 10),
        ]
    )
    found = reaches_by_target(graph, "C:r43")[key("S:13")]
    assert (found.relationship, found.strength, found.path) == ("intersect", 5, (key("C:r43"), key("S:13")))
    assert found.edges == (edge("C:r43", "S:13", "intersect", 5),)


def test_strength_decays_per_hop_and_equal_paths_stay_equal():
    graph = CrosswalkGraph([edge("A:1", "B:1", "equal", 9), edge("B:1", "C:1", "equal", 9)])
    assert shown(graph, "A:1", "B:1") == ("equal", 9, 1)
    assert shown(graph, "A:1", "C:1") == ("equal", 8, 2)


def test_an_intersect_hop_makes_a_longer_path_only_related():
    graph = CrosswalkGraph([edge("A:1", "B:1", "intersect", 7), edge("B:1", "C:1", "equal", 10)])
    assert shown(graph, "A:1", "B:1") == ("intersect", 7, 1)
    assert shown(graph, "A:1", "C:1") == (RELATED, 7, 2)


def test_walking_an_edge_backwards_swaps_subset_and_superset():
    graph = CrosswalkGraph([edge("A:1", "B:1", "subset", 7)])
    assert reaches_by_target(graph, "A:1")[key("B:1")].relationship == "subset"
    assert reaches_by_target(graph, "B:1")[key("A:1")].relationship == "superset"
    assert graph.edges_between(key("B:1"), key("A:1"))[0].relationship == "superset"


def test_subset_chains_compose_and_mixed_chains_are_related():
    graph = CrosswalkGraph(
        [
            edge("A:1", "B:1", "subset", 8),
            edge("B:1", "C:1", "subset", 8),
            edge("B:1", "D:1", "superset", 8),
            edge("A:1", "E:1", "superset", 8),
            edge("E:1", "F:1", "equal", 10),
        ]
    )
    assert shown(graph, "A:1", "C:1") == ("subset", 6, 2)
    assert shown(graph, "A:1", "D:1") == (RELATED, 6, 2)
    assert shown(graph, "A:1", "F:1") == ("superset", 8, 2)


def test_a_stronger_class_beats_a_higher_strength_and_strength_beats_hops():
    graph = CrosswalkGraph(
        [
            edge("A:1", "B:1", "intersect", 10),
            edge("B:1", "D:1", "intersect", 10),
            edge("A:1", "C:1", "equal", 4),
            edge("C:1", "D:1", "equal", 9),
            edge("A:1", "E:1", "intersect", 9),
            edge("E:1", "G:1", "intersect", 9),
            edge("A:1", "F:1", "intersect", 10),
            edge("F:1", "H:1", "intersect", 10),
            edge("H:1", "G:1", "intersect", 10),
        ]
    )
    assert shown(graph, "A:1", "D:1") == ("equal", 3, 2)  # equal 4 x 9 beats related 10 x 10
    assert shown(graph, "A:1", "G:1") == (RELATED, 10, 3)  # 10 x 10 x 10 beats 9 x 9 in fewer hops


def test_equal_strength_prefers_the_shorter_path():
    graph = CrosswalkGraph(
        [
            edge("A:1", "B:1", "equal", 10),
            edge("B:1", "C:1", "equal", 5),
            edge("A:1", "D:1", "equal", 10),
            edge("D:1", "E:1", "equal", 10),
            edge("E:1", "C:1", "equal", 5),
        ]
    )
    found = reaches_by_target(graph, "A:1")[key("C:1")]
    assert (found.relationship, found.strength, found.hops) == ("equal", 5, 2)


def test_parallel_mappings_direct_takes_the_strongest_relationship_a_path_the_best_usable_hop():
    graph = CrosswalkGraph(
        [
            edge("A:1", "B:1", "equal", 2),
            edge("A:1", "B:1", "intersect", 9),
            edge("B:1", "C:1", "equal", 10),
        ]
    )
    found = reaches_by_target(graph, "A:1")
    assert (found[key("B:1")].relationship, found[key("B:1")].strength) == ("equal", 2)
    # A -> C over the equal 2 mapping (equal, 2) beats the intersect 9 one (related, 9)
    assert (found[key("C:1")].relationship, found[key("C:1")].strength) == ("equal", 2)
    assert [e.relationship for e in found[key("C:1")].edges] == ["equal", "equal"]
    assert graph.edges_count() == 2


def test_never_returns_or_passes_through_the_start_framework():
    graph = CrosswalkGraph([edge("A:1", "B:1"), edge("B:1", "A:2"), edge("A:2", "C:1")])
    assert set(reaches_by_target(graph, "A:1")) == {key("B:1")}


def test_max_hops_limits_the_search():
    graph = CrosswalkGraph([edge("A:1", "B:1"), edge("B:1", "C:1"), edge("C:1", "D:1"), edge("D:1", "E:1")])
    assert set(reaches_by_target(graph, "A:1", hops=2)) == {key("B:1"), key("C:1")}
    assert len(reaches_by_target(graph, "A:1", hops=3)) == 3
    assert graph.reach(key("A:1"), 0) == []
    assert graph.reach(key("Z:9")) == []


def test_bad_edges_are_refused():
    with pytest.raises(ValueError, match="relationship"):
        CrosswalkGraph([edge("A:1", "B:1", "similar", 5)])
    with pytest.raises(ValueError, match="relationship"):
        CrosswalkGraph([edge("A:1", "B:1", RELATED, 5)])  # a class of paths, never a mapping
    with pytest.raises(ValueError, match="strength"):
        CrosswalkGraph([edge("A:1", "B:1", "equal", 11)])


def test_reach_sets_split_mapped_from_related_in_rank_order():
    graph = CrosswalkGraph(
        [edge("A:1", "B:1", "intersect", 6), edge("A:1", "C:1", "equal", 3), edge("B:1", "D:1", "equal", 10)]
    )
    sets = graph.reach_sets(key("A:1"))
    assert isinstance(sets, ReachSets)
    assert [(r.target, r.relationship) for r in sets.mapped] == [
        (key("C:1"), "equal"),
        (key("B:1"), "intersect"),
    ]
    assert [(r.target, r.relationship, r.strength) for r in sets.related] == [(key("D:1"), RELATED, 6)]


def test_closure_answers_reach_for_every_node():
    graph = CrosswalkGraph([edge("A:1", "B:1"), edge("B:1", "C:1", "equal", 9)])
    closure = graph.closure()
    assert set(closure) == {key("A:1"), key("B:1"), key("C:1")}
    assert closure[key("C:1")] == graph.reach(key("C:1"))


# ------------------------------------------------------------------------------------ the shipped library


@pytest.fixture(scope="module")
def shipped_graph(shipped) -> CrosswalkGraph:
    return CrosswalkGraph(edges_from_mapping_sets(shipped.mapping_sets))


def test_cip_004_r4_3_reaches_sr_1_3_by_its_direct_mapping(shipped_graph):
    """Regression: the direct intersect 5 was hidden behind a three-hop path reported with strength 6."""
    found = {r.target: r for r in shipped_graph.reach(("nerc-cip", "CIP-004-7 R4.3"))}
    sr13 = found[("iec62443-3-3", "SR 1.3")]
    assert (sr13.relationship, sr13.strength, sr13.hops) == ("intersect", 5, 1)
    assert sr13.edges[0].rationale.startswith("Periodic verification that accounts")
    back = {r.target: r for r in shipped_graph.reach(("iec62443-3-3", "SR 1.3"))}
    assert (back[("nerc-cip", "CIP-004-7 R4.3")].strength, back[("nerc-cip", "CIP-004-7 R4.3")].hops) == (
        5,
        1,
    )


def test_shipped_crosswalk_from_sr_1_3(shipped_graph):
    sets = shipped_graph.reach_sets(("iec62443-3-3", "SR 1.3"))
    mapped = {r.target: r for r in sets.mapped}
    related = {r.target: r for r in sets.related}
    assert mapped[("iec62443-4-2", "CR 1.3")].relationship == "superset"
    assert sets.mapped[0].target == ("nist-sp800-53r5", "AC-2")  # the expert mapping's SR 1.3 = AC-2
    assert (mapped[("nist-sp800-53r5", "AC-2")].relationship, mapped[("nist-sp800-53r5", "AC-2")].hops) == (
        "equal",
        1,
    )
    assert ("nerc-cip", "CIP-004-7 R4") in mapped
    overlay = mapped[("nist-sp800-82r3-overlay", "AC-2")]  # equal then equal: still a mapping
    assert overlay.path == (
        ("iec62443-3-3", "SR 1.3"),
        ("nist-sp800-53r5", "AC-2"),
        ("nist-sp800-82r3-overlay", "AC-2"),
    )
    assert [e.relationship for e in overlay.edges] == ["equal", "equal"] and overlay.strength == 8
    assert not any(target[0] == "iec62443-3-3" for target in mapped | related)


def test_a_shipped_two_hop_path_that_composes(shipped_graph):
    """docs/inference.md: SR 1.3 equal 8 AC-2, AC-2 equal 10 overlay AC-2: equal, strength 8, two hops."""
    sr13, overlay = ("iec62443-3-3", "SR 1.3"), ("nist-sp800-82r3-overlay", "AC-2")
    found = {r.target: r for r in shipped_graph.reach(sr13)}
    assert (found[overlay].relationship, found[overlay].strength, found[overlay].hops) == ("equal", 8, 2)
    assert [(e.relationship, e.strength) for e in found[overlay].edges] == [("equal", 8), ("equal", 10)]
    back = {r.target: r for r in shipped_graph.reach(overlay)}
    assert (back[sr13].relationship, back[sr13].strength, back[sr13].hops) == ("equal", 8, 2)
    # subset then superset does not compose: CR 1.11 reaches CIP-007-6 R5.7 only as related
    cr111 = {r.target: r for r in shipped_graph.reach(("iec62443-4-2", "CR 1.11"))}
    assert cr111[("nerc-cip", "CIP-007-6 R5.7")].relationship == "related"


def test_every_shipped_multi_hop_mapped_reach_avoids_intersect(shipped_graph):
    for reaches in shipped_graph.closure().values():
        for r in reaches:
            if r.hops > 1 and r.relationship != RELATED:
                assert "intersect" not in {e.relationship for e in r.edges}, r


# ---------------------------------------------------------------------------------------------- properties


FRAMEWORKS = ["F0", "F1", "F2", "F3"]
NODES = [(fw, str(n)) for fw in FRAMEWORKS for n in range(3)]


@st.composite
def random_edges(draw) -> list[MappingEdge]:
    count = draw(st.integers(0, 18))
    edges = []
    for _ in range(count):
        source = draw(st.sampled_from(NODES))
        target = draw(st.sampled_from([n for n in NODES if n[0] != source[0]]))
        edges.append(
            MappingEdge(
                source, target, draw(st.sampled_from(MAPPING_RELATIONSHIPS)), draw(st.integers(0, 10))
            )
        )
    return edges


def brute_force(edges: list[MappingEdge], start, max_hops: int) -> dict:
    """(class rank, strength, -hops) per target, by enumerating every simple path and every parallel mapping."""
    hops: dict = {}
    for e in edges:
        for oriented in (e, e.reversed()):
            hops.setdefault(oriented.source, []).append(oriented)
    best: dict = {}
    direct: dict = {}

    def walk(node, visited, relationships, strengths):
        if len(visited) - 1 == max_hops:
            return
        for hop in hops.get(node, []):
            neighbour = hop.target
            if neighbour in visited or neighbour[0] == start[0]:
                continue
            rels, strs = [*relationships, hop.relationship], [*strengths, hop.strength]
            quality = (RELATIONSHIP_RANK[path_relationship(rels)], path_strength(strs), -len(rels))
            if len(rels) == 1:
                direct[neighbour] = max(direct.get(neighbour, quality), quality)
            else:
                best[neighbour] = max(best.get(neighbour, quality), quality)
            walk(neighbour, [*visited, neighbour], rels, strs)

    walk(start, [start], [], [])
    return best | direct  # a direct mapping always wins


@settings(max_examples=400, deadline=None)
@given(random_edges(), st.sampled_from(NODES), st.integers(1, 4))
def test_reach_matches_brute_force_over_random_graphs(edges, start, max_hops):
    graph = CrosswalkGraph(edges)
    expected = brute_force(edges, start, max_hops)
    found = graph.reach(start, max_hops)
    assert {r.target for r in found} == set(expected)
    assert len(found) == len({r.target for r in found})
    for r in found:
        assert (RELATIONSHIP_RANK[r.relationship], r.strength, -r.hops) == expected[r.target]
        path = r.path
        assert path[0] == start and path[-1] == r.target
        assert len(set(path)) == len(path), "a path never revisits a node"
        assert 1 <= r.hops <= max_hops
        assert all(node[0] != start[0] for node in path[1:]), "never enters the start framework"
        # the path is made of real mappings, and its class and strength are theirs, composed
        assert [(e.source, e.target) for e in r.edges] == list(zip(path, path[1:], strict=False))
        assert all(e in graph.edges_between(e.source, e.target) for e in r.edges)
        assert r.relationship == path_relationship([e.relationship for e in r.edges])
        assert r.strength == path_strength([e.strength for e in r.edges])


@settings(max_examples=300, deadline=None)
@given(random_edges(), st.sampled_from(NODES), st.integers(1, 4))
def test_a_direct_link_is_never_hidden_by_a_longer_path(edges, start, max_hops):
    graph = CrosswalkGraph(edges)
    found = {r.target: r for r in graph.reach(start, max_hops)}
    for e in edges:
        for oriented in (e, e.reversed()):
            if oriented.source == start:
                direct = found[oriented.target]
                assert direct.hops == 1
                best = graph.edges_between(start, oriented.target)[0]
                assert (direct.relationship, direct.strength) == (best.relationship, best.strength)


@settings(max_examples=300, deadline=None)
@given(random_edges(), st.sampled_from(NODES))
def test_intersect_is_never_extended(edges, start):
    for r in CrosswalkGraph(edges).reach(start, 4):
        if r.hops > 1 and any(e.relationship == "intersect" for e in r.edges):
            assert r.relationship == RELATED
        if r.relationship == "intersect":
            assert r.hops == 1


@settings(max_examples=100, deadline=None)
@given(random_edges(), st.randoms(use_true_random=False))
def test_ranking_is_deterministic_whatever_the_order_of_the_mappings(edges, rng: random.Random):
    graph = CrosswalkGraph(edges)
    shuffled = list(edges)
    rng.shuffle(shuffled)
    again = CrosswalkGraph(shuffled)
    closure = graph.closure()
    assert closure == again.closure()
    for node, found in closure.items():
        assert found == graph.reach(node)
        order = [(-RELATIONSHIP_RANK[r.relationship], -r.strength, r.hops, r.target) for r in found]
        assert order == sorted(order)
