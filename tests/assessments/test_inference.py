"""Carrying responses across frameworks: rules, provenance, incremental updates and speed (no database).

The engine is tested against a stand-in crosswalk that answers `reach` from a table, so these tests depend
only on the `reach(start) -> list[Reach]` contract of otcsms.catalogs.crosswalk.
"""

import random
from collections import Counter, defaultdict, deque
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otcsms.assessments.inference import (
    NOT_ASSESSED,
    STATUSES,
    Effective,
    InferenceEngine,
    Source,
    carried_status,
)

RANK = {"equal": 3, "superset": 2, "subset": 1, "intersect": 0}

SR_1_1 = ("iec62443-3-3", "SR 1.1")
SR_1_3 = ("iec62443-3-3", "SR 1.3")
SR_5_1 = ("iec62443-3-3", "SR 5.1")
IA_2 = ("sp800-53", "IA-2")
AC_2 = ("sp800-53", "AC-2")
CIP_4 = ("nerc-cip", "CIP-004-7 R4.1")
CIP_5 = ("nerc-cip", "CIP-005-7 R1.1")
PR_AC_1 = ("csf", "PR.AC-1")


@dataclass(frozen=True, slots=True)
class Reach:
    """The shape of otcsms.catalogs.crosswalk.Reach."""

    target: tuple[str, str]
    relationship: str
    strength: int
    path: tuple[tuple[str, str], ...]


class TableCrosswalk:
    """A crosswalk whose `reach` answers come from a table; counts how often each start is asked."""

    def __init__(self, reaches):
        self.reaches = reaches
        self.calls = Counter()

    def reach(self, start, max_hops=3):
        self.calls[start] += 1
        return list(self.reaches.get(start, []))


def hop(start, target, relationship, strength=3, via=()):
    return Reach(target, relationship, strength, (start, *via, target))


def crosswalk(*edges):
    """Single-hop reaches both ways from (a, b, relationship a->b, strength) edges."""
    inverse = {"subset": "superset", "superset": "subset"}
    table = defaultdict(list)
    for a, b, relationship, strength in edges:
        table[a].append(hop(a, b, relationship, strength))
        table[b].append(hop(b, a, inverse.get(relationship, relationship), strength))
    return TableCrosswalk(table)


# ------------------------------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("status", "relationship", "carried"),
    [
        ("met", "equal", "met"),
        ("met", "superset", "met"),
        ("met", "subset", "partially_met"),
        ("met", "intersect", "partially_met"),
        ("met", "something-new", "partially_met"),
        ("partially_met", "equal", "partially_met"),
        ("partially_met", "subset", "partially_met"),
        ("not_met", "equal", "not_met"),
        ("not_met", "intersect", "not_met"),
        ("not_applicable", "equal", None),
        ("not_assessed", "equal", None),
    ],
)
def test_carried_status(status, relationship, carried):
    assert carried_status(status, relationship) == carried


@pytest.mark.parametrize(
    ("relationship", "expected"),
    [("equal", "met"), ("superset", "met"), ("subset", "partially_met"), ("intersect", "partially_met")],
)
def test_met_is_carried_in_full_only_through_equal_or_superset(relationship, expected):
    engine = InferenceEngine(crosswalk((SR_1_1, IA_2, relationship, 3)))
    engine.set_direct("zone-1", SR_1_1, "met")
    result = engine.result("zone-1", IA_2)
    assert result.status == expected
    assert result.inferred is True
    assert result.sources == (Source(SR_1_1, "met", expected, relationship, 3, (SR_1_1, IA_2)),)


@pytest.mark.parametrize("status", ["not_applicable", "not_assessed"])
def test_not_applicable_and_not_assessed_carry_nothing(status):
    engine = InferenceEngine(crosswalk((SR_1_1, IA_2, "equal", 3)))
    engine.set_direct("zone-1", SR_1_1, status)
    assert engine.result("zone-1", IA_2) == NOT_ASSESSED
    assert IA_2 not in engine.results("zone-1")


