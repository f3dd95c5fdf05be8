"""NIST CSF 2.0: the shipped Core, the otcsms CSF 1.1 -> 2.0 correspondence and the 62443 -> CSF 2.0 sets
composed through it (tools/library_build/csf2.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from otcsms.catalogs.libformat import LibraryBatch, MappingSetDoc

# CSWP 29: the 22 categories and how many subcategories each holds (106 in all).
CSF20_CATEGORIES = {
    "GV.OC": 5, "GV.RM": 7, "GV.RR": 4, "GV.PO": 2, "GV.OV": 3, "GV.SC": 10,
    "ID.AM": 7, "ID.RA": 10, "ID.IM": 4,
    "PR.AA": 6, "PR.AT": 2, "PR.DS": 4, "PR.PS": 6, "PR.IR": 4,
    "DE.CM": 5, "DE.AE": 6,
    "RS.MA": 5, "RS.AN": 4, "RS.CO": 2, "RS.MI": 2,
    "RC.RP": 6, "RC.CO": 2,
}  # fmt: skip
# CSF 1.1 elements that NIST's CSF 2.0 OSCAL catalog still lists, with no status mark, but 2.0 withdrew. The
# subcategories of categories 2.0 kept are the ones a careless reading would ship.
WITHDRAWN_CATEGORIES = ["ID.BE", "ID.GV", "ID.RM", "ID.SC", "PR.AC", "PR.IP", "PR.MA", "PR.PT", "DE.DP",
                        "RS.RP", "RS.IM", "RC.IM"]  # fmt: skip
WITHDRAWN_IN_KEPT_CATEGORIES = [
    "ID.AM-06", "PR.AT-03", "PR.AT-04", "PR.AT-05", "PR.DS-03", "PR.DS-04", "PR.DS-05", "PR.DS-06",
    "PR.DS-07", "PR.DS-08", "DE.AE-01", "DE.AE-05", "DE.CM-04", "DE.CM-05", "DE.CM-07", "DE.CM-08",
    "RS.CO-01", "RS.CO-04", "RS.CO-05", "RS.AN-01", "RS.AN-02", "RS.AN-04", "RS.AN-05", "RS.MI-03",
    "RC.CO-01", "RC.CO-02",
]  # fmt: skip


def mapping_set(shipped: LibraryBatch, source: str, target: str) -> MappingSetDoc:
    return next(
        ms for ms in shipped.mapping_sets if (ms.source_framework, ms.target_framework) == (source, target)
    )


def test_csf_2_0_has_6_functions_22_categories_106_subcategories(frameworks):
    fw = frameworks["nist-csf-2-0"]
    assert Counter(r.kind for r in fw.requirements) == {"function": 6, "category": 22, "subcategory": 106}
    by_id = fw.requirements_by_id()
    assert [r.id for r in fw.children_of(None)] == ["GV", "ID", "PR", "DE", "RS", "RC"]
    categories = Counter(r.parent for r in fw.requirements if r.kind == "subcategory")
    assert categories == CSF20_CATEGORIES
    for req in fw.requirements:
        assert req.assessable == (req.kind == "subcategory")
        assert req.text and req.provenance.verified and "NIST_CSF_v2.0_catalog.xml" in req.provenance.source
        if req.kind == "subcategory":
            assert by_id[req.parent].kind == "category" and req.id.startswith(req.parent + "-")
            assert req.title == req.text  # NIST gives a subcategory no title: its statement is its title
        if req.kind == "category":
            assert by_id[req.parent].kind == "function" and req.id.startswith(req.parent + ".")
    assert by_id["GV.SC-10"].text.startswith("Cybersecurity supply chain risk management plans include")
    assert by_id["PR.AA"].title == "Identity Management, Authentication, and Access Control"
    assert by_id["GV"].title == "Govern"


def test_no_withdrawn_csf_1_1_element_is_shipped_as_current(frameworks):
    ids = frameworks["nist-csf-2-0"].requirement_ids()
    assert not ids & set(WITHDRAWN_CATEGORIES)
    assert not ids & set(WITHDRAWN_IN_KEPT_CATEGORIES)
    assert not any(i.startswith(tuple(c + "-" for c in WITHDRAWN_CATEGORIES)) for i in ids)
    # CSF 2.0 numbers with two digits; a CSF 1.1 id (PR.AC-1) never appears.
    assert all(len(i.split("-")[1]) == 2 for i in ids if "-" in i)


def test_every_csf_1_1_subcategory_has_a_csf_2_0_row_and_every_end_exists(shipped, frameworks):
    ms = mapping_set(shipped, "nist-csf-1-1", "nist-csf-2-0")
    csf11 = frameworks["nist-csf-1-1"].requirements_by_id()
    csf20 = frameworks["nist-csf-2-0"].requirements_by_id()
    subcategories = {i for i, r in csf11.items() if r.kind == "subcategory"}
    assert len(subcategories) == 108
    assert {m.source for m in ms.mappings} == subcategories
    for m in ms.mappings:
        assert csf11[m.source].kind == "subcategory" and csf20[m.target].kind == "subcategory", m
        assert m.source_ref.startswith("otcsms expert mapping; NIST's CSF 2.0 OSCAL catalog")
    # 'equal' means both ask the same thing: one 1.1 outcome, one 2.0 outcome.
    equal = [m for m in ms.mappings if m.relationship == "equal"]
    assert len({m.source for m in equal}) == len({m.target for m in equal}) == len(equal) >= 30
    assert all(m.strength >= 7 for m in equal)
    rows = {(m.source, m.target): m.relationship for m in ms.mappings}
    assert rows[("PR.AC-7", "PR.AA-03")] == "equal" and rows[("PR.IP-11", "GV.RR-04")] == "equal"
    assert rows[("PR.AC-5", "PR.IR-01")] == "subset" and rows[("ID.SC-2", "GV.SC-04")] == "superset"
    assert rows[("RS.RP-1", "RS.MA-01")] == "equal" and rows[("RS.IM-1", "ID.IM-04")] == "subset"


def test_correspondence_rationales_are_written_per_row(shipped, frameworks):
    ms = mapping_set(shipped, "nist-csf-1-1", "nist-csf-2-0")
    rationales = Counter(m.rationale for m in ms.mappings)
    assert max(rationales.values()) <= 3
    csf20 = frameworks["nist-csf-2-0"].requirements_by_id()
    for m in ms.mappings:
        # Our words: never NIST's statement of the target copied in.
        assert csf20[m.target].text.lower() not in m.rationale.lower()
        assert 40 <= len(m.rationale) <= 300


@pytest.mark.parametrize(
    ("framework", "hop_source", "hop_target"),
    [
        ("iec62443-3-3", "nist-csf-1-1", "iec62443-3-3"),
        ("iec62443-2-1-2010", "iec62443-2-1-2010", "nist-csf-1-1"),
    ],
)
def test_62443_to_csf_2_0_rows_are_two_hop_paths_through_equal(
    shipped, frameworks, framework, hop_source, hop_target
):
    derived = mapping_set(shipped, framework, "nist-csf-2-0")
    correspondence = mapping_set(shipped, "nist-csf-1-1", "nist-csf-2-0")
    equal = {m.source: m for m in correspondence.mappings if m.relationship == "equal"}
    reverse = {"equal": "equal", "intersect": "intersect", "subset": "superset", "superset": "subset"}
    expected = {}
    for m in mapping_set(shipped, hop_source, hop_target).mappings:
        if hop_source == "nist-csf-1-1":
            other, csf11, relationship = m.target, m.source, reverse[m.relationship]
        else:
            other, csf11, relationship = m.source, m.target, m.relationship
        if csf11 in equal:
            second = equal[csf11]
            expected[(other, second.target)] = (relationship, min(m.strength, second.strength), csf11)
    assert expected, "no path composes"
    assert {(m.source, m.target) for m in derived.mappings} == set(expected)
    for m in derived.mappings:
        relationship, strength, csf11 = expected[(m.source, m.target)]
        assert (m.relationship, m.strength) == (relationship, strength), m
        # Both hops are named: the CSF 1.1 informative reference and the 1.1 -> 2.0 correspondence.
        assert f"NIST CSF 1.1 informative references {csf11}" in m.source_ref
        assert f"{csf11} = {m.target}" in m.source_ref and csf11 in m.rationale and m.target in m.rationale
    assert frameworks[framework].requirements_by_id().keys() >= {m.source for m in derived.mappings}


def test_62443_3_3_reaches_csf_2_0_authentication_and_backup_in_one_hop(shipped):
    rows = {(m.source, m.target) for m in mapping_set(shipped, "iec62443-3-3", "nist-csf-2-0").mappings}
    assert ("SR 1.1", "PR.AA-03") in rows  # via PR.AC-7 = PR.AA-03
    assert ("SR 7.3", "PR.DS-11") in rows  # via PR.IP-4 = PR.DS-11
    # NIST cites SR 3.1 for PR.AC-5 (network integrity), which is only part of PR.IR-01: no one-hop row.
    assert ("SR 3.1", "PR.IR-01") not in rows
