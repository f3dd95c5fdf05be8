"""Carrying responses across frameworks: rules, provenance, incremental updates and speed (no database).

Most tests run the engine against a stand-in crosswalk that answers `reach` from a table, so they depend only on
the `reach(start) -> list[Reach]` contract of otcsms.catalogs.crosswalk; the others use the real CrosswalkGraph,
on random graphs and on the shipped library (the worked examples of docs/inference.md).
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
    carried_claim,
    carried_status,
)
from otcsms.catalogs.crosswalk import (
    MAPPING_RELATIONSHIPS,
    CrosswalkGraph,
    MappingEdge,
    edges_from_mapping_sets,
    path_relationship,
)

RANK = {"equal": 3, "superset": 2, "subset": 1, "intersect": 0}
CLASSES = ("equal", "superset", "subset", "intersect", "related")

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
    ("status", "relationship", "hops", "carried"),
    [
        ("met", "equal", 1, "met"),
        ("partially_met", "equal", 2, "partially_met"),
        ("not_met", "equal", 3, "not_met"),
        ("met", "superset", 1, "met"),
        ("partially_met", "superset", 1, None),
        ("not_met", "superset", 2, None),  # the unmet part may lie outside the target
        ("met", "subset", 1, "partially_evidenced"),
        ("partially_met", "subset", 1, "partially_met"),
        ("not_met", "subset", 2, "not_met"),
        ("met", "intersect", 1, "partially_evidenced"),
        ("partially_met", "intersect", 1, None),
        ("not_met", "intersect", 1, None),
        ("met", "intersect", 2, None),  # never beyond one hop
        ("met", "related", 2, None),
        ("not_met", "related", 3, None),
        ("met", "something-new", 1, None),
        ("not_applicable", "equal", 1, None),
        ("not_assessed", "equal", 1, None),
    ],
)
def test_carried_claim(status, relationship, hops, carried):
    assert carried_claim(status, relationship, hops) == carried
    shown = "partially_met" if carried == "partially_evidenced" else carried
    assert carried_status(status, relationship, hops) == shown


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
    assert result.partial_evidence_only == (expected == "partially_met")


@pytest.mark.parametrize(
    ("relationship", "expected"),
    [("equal", "not_met"), ("subset", "not_met"), ("superset", None), ("intersect", None)],
)
def test_not_met_is_carried_only_through_equal_or_subset(relationship, expected):
    engine = InferenceEngine(crosswalk((SR_1_1, IA_2, relationship, 3)))
    engine.set_direct("zone-1", SR_1_1, "not_met")
    result = engine.result("zone-1", IA_2)
    if expected is None:
        assert result == NOT_ASSESSED and IA_2 not in engine.statuses("zone-1")
    else:
        assert (result.status, result.inferred, result.sources[0].relationship) == (
            expected,
            True,
            relationship,
        )


@pytest.mark.parametrize("status", ["not_applicable", "not_assessed"])
def test_not_applicable_and_not_assessed_carry_nothing(status):
    engine = InferenceEngine(crosswalk((SR_1_1, IA_2, "equal", 3)))
    engine.set_direct("zone-1", SR_1_1, status)
    assert engine.result("zone-1", IA_2) == NOT_ASSESSED
    assert IA_2 not in engine.results("zone-1")


def test_the_most_restrictive_claim_wins_and_partial_evidence_yields_to_met():
    graph = crosswalk(
        (SR_1_3, AC_2, "equal", 3),
        (CIP_4, AC_2, "subset", 2),
        (PR_AC_1, AC_2, "intersect", 1),
    )
    engine = InferenceEngine(graph)
    engine.load("site-1", {SR_1_3: "met", CIP_4: "met", PR_AC_1: "not_met"})
    result = engine.result("site-1", AC_2)
    # PR.AC-1's not met says nothing over an intersect; CIP-004's met is partial evidence; SR 1.3 meets it
    assert result.status == "met" and not result.partial_evidence_only
    assert [(source.requirement, source.carried) for source in result.sources] == [
        (SR_1_3, "met"),
        (CIP_4, "partially_met"),
    ]
    engine.set_direct("site-1", CIP_4, "not_met")  # a part of AC-2 is not met: AC-2 is not met
    assert engine.result("site-1", AC_2).status == "not_met"
    assert engine.result("site-1", AC_2).sources[0].requirement == CIP_4
    engine.set_direct("site-1", CIP_4, "not_applicable")
    engine.set_direct("site-1", SR_1_3, "partially_met")
    assert engine.result("site-1", AC_2).status == "partially_met"
    engine.clear_direct("site-1", SR_1_3)
    assert engine.result("site-1", AC_2) == NOT_ASSESSED
    engine.set_direct("site-1", PR_AC_1, "met")
    assert engine.result("site-1", AC_2).status == "partially_met"
    assert engine.result("site-1", AC_2).partial_evidence_only


def test_sources_list_path_relationship_and_strength_of_multi_hop_reaches():
    graph = TableCrosswalk({SR_5_1: [hop(SR_5_1, CIP_5, "subset", 2, via=(("csf", "PR.AC-5"),))]})
    engine = InferenceEngine(graph)
    engine.set_direct("zone-1", SR_5_1, "partially_met")
    assert engine.result("zone-1", CIP_5) == Effective(
        "partially_met",
        True,
        (Source(SR_5_1, "partially_met", "partially_met", "subset", 2, (SR_5_1, ("csf", "PR.AC-5"), CIP_5)),),
    )


def test_an_intersect_of_several_hops_carries_nothing_whatever_the_crosswalk_says():
    graph = TableCrosswalk({SR_5_1: [hop(SR_5_1, CIP_5, "intersect", 9, via=(("csf", "PR.AC-5"),))]})
    engine = InferenceEngine(graph)
    engine.load("z", {SR_5_1: "met"})
    assert engine.result("z", CIP_5) == NOT_ASSESSED
    assert engine.set_direct("z", SR_5_1, "not_met") == {SR_5_1}


def test_sources_with_equal_claims_are_ordered_by_relationship_then_strength():
    graph = crosswalk(
        (SR_1_1, IA_2, "subset", 3), (CIP_4, IA_2, "intersect", 3), (PR_AC_1, IA_2, "subset", 1)
    )
    engine = InferenceEngine(graph)
    engine.load("z", {SR_1_1: "met", CIP_4: "met", PR_AC_1: "met"})
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
    engine = InferenceEngine(crosswalk((SR_1_1, IA_2, "equal", 3), (SR_1_1, CIP_4, "superset", 2)))
    assert engine.set_direct("z", SR_1_1, "met") == {SR_1_1, IA_2, CIP_4}
    assert engine.set_direct("z", SR_1_1, "met") == set()
    assert engine.set_direct("z", SR_1_1, "partially_met") == {SR_1_1, IA_2, CIP_4}  # CIP-004 loses its met
    assert engine.set_direct("z", SR_1_1, "not_met") == {SR_1_1, IA_2}  # a superset's not met says nothing
    assert engine.set_direct("z", CIP_4, "not_met") == {CIP_4}  # it reaches SR 1.1, answered directly
    assert engine.result("z", SR_1_1) == Effective("not_met")
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
    graph = CrosswalkGraph(
        [
            MappingEdge(SR_1_1, IA_2, "equal", 9),
            MappingEdge(IA_2, CIP_4, "subset", 8),
            MappingEdge(IA_2, PR_AC_1, "intersect", 9),
        ]
    )
    engine = InferenceEngine(graph)
    engine.set_direct("zone-1", SR_1_1, "met")
    assert engine.result("zone-1", IA_2).status == "met"
    assert engine.result("zone-1", CIP_4) == Effective(
        "partially_met", True, (Source(SR_1_1, "met", "partially_met", "subset", 7, (SR_1_1, IA_2, CIP_4)),)
    )
    assert engine.result("zone-1", PR_AC_1) == NOT_ASSESSED  # equal then intersect: only related


# ------------------------------------------------------------------------------- the shipped library


@pytest.fixture(scope="module")
def shipped_graph():
    from otcsms.catalogs.libformat import load_shipped_library

    return CrosswalkGraph(edges_from_mapping_sets(load_shipped_library().mapping_sets))


SR_3_1 = ("iec62443-3-3", "SR 3.1")
CR_1_3 = ("iec62443-4-2", "CR 1.3")
SP_AC_2 = ("nist-sp800-53r5", "AC-2")
OVERLAY_AC_2 = ("nist-sp800-82r3-overlay", "AC-2")
CIP_004_R4_3 = ("nerc-cip", "CIP-004-7 R4.3")


def test_worked_example_sr_1_3_met(shipped_graph):
    """docs/inference.md, example 1: SR 1.3 met in one zone."""
    engine = InferenceEngine(shipped_graph)
    engine.load("Control", {SR_1_3: "met"})
    assert engine.result("Control", SP_AC_2) == Effective(
        "met", True, (Source(SR_1_3, "met", "met", "equal", 8, (SR_1_3, SP_AC_2)),)
    )
    assert engine.result("Control", OVERLAY_AC_2) == Effective(
        "met", True, (Source(SR_1_3, "met", "met", "equal", 8, (SR_1_3, SP_AC_2, OVERLAY_AC_2)),)
    )
    assert engine.result("Control", CR_1_3) == Effective(
        "met", True, (Source(SR_1_3, "met", "met", "superset", 8, (SR_1_3, CR_1_3)),)
    )
    r43 = engine.result("Control", CIP_004_R4_3)
    assert (r43.status, r43.partial_evidence_only, r43.sources[0].strength) == ("partially_met", True, 5)
    by_framework = Counter(key[0] for key in engine.statuses("Control") if key != SR_1_3)
    assert by_framework == {
        "nist-sp800-53r5": 16, "nerc-cip": 8, "iec62443-2-1-2010": 3, "nist-csf-1-1": 2, "iec62443-4-2": 1,
        "nist-sp800-82r3-overlay": 1,
    }  # fmt: skip


def test_worked_example_sr_1_3_not_met(shipped_graph):
    """docs/inference.md, example 2: a not met travels only over equal mappings (not over CR 1.3's superset)."""
    engine = InferenceEngine(shipped_graph)
    engine.load("Control", {SR_1_3: "not_met"})
    assert engine.statuses("Control") == {SR_1_3: "not_met", SP_AC_2: "not_met", OVERLAY_AC_2: "not_met"}


def test_worked_example_sr_3_1_not_met_leaves_nerc_cip_alone(shipped_graph):
    """Regression: a not-met SR 3.1 made CIP-002 R1 not met over a chain of intersects."""
    engine = InferenceEngine(shipped_graph)
    engine.load("z", {SR_3_1: "not_met"})
    assert not any(key[0] == "nerc-cip" for key in engine.statuses("z"))
    engine.load("z", {SR_3_1: "met"})
    nerc = {key: status for key, status in engine.statuses("z").items() if key[0] == "nerc-cip"}
    assert nerc == {
        ("nerc-cip", "CIP-012-2 R1.1"): "partially_met"
    }  # its one direct mapping, partial evidence


def test_worked_example_an_overlay_answer_carries_to_its_base_control(shipped_graph):
    """docs/inference.md, example 3: the SP 800-82 overlay and SP 800-53 are mapped equal, strength 10."""
    engine = InferenceEngine(shipped_graph)
    engine.load("site", {OVERLAY_AC_2: "not_met"})
    assert engine.result("site", SP_AC_2) == Effective(
        "not_met", True, (Source(OVERLAY_AC_2, "not_met", "not_met", "equal", 10, (OVERLAY_AC_2, SP_AC_2)),)
    )
    # and on, over the expert SR 1.3 = AC-2: equal then equal stays equal (strength 10 x 8 / 10)
    assert engine.result("site", SR_1_3).sources[0][2:] == (
        "not_met", "equal", 8, (OVERLAY_AC_2, SP_AC_2, SR_1_3)
    )  # fmt: skip
    assert set(engine.statuses("site")) == {OVERLAY_AC_2, SP_AC_2, SR_1_3}


def test_worked_example_a_superset_carries_met_and_a_subset_not_met(shipped_graph):
    """docs/inference.md: SR 1.11 superset 8 CIP-007-6 R5.7 and superset 8 CR 1.11."""
    sr_1_11, cr_1_11, r5_7 = (
        ("iec62443-3-3", "SR 1.11"),
        ("iec62443-4-2", "CR 1.11"),
        ("nerc-cip", "CIP-007-6 R5.7"),
    )
    engine = InferenceEngine(shipped_graph)
    engine.load("z", {sr_1_11: "met"})
    assert (engine.result("z", r5_7).status, engine.result("z", r5_7).sources[0].relationship) == (
        "met",
        "superset",
    )
    assert engine.result("z", cr_1_11).sources[0][2:4] == ("met", "superset")
    engine.load("z", {sr_1_11: "not_met"})  # a superset carries no not met; the expert SR 1.11 = AC-7 does
    assert engine.statuses("z") == {
        sr_1_11: "not_met", ("nist-sp800-53r5", "AC-7"): "not_met", ("nist-sp800-82r3-overlay", "AC-7"): "not_met"
    }  # fmt: skip
    engine.load("z", {r5_7: "not_met"})  # a NERC CIP assessment
    assert engine.result("z", sr_1_11).sources[0][2:5] == ("not_met", "subset", 8)
    assert engine.result("z", cr_1_11) == NOT_ASSESSED  # subset then superset: only related


@pytest.mark.parametrize(
    ("r1_1", "r1_2", "expected", "evidence_only"),
    [
        ("met", "met", "partially_met", True),
        ("not_met", "met", "not_met", False),
        ("partially_met", "met", "partially_met", False),
        (None, "met", "partially_met", True),
        (None, "not_met", "not_assessed", False),
    ],
)
def test_worked_example_several_answers_one_requirement(shipped_graph, r1_1, r1_2, expected, evidence_only):
    """docs/inference.md: SR 7.7 from CIP-007-6 R1.1 (subset 7) and CIP-007-6 R1.2 (intersect 5)."""
    r_1_1, r_1_2 = ("nerc-cip", "CIP-007-6 R1.1"), ("nerc-cip", "CIP-007-6 R1.2")
    answers = {key: status for key, status in ((r_1_1, r1_1), (r_1_2, r1_2)) if status}
    engine = InferenceEngine(shipped_graph)
    engine.load("z", answers)
    result = engine.result("z", ("iec62443-3-3", "SR 7.7"))
    assert (result.status, result.partial_evidence_only) == (expected, evidence_only)
    assert [source.requirement for source in result.sources] == [
        k for k in (r_1_1, r_1_2) if answers.get(k) and (k == r_1_1 or answers[k] == "met")
    ]


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
            relationship = draw(st.sampled_from(CLASSES))
            via = draw(st.lists(st.sampled_from(KEYS), max_size=1))
            reaches.append(hop(start, target, relationship, draw(st.integers(1, 3)), via=tuple(via)))
        table[start] = reaches
    return table


operations = st.lists(
    st.tuples(st.sampled_from(["zone-1", "zone-2"]), st.sampled_from(KEYS), st.sampled_from(STATUSES)),
    max_size=25,
)

# The rules of docs/inference.md, written out the slow and obvious way.
ORACLE_TABLE = {
    ("equal", "met"): "met",
    ("equal", "partially_met"): "partially_met",
    ("equal", "not_met"): "not_met",
    ("superset", "met"): "met",
    ("subset", "met"): "evidence",
    ("subset", "partially_met"): "partially_met",
    ("subset", "not_met"): "not_met",
    ("intersect", "met"): "evidence",
}
ORACLE_ORDER = ["not_met", "partially_met", "met", "evidence"]


def oracle(table, direct):
    claims_at = defaultdict(list)
    for key, status in direct.items():
        for reach in table.get(key, []):
            if reach.target == key:
                continue
            if reach.relationship == "intersect" and len(reach.path) > 2:
                continue
            claim = ORACLE_TABLE.get((reach.relationship, status))
            if claim is not None:
                claims_at[reach.target].append((claim, key))
    expected = {}
    for target, found in claims_at.items():
        claim = min((c for c, _ in found), key=ORACLE_ORDER.index)
        expected[target] = (
            "partially_met" if claim == "evidence" else claim,
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
    for effective in engine.results("z").values():
        if effective.inferred:
            first = effective.sources[0]
            assert effective.sources and effective.status == first.carried
            claims = [
                "evidence" if source.partial_evidence else source.carried for source in effective.sources
            ]
            assert [ORACLE_ORDER.index(c) for c in claims] == sorted(ORACLE_ORDER.index(c) for c in claims)


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
                assert all(source.status == "met" for source in effective.sources)
                assert any(
                    source.carried == "met" and source.relationship in ("equal", "superset")
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


NODES = [(fw, str(n)) for fw in ("F0", "F1", "F2", "F3") for n in range(3)]


@st.composite
def random_graphs(draw) -> CrosswalkGraph:
    edges = []
    for _ in range(draw(st.integers(0, 18))):
        source = draw(st.sampled_from(NODES))
        target = draw(st.sampled_from([n for n in NODES if n[0] != source[0]]))
        relationship = draw(st.sampled_from(MAPPING_RELATIONSHIPS))
        edges.append(MappingEdge(source, target, relationship, draw(st.integers(0, 10))))
    return CrosswalkGraph(edges)


@settings(max_examples=200, deadline=None)
@given(random_graphs(), st.dictionaries(st.sampled_from(NODES), st.sampled_from(STATUSES)))
def test_a_status_travels_only_where_the_composed_relationship_justifies_it(graph, responses):
    """Over the real crosswalk: nothing over an intersect beyond one hop, nothing over a related path, a not
    met only over equal or subset paths, a met only over equal or superset paths."""
    engine = InferenceEngine(graph)
    engine.load("z", responses)
    for effective in engine.results("z").values():
        for source in effective.sources:
            reach = next(r for r in graph.reach(source.requirement) if r.target == source.path[-1])
            composed = path_relationship([e.relationship for e in reach.edges])
            assert source.relationship == composed != "related"
            if source.hops > 1:
                assert all(e.relationship != "intersect" for e in reach.edges)
            if source.carried == "not_met":
                assert composed in ("equal", "subset")
            if source.carried == "met":
                assert composed in ("equal", "superset")
            if composed == "intersect":
                assert source.hops == 1 and source.partial_evidence


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