def test_the_most_restrictive_source_wins_and_all_sources_are_kept():
    graph = crosswalk(
        (SR_1_3, AC_2, "equal", 3),
        (CIP_4, AC_2, "subset", 2),
        (PR_AC_1, AC_2, "intersect", 1),
    )
    engine = InferenceEngine(graph)
    engine.load("site-1", {SR_1_3: "met", CIP_4: "met", PR_AC_1: "not_met"})
    result = engine.result("site-1", AC_2)
    assert result.status == "not_met"
    assert [(source.requirement, source.carried) for source in result.sources] == [
        (PR_AC_1, "not_met"),
        (CIP_4, "partially_met"),
        (SR_1_3, "met"),
    ]
    engine.set_direct("site-1", PR_AC_1, "met")
    assert engine.result("site-1", AC_2).status == "partially_met"
    engine.set_direct("site-1", CIP_4, "not_applicable")
    assert engine.result("site-1", AC_2).status == "partially_met"  # PR.AC-1 met through intersect
    engine.clear_direct("site-1", PR_AC_1)
    assert engine.result("site-1", AC_2).status == "met"


def test_sources_list_path_relationship_and_strength_of_multi_hop_reaches():
    graph = TableCrosswalk({SR_5_1: [hop(SR_5_1, CIP_5, "subset", 2, via=(("csf", "PR.AC-5"),))]})
    engine = InferenceEngine(graph)
    engine.set_direct("zone-1", SR_5_1, "partially_met")
    assert engine.result("zone-1", CIP_5) == Effective(
        "partially_met",
        True,
        (Source(SR_5_1, "partially_met", "partially_met", "subset", 2, (SR_5_1, ("csf", "PR.AC-5"), CIP_5)),),
    )


def test_sources_with_equal_status_are_ordered_by_relationship_then_strength():
    graph = crosswalk(
        (SR_1_1, IA_2, "subset", 3), (CIP_4, IA_2, "intersect", 3), (PR_AC_1, IA_2, "subset", 1)
    )
    engine = InferenceEngine(graph)
    engine.load("z", {SR_1_1: "partially_met", CIP_4: "partially_met", PR_AC_1: "partially_met"})
    assert [source.requirement for source in engine.result("z", IA_2).sources] == [SR_1_1, PR_AC_1, CIP_4]


def test_a_direct_response_overrides_the_inferred_one_and_clearing_it_restores_it():
    engine = InferenceEngine(crosswalk((SR_1_1, IA_2, "equal", 3)))
    engine.set_direct("zone-1", SR_1_1, "met")
    changed = engine.set_direct("zone-1", IA_2, "not_met")
    assert changed == {IA_2}  # IA-2 reaches SR 1.1 back, but SR 1.1 is answered directly: its result stays
    assert engine.result("zone-1", IA_2) == Effective("not_met")
    assert engine.result("zone-1", SR_1_1) == Effective("met")
    engine.clear_direct("zone-1", IA_2)
    assert engine.result("zone-1", IA_2).status == "met"
    assert engine.result("zone-1", IA_2).inferred


def test_a_direct_not_applicable_overrides_an_inferred_met():
    engine = InferenceEngine(crosswalk((SR_1_1, IA_2, "equal", 3)))
    engine.load("z", {SR_1_1: "met", IA_2: "not_applicable"})
    assert engine.result("z", IA_2) == Effective("not_applicable")


def test_a_direct_not_assessed_is_no_answer_and_does_not_hide_inference():
    engine = InferenceEngine(crosswalk((SR_1_1, IA_2, "equal", 3)))
    engine.load("z", {SR_1_1: "met", IA_2: "not_assessed"})
    assert engine.result("z", IA_2).status == "met"
    assert engine.direct("z") == {SR_1_1: "met"}


def test_scopes_are_independent():
    engine = InferenceEngine(crosswalk((SR_1_1, IA_2, "equal", 3)))
    engine.set_direct("zone-1", SR_1_1, "met")
    engine.set_direct("zone-2", SR_1_1, "not_met")
    assert engine.result("zone-1", IA_2).status == "met"
    assert engine.result("zone-2", IA_2).status == "not_met"
    assert engine.result("zone-3", IA_2) == NOT_ASSESSED
    engine.forget("zone-1")
    assert engine.results("zone-1") == {}
    assert engine.result("zone-2", IA_2).status == "not_met"


def test_load_replaces_the_scope():
    engine = InferenceEngine(crosswalk((SR_1_1, IA_2, "equal", 3), (SR_1_3, AC_2, "equal", 3)))
    engine.load("z", {SR_1_1: "met"})
    engine.load("z", {SR_1_3: "not_met"})
    assert set(engine.results("z")) == {SR_1_3, AC_2}


