"""The otcsms expert mapping IEC 62443-2-1:2010 -> NIST SP 800-53 Rev. 5: every row names real requirements and
a live control, gives its own short reason, and every clause NIST CSF 1.1 cites has its counterparts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from otcsms.catalogs.libformat import LibraryBatch, MappingSetDoc

SET_ID = "iec62443-2-1-2010_to_nist-sp800-53r5-expert"
WITHDRAWN_TSV = Path(__file__).resolve().parents[2] / "tools" / "library_src" / "sp800-53r5-withdrawn.tsv"


@pytest.fixture(scope="module")
def expert(shipped: LibraryBatch) -> MappingSetDoc:
    return next(ms for ms in shipped.mapping_sets if ms.id == SET_ID)


def test_the_expert_set_says_whose_judgement_it_is(expert):
    assert (expert.source_framework, expert.target_framework) == ("iec62443-2-1-2010", "nist-sp800-53r5")
    assert expert.licence == "Apache-2.0 (otcsms project)"
    assert "expert judgement" in expert.description and "not reviewed by IEC" in expert.description
    assert "NIST" in expert.description.split("not reviewed by", 1)[1]
    assert {m.source_ref for m in expert.mappings} == {"otcsms expert mapping"}


def test_every_expert_row_names_an_existing_clause_and_a_live_control(expert, frameworks):
    clauses = frameworks["iec62443-2-1-2010"].requirements_by_id()
    controls = frameworks["nist-sp800-53r5"].requirements_by_id()
    withdrawn = {
        line.split("\t")[0]
        for line in WITHDRAWN_TSV.read_text("utf-8").splitlines()[1:]
        if line and not line.startswith("#")
    }
    for m in expert.mappings:
        assert m.source in clauses, m
        assert m.target in controls and controls[m.target].kind in ("control", "enhancement"), m
        assert not controls[m.target].attributes.get("withdrawn") and m.target not in withdrawn, m
        assert m.relationship in {"equal", "subset", "superset", "intersect"} and 0 <= m.strength <= 10, m


def test_every_clause_csf_cites_has_expert_counterparts(expert, shipped, frameworks):
    to_csf = next(ms for ms in shipped.mapping_sets if ms.id == "iec62443-2-1-2010_to_nist-csf-1-1")
    cited = {m.source for m in to_csf.mappings}
    verified = {r.id for r in frameworks["iec62443-2-1-2010"].requirements if r.provenance.verified}
    assert len(cited) == 89 and cited <= verified
    assert cited <= {m.source for m in expert.mappings}
    assert len(expert.mappings) >= 200


def test_rationales_are_our_own_short_sentences(expert):
    rationales = [m.rationale for m in expert.mappings]
    assert max(Counter(rationales).values()) <= 3
    for text in rationales:
        assert "\n" not in text and 0 < len(text) <= 240 and text.endswith("."), text
        assert "informative reference" not in text  # not the CSF-derived template


@pytest.mark.parametrize(
    ("clause", "control"),
    [
        ("4.3.3.5.3", "AC-2"),
        ("4.3.3.5.5", "AC-2(3)"),
        ("4.3.3.5.7", "IA-5"),
        ("4.3.3.6.2", "IA-2"),
        ("4.3.3.6.7", "AC-7"),
        ("4.3.3.4", "SC-7"),
        ("4.3.4.3.2", "CM-3"),
        ("4.3.4.3.3", "CM-4"),
        ("4.3.4.5.1", "IR-8"),
        ("4.3.4.5.6", "IR-4"),
        ("4.3.2.4.2", "AT-2"),
        ("4.3.2.4.2", "AT-3"),
        ("4.3.3.2.2", "PS-3"),
        ("4.3.3.3.3", "PE-3"),
        ("4.2.3.9", "RA-3"),
        ("4.3.4.3.9", "CP-9"),
        ("4.3.2.5.3", "CP-2"),
        ("4.3.4.3.8", "SI-3"),
    ],
)
def test_textbook_counterparts_are_mapped_closely(expert, clause, control):
    rows = {(m.source, m.target): m for m in expert.mappings}
    assert rows[(clause, control)].strength >= 6


def test_the_policy_element_maps_to_the_policy_controls_of_each_family(expert, frameworks):
    controls = frameworks["nist-sp800-53r5"].requirements_by_id()
    policy = {m.target: m for m in expert.mappings if m.source == "4.3.2.6"}
    assert set(policy) >= {"AC-1", "AT-1", "CM-1", "CP-1", "IA-1", "IR-1", "PE-1", "PS-1", "RA-1", "SR-1"}
    for control, row in policy.items():
        assert control.endswith("-1") and controls[control].title == "Policy and Procedures"
        assert row.relationship == "intersect" and 4 <= row.strength <= 5  # one topic of a broader element
