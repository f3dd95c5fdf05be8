"""Gaps, coverage, SL-A heat map, redundancy and delta from plain data."""

from __future__ import annotations

from dataclasses import dataclass

from otcsms.assessments.results import (
    Outcome,
    RequirementMeta,
    coverage,
    delta,
    gap_list,
    redundancy,
    sl_heatmap,
    summarise,
)
from otcsms.iec62443.security_levels import SlRequirement

SR11, SR12, SR21 = ("3-3", "SR 1.1"), ("3-3", "SR 1.2"), ("3-3", "SR 2.1")
AC2, IA2 = ("800-53", "AC-2"), ("800-53", "IA-2")
META = {
    SR11: RequirementMeta(SR11, "SR 1.1", "Identify humans", "FR 1"),
    SR12: RequirementMeta(SR12, "SR 1.2", "Identify devices", "FR 1"),
    SR21: RequirementMeta(SR21, "SR 2.1", "Authorisation", "FR 2"),
    AC2: RequirementMeta(AC2, "AC-2", "Account management", "AC"),
    IA2: RequirementMeta(IA2, "IA-2", "Identification", "IA"),
}


def test_gap_list_orders_not_met_first_then_by_sl():
    outcomes = {
        ("z1", SR11): Outcome("partially_met"),
        ("z1", SR12): Outcome("not_met"),
        ("z2", SR21): Outcome("not_met", inferred=True),
        ("z1", SR21): Outcome("met"),
    }
    gaps = gap_list(outcomes, META, sl_required={("z1", SR12): 2, ("z2", SR21): 1, ("z1", SR11): 1})
    assert [(g.scope, g.ref, g.status) for g in gaps] == [
        ("z2", "SR 2.1", "not_met"),
        ("z1", "SR 1.2", "not_met"),
        ("z1", "SR 1.1", "partially_met"),
    ]
    assert gaps[0].inferred and gaps[0].group == "FR 2" and gaps[1].sl_required == 2


def test_coverage_counts_unanswered_as_not_assessed_and_ignores_na_in_shares():
    universe = [("z1", SR11), ("z1", SR12), ("z1", SR21), ("site", AC2), ("site", IA2)]
    outcomes = {
        ("z1", SR11): Outcome("met"),
        ("z1", SR12): Outcome("not_applicable"),
        ("site", AC2): Outcome("met"),
    }
    result = coverage(universe, outcomes, META)
    fr = result["3-3"]
    assert (fr.overall.met, fr.overall.not_applicable, fr.overall.not_assessed, fr.overall.total) == (
        1,
        1,
        1,
        3,
    )
    assert fr.overall.share("met") == 0.5
    assert fr.by_group["FR 1"].met == 1 and fr.by_group["FR 2"].not_assessed == 1
    assert result["800-53"].overall.share("met") == 0.5


def test_heatmap_compares_sl_a_with_sl_t():
    catalog = [
        SlRequirement("SR 1.1", 1, frozenset({1, 2, 3, 4})),
        SlRequirement("SR 1.1 RE 1", 1, frozenset({2, 3, 4})),
        SlRequirement("SR 2.1", 2, frozenset({1, 2, 3, 4})),
    ]
    rows = sl_heatmap(
        {"z1": (2, 1, 0, 0, 0, 0, 0)},
        {"z1": {"SR 1.1": "met", "SR 1.1 RE 1": "not_met", "SR 2.1": "met"}},
        catalog,
    )
    assert rows[0].sl_a == (1, 4, 0, 0, 0, 0, 0)
    assert rows[0].gap == (1, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Hop:
    target: tuple
    relationship: str


def test_redundancy_groups_answers_linked_by_strong_mappings():
    links = {SR11: [Hop(IA2, "equal"), Hop(AC2, "intersect")], IA2: [Hop(SR11, "equal")], AC2: [], SR12: []}
    direct = {("z", SR11): "met", ("z", IA2): "met", ("z", AC2): "met", ("z", SR12): "not_applicable"}
    found = redundancy(direct, lambda key: links.get(key, []))
    assert [(r.scope, r.keys) for r in found] == [("z", (SR11, IA2))]


def test_delta_between_two_assessments():
    before = {("z", SR11): "not_met", ("z", SR12): "met", ("z", SR21): "partially_met"}
    after = {
        ("z", SR11): "met",
        ("z", SR12): "partially_met",
        ("z", AC2): "not_met",
        ("z", SR21): "partially_met",
    }
    changes = {(c.key, c.direction) for c in delta(before, after)}
    assert changes == {(SR11, "improved"), (SR12, "regressed"), (AC2, "changed")}
    assert summarise(delta(before, after))["improved"] == 1