def test_unknown_status_is_refused():
    engine = InferenceEngine(crosswalk())
    with pytest.raises(ValueError, match="unknown response status 'done'"):
        engine.set_direct("z", SR_1_1, "done")
    with pytest.raises(ValueError, match="unknown response status"):
        engine.load("z", {SR_1_1: "Met"})


def test_set_direct_reports_exactly_what_changed():
    engine = InferenceEngine(crosswalk((SR_1_1, IA_2, "equal", 3), (SR_1_1, CIP_4, "subset", 2)))
    assert engine.set_direct("z", SR_1_1, "met") == {SR_1_1, IA_2, CIP_4}
    assert engine.set_direct("z", SR_1_1, "met") == set()
    assert engine.set_direct("z", CIP_4, "met") == {CIP_4}  # it reaches SR 1.1, which is answered directly
    assert engine.result("z", SR_1_1) == Effective("met")
    assert engine.set_direct("z", SR_1_1, "not_applicable") == {SR_1_1, IA_2}
    assert engine.set_direct("z", SR_1_1, "not_assessed") == {SR_1_1}


def test_the_crosswalk_is_asked_once_per_requirement_and_only_for_what_changed():
    graph = crosswalk((SR_1_1, IA_2, "equal", 3), (SR_1_3, AC_2, "equal", 3))
    engine = InferenceEngine(graph)
    engine.load("a", {SR_1_1: "met"})
    engine.load("b", {SR_1_1: "not_met"})
    engine.set_direct("a", SR_1_1, "partially_met")
    assert graph.calls == Counter({SR_1_1: 1})
    engine.set_direct("a", SR_1_3, "met")
    assert graph.calls == Counter({SR_1_1: 1, SR_1_3: 1})


def test_a_reach_back_to_the_start_is_ignored():
    graph = TableCrosswalk({SR_1_1: [hop(SR_1_1, SR_1_1, "equal"), hop(SR_1_1, IA_2, "equal")]})
    engine = InferenceEngine(graph)
    engine.set_direct("z", SR_1_1, "not_met")
    assert engine.results("z") == {SR_1_1: Effective("not_met"), IA_2: engine.result("z", IA_2)}
    assert engine.result("z", IA_2).status == "not_met"


def test_statuses_match_results_without_building_sources():
    graph = crosswalk((SR_1_1, IA_2, "equal", 3), (CIP_4, IA_2, "subset", 2))
    engine = InferenceEngine(graph)
    engine.load("z", {SR_1_1: "met", CIP_4: "met"})
    assert engine.statuses("z") == {key: effective.status for key, effective in engine.results("z").items()}
    assert engine.statuses("nowhere") == {}


def test_works_with_the_real_crosswalk_graph():
    from otcsms.catalogs.crosswalk import CrosswalkGraph, MappingEdge

    graph = CrosswalkGraph([MappingEdge(SR_1_1, IA_2, "equal", 3), MappingEdge(IA_2, CIP_4, "subset", 2)])
    engine = InferenceEngine(graph)
    engine.set_direct("zone-1", SR_1_1, "met")
    assert engine.result("zone-1", IA_2).status == "met"
    assert engine.result("zone-1", CIP_4) == Effective(
        "partially_met", True, (Source(SR_1_1, "met", "partially_met", "subset", 0, (SR_1_1, IA_2, CIP_4)),)
    )


def test_the_worked_example_of_docs_inference_md():
    from otcsms.catalogs.crosswalk import CrosswalkGraph, MappingEdge

    cip_5 = ("nerc-cip", "CIP-004-7 R5.1")
    graph = CrosswalkGraph(
        [
            MappingEdge(SR_1_3, AC_2, "equal", 3),
            MappingEdge(CIP_4, AC_2, "subset", 2),
            MappingEdge(PR_AC_1, AC_2, "intersect", 1),
            MappingEdge(AC_2, cip_5, "intersect", 2),
        ]
    )
    engine = InferenceEngine(graph)
    engine.load("Control", {SR_1_3: "met", CIP_4: "met", PR_AC_1: "not_applicable"})

    def shown(key):
        result = engine.result("Control", key)
        return (
            result.status,
            result.inferred,
            [(source.requirement, source.carried) for source in result.sources],
        )

    assert shown(AC_2) == ("partially_met", True, [(CIP_4, "partially_met"), (SR_1_3, "met")])
    assert shown(cip_5) == ("partially_met", True, [(SR_1_3, "partially_met")])
    assert engine.result("Control", cip_5).sources[0].path == (SR_1_3, AC_2, cip_5)
    assert engine.set_direct("Control", AC_2, "not_met") == {AC_2, cip_5}
    assert shown(AC_2) == ("not_met", False, [])
    assert shown(cip_5) == ("not_met", True, [(AC_2, "not_met"), (SR_1_3, "partially_met")])
    engine.clear_direct("Control", AC_2)
    assert shown(AC_2)[0] == shown(cip_5)[0] == "partially_met"
    engine.set_direct("Control", SR_1_3, "not_met")
    assert shown(AC_2) == ("not_met", True, [(SR_1_3, "not_met"), (CIP_4, "partially_met")])
    assert shown(cip_5)[0] == "not_met"


