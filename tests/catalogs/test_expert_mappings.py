"""The otcsms expert mapping IEC 62443-3-3 -> SP 800-53 Rev. 5 as shipped: textbook counterparts are direct,
strong links; every SR and RE is mapped; targets are live controls; rationales are written per row."""

from __future__ import annotations

from collections import Counter

import pytest

from otcsms.catalogs.libformat import LibraryBatch, MappingSetDoc

EXPERT_SET = "iec62443-3-3_to_nist-sp800-53r5-expert"

# Textbook one-to-one counterparts: each must be a direct row of the expert set, equal/subset/superset, strength >= 7.
GOLDEN = [
    ("SR 1.1", "IA-2"),
    ("SR 1.1 RE 1", "IA-2"),
    ("SR 1.2 RE 1", "IA-3"),
    ("SR 1.3", "AC-2"),
    ("SR 1.4", "IA-4"),
    ("SR 1.5", "IA-5"),
    ("SR 1.6", "AC-18(1)"),
    ("SR 1.7", "IA-5(1)"),
    ("SR 1.8", "SC-17"),
    ("SR 1.9", "IA-5(2)"),
    ("SR 1.10", "IA-6"),
    ("SR 1.11", "AC-7"),
    ("SR 1.12", "AC-8"),
    ("SR 1.13", "AC-17(1)"),
    ("SR 2.1", "AC-3"),
    ("SR 2.1 RE 2", "AC-3(7)"),
    ("SR 2.1 RE 4", "AC-3(2)"),
    ("SR 2.2", "AC-18"),
    ("SR 2.2 RE 1", "SI-4(14)"),
    ("SR 2.4", "SC-18"),
    ("SR 2.5", "AC-11"),
    ("SR 2.6", "AC-12"),
    ("SR 2.7", "AC-10"),
    ("SR 2.8", "AU-12"),
    ("SR 2.8 RE 1", "AU-12(1)"),
    ("SR 2.9", "AU-4"),
    ("SR 2.9 RE 1", "AU-5(1)"),
    ("SR 2.10", "AU-5"),
    ("SR 2.11", "AU-8"),
    ("SR 2.12", "AU-10"),
    ("SR 3.1", "SC-8"),
    ("SR 3.1 RE 1", "SC-8(1)"),
    ("SR 3.2", "SI-3"),
    ("SR 3.3", "SI-6"),
    ("SR 3.4", "SI-7"),
    ("SR 3.4 RE 1", "SI-7(2)"),
    ("SR 3.5", "SI-10"),
    ("SR 3.7", "SI-11"),
    ("SR 3.8", "SC-23"),
    ("SR 3.8 RE 1", "SC-23(1)"),
    ("SR 3.9", "AU-9"),
    ("SR 3.9 RE 1", "AU-9(1)"),
    ("SR 4.2", "MP-6"),
    ("SR 4.2 RE 1", "SC-4"),
    ("SR 5.1", "SC-7(29)"),
    ("SR 5.2", "SC-7"),
    ("SR 5.2 RE 1", "SC-7(5)"),
    ("SR 5.2 RE 3", "SC-7(18)"),
    ("SR 5.4", "SC-32"),
    ("SR 6.2", "SI-4"),
    ("SR 7.1", "SC-5"),
    ("SR 7.1 RE 1", "SC-5(2)"),
    ("SR 7.3", "CP-9"),
    ("SR 7.3 RE 1", "CP-9(1)"),
    ("SR 7.4", "CP-10"),
    ("SR 7.6", "CM-6"),
    ("SR 7.7", "CM-7"),
    ("SR 7.8", "CM-8"),
]


@pytest.fixture(scope="module")
def expert(shipped: LibraryBatch) -> MappingSetDoc:
    return next(ms for ms in shipped.mapping_sets if ms.id == EXPERT_SET)


def test_the_expert_set_is_its_own_source_beside_the_inferred_one(shipped, expert):
    assert (expert.source_framework, expert.target_framework) == ("iec62443-3-3", "nist-sp800-53r5")
    assert expert.licence == "Apache-2.0 (otcsms project)"
    assert "expert judgement" in expert.description and "not reviewed" in expert.description
    assert {m.source_ref for m in expert.mappings} == {"otcsms expert mapping"}
    inferred = next(ms for ms in shipped.mapping_sets if ms.id == "iec62443-3-3_to_nist-sp800-53r5")
    assert {m.relationship for m in inferred.mappings} == {"intersect"}


def test_golden_table_has_at_least_25_pairs():
    assert len(GOLDEN) >= 25 and len(set(GOLDEN)) == len(GOLDEN)


@pytest.mark.parametrize(("source", "target"), GOLDEN, ids=[f"{s}->{t}" for s, t in GOLDEN])
def test_textbook_counterparts_are_direct_strong_links(expert, source, target):
    rows = {(m.source, m.target): m for m in expert.mappings}
    assert (source, target) in rows, f"{source} -> {target} is not a direct expert link"
    row = rows[(source, target)]
    assert row.relationship in ("equal", "subset", "superset"), row
    assert row.strength >= 7, row


def test_every_sr_and_re_has_an_expert_row(frameworks, expert):
    wanted = {r.id for r in frameworks["iec62443-3-3"].requirements if r.kind in ("SR", "RE")}
    assert len(wanted) == 100
    assert {m.source for m in expert.mappings} == wanted


def test_every_target_is_a_live_control_or_enhancement(frameworks, expert):
    controls = frameworks["nist-sp800-53r5"].requirements_by_id()
    for m in expert.mappings:
        target = controls[m.target]
        assert target.kind in ("control", "enhancement"), m
        assert not target.attributes.get("withdrawn"), m
        assert target.assessable, m


def test_rationales_are_written_per_row(expert):
    counts = Counter(m.rationale for m in expert.mappings)
    assert max(counts.values()) <= 3, counts.most_common(3)
    for m in expert.mappings:
        assert "\n" not in m.rationale and len(m.rationale) <= 240, m
        assert m.rationale.endswith("."), m


def test_strength_grades_closeness_not_citations(expert):
    by_relationship: dict[str, list[int]] = {}
    for m in expert.mappings:
        by_relationship.setdefault(m.relationship, []).append(m.strength)
    assert set(by_relationship) == {"equal", "subset", "superset", "intersect"}
    assert min(by_relationship["equal"]) >= 8  # "equal" is kept for the same capability
    assert all(1 <= m.strength <= 9 for m in expert.mappings)  # 10 is for identical controls only
    assert len({m.strength for m in expert.mappings}) >= 5


@pytest.fixture(scope="module")
def shipped_graph(shipped):
    from otcsms.catalogs.crosswalk import CrosswalkGraph, edges_from_mapping_sets

    return CrosswalkGraph(edges_from_mapping_sets(shipped.mapping_sets))


@pytest.mark.parametrize(("source", "target"), GOLDEN, ids=[f"{s}->{t}" for s, t in GOLDEN])
def test_textbook_counterpart_leads_the_sp_800_53_part_of_the_ranked_answer(shipped_graph, source, target):
    """What a compliance lead reads first for SP 800-53 on the requirement page: the counterpart is among the
    first three SP 800-53 controls of the ranked crosswalk."""
    ranked = [r.target[1] for r in shipped_graph.reach_sets(("iec62443-3-3", source)).mapped
              if r.target[0] == "nist-sp800-53r5"]  # fmt: skip
    assert target in ranked[:3], ranked[:5]