# ------------------------------------------------------------------------------------------ properties

FRAMEWORKS = ("a", "b", "c")
KEYS = [(framework, f"R{i}") for framework in FRAMEWORKS for i in range(3)]


@st.composite
def reach_tables(draw):
    table = {}
    for start in KEYS:
        others = [key for key in KEYS if key[0] != start[0]]
        targets = draw(st.lists(st.sampled_from(others), max_size=4))
        reaches = []
        for target in targets:
            relationship = draw(st.sampled_from(list(RANK)))
            via = draw(st.lists(st.sampled_from(KEYS), max_size=1))
            reaches.append(hop(start, target, relationship, draw(st.integers(1, 3)), via=tuple(via)))
        table[start] = reaches
    return table


operations = st.lists(
    st.tuples(st.sampled_from(["zone-1", "zone-2"]), st.sampled_from(KEYS), st.sampled_from(STATUSES)),
    max_size=25,
)


def oracle(table, direct):
    """The rules of docs/inference.md, computed the slow and obvious way."""
    order = {"not_met": 0, "partially_met": 1, "met": 2}
    carried_at = defaultdict(list)
    for key, status in direct.items():
        if status not in order:
            continue
        for reach in table.get(key, []):
            if reach.target == key:
                continue
            carried = (
                status if reach.relationship in ("equal", "superset") or status != "met" else "partially_met"
            )
            carried_at[reach.target].append((carried, key))
    expected = {}
    for target, found in carried_at.items():
        expected[target] = (
            min((carried for carried, _ in found), key=order.get),
            True,
            sorted({key for _, key in found}),
        )
    for key, status in direct.items():
        if status != "not_assessed":
            expected[key] = (status, False, [])
    return expected


def observed(engine, scope):
    return {
        key: (
            effective.status,
            effective.inferred,
            sorted({source.requirement for source in effective.sources}),
        )
        for key, effective in engine.results(scope).items()
    }


@settings(max_examples=100, deadline=None)
@given(reach_tables(), operations)
def test_incremental_updates_equal_a_full_recompute(table, ops):
    engine = InferenceEngine(TableCrosswalk(table))
    direct = {"zone-1": {}, "zone-2": {}}
    for scope, key, status in ops:
        before = engine.results(scope)
        changed = engine.set_direct(scope, key, status)
        after = engine.results(scope)
        assert changed == {
            k
            for k in before.keys() | after.keys()
            if before.get(k, NOT_ASSESSED) != after.get(k, NOT_ASSESSED)
        }
        direct[scope][key] = status
    for scope, responses in direct.items():
        fresh = InferenceEngine(TableCrosswalk(table))
        fresh.load(scope, responses)
        assert engine.results(scope) == fresh.results(scope)
        assert observed(engine, scope) == oracle(table, responses)


@settings(max_examples=100, deadline=None)
@given(reach_tables(), st.dictionaries(st.sampled_from(KEYS), st.sampled_from(STATUSES)))
def test_results_follow_the_rules(table, responses):
    engine = InferenceEngine(TableCrosswalk(table))
    engine.load("z", responses)
    assert observed(engine, "z") == oracle(table, responses)
    for key, effective in engine.results("z").items():
        if effective.inferred:
            assert effective.sources and effective.status == effective.sources[0].carried
            ranks = [
                ("not_met", "partially_met", "met").index(source.carried) for source in effective.sources
            ]
            assert ranks == sorted(ranks)


@settings(max_examples=100, deadline=None)
@given(reach_tables(), st.dictionaries(st.sampled_from(KEYS), st.sampled_from(STATUSES)), operations)
def test_not_applicable_never_makes_a_target_met(table, responses, ops):
    engine = InferenceEngine(TableCrosswalk(table))
    engine.load("zone-1", responses)
    for scope, key, status in ops:
        engine.set_direct(scope, key, status)
    for scope in ("zone-1", "zone-2"):
        for effective in engine.results(scope).values():
            assert all(source.status in ("not_met", "partially_met", "met") for source in effective.sources)
            if effective.inferred and effective.status == "met":
                assert all(
                    source.status == "met" and source.relationship in ("equal", "superset")
                    for source in effective.sources
                )
    only_na = InferenceEngine(TableCrosswalk(table))
    only_na.load("z", {key: "not_applicable" for key in KEYS})
    assert not any(effective.inferred for effective in only_na.results("z").values())


@settings(max_examples=100, deadline=None)
@given(reach_tables(), operations)
def test_a_direct_response_always_wins(table, ops):
    engine = InferenceEngine(TableCrosswalk(table))
    last = {}
    for scope, key, status in ops:
        engine.set_direct(scope, key, status)
        last[(scope, key)] = status
    for (scope, key), status in last.items():
        if status != "not_assessed":
            assert engine.result(scope, key) == Effective(status)
            assert engine.results(scope)[key] == Effective(status)


# ------------------------------------------------------------------------------------------------- speed


class BfsCrosswalk:
    """A random crosswalk walked breadth-first up to three hops, weakest relationship along the path."""

    def __init__(self, edges):
        self.neighbours = defaultdict(list)
        inverse = {"subset": "superset", "superset": "subset"}
        for a, b, relationship, strength in edges:
            self.neighbours[a].append((b, relationship, strength))
            self.neighbours[b].append((a, inverse.get(relationship, relationship), strength))

    def reach(self, start, max_hops=3):
        seen = {start}
        queue = deque([(start, "equal", 3, (start,))])
        found = []
        while queue:
            node, relationship, strength, path = queue.popleft()
            if len(path) > max_hops:
                continue
            for neighbour, step, step_strength in self.neighbours[node]:
                if neighbour in seen:
                    continue
                seen.add(neighbour)
                weakest = step if RANK[step] < RANK[relationship] else relationship
                reach = Reach(neighbour, weakest, min(strength, step_strength), (*path, neighbour))
                queue.append((neighbour, weakest, reach.strength, reach.path))
                if neighbour[0] != start[0]:
                    found.append(reach)
        return found


@pytest.fixture(scope="module")
def big_crosswalk():
    """About 2,000 requirements in six frameworks and 5,000 mappings; reaches precomputed."""
    rng = random.Random(62443)
    sizes = {
        "iec62443-3-3": 100,
        "iec62443-2-1": 260,
        "iec62443-4-2": 150,
        "sp800-53": 1000,
        "nerc-cip": 300,
        "csf": 190,
    }
    keys = [(framework, f"R{i}") for framework, count in sizes.items() for i in range(count)]
    edges = set()
    while len(edges) < 5000:
        a, b = rng.sample(keys, 2)
        if a[0] != b[0]:
            edges.add((a, b))
    walker = BfsCrosswalk([(a, b, rng.choice(list(RANK)), rng.randint(1, 3)) for a, b in edges])
    return keys, TableCrosswalk({key: walker.reach(key) for key in keys})


# Speed at this size is measured by bench/fleet.py; tests check behaviour only (they must not flake).


def test_full_load_of_50000_responses(big_crosswalk):
    keys, graph = big_crosswalk
    rng = random.Random(1)
    scopes = {scope: {key: rng.choice(STATUSES) for key in rng.sample(keys, 200)} for scope in range(250)}
    engine = InferenceEngine(graph)
    for scope, responses in scopes.items():
        engine.load(scope, responses)
    assert sum(len(responses) for responses in scopes.values()) == 50_000
    for scope in (0, 249):
        answered = {k: v for k, v in scopes[scope].items() if v != "not_assessed"}
        assert engine.direct(scope) == answered


def test_incremental_updates_on_a_big_graph_keep_direct_answers(big_crosswalk):
    keys, graph = big_crosswalk
    rng = random.Random(2)
    engine = InferenceEngine(graph)
    for scope in range(25):
        engine.load(scope, {key: rng.choice(STATUSES) for key in rng.sample(keys, 2000)})
    for _ in range(200):
        scope, key = rng.randrange(25), rng.choice(keys)
        status = rng.choice([s for s in STATUSES if s != "not_assessed"])
        changed = engine.set_direct(scope, key, status)
        assert engine.result(scope, key).status == status and not engine.result(scope, key).inferred
        assert all(isinstance(k, tuple) for k in changed)
