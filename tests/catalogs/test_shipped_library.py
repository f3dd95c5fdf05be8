"""The shipped catalogs and crosswalks: valid, complete, consistent, and free of copyrighted text."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from otcsms.catalogs.libformat import FrameworkDoc, LibraryBatch, read_document, shipped_library_paths

REPO = Path(__file__).resolve().parents[2]
IEC_AND_NERC = [
    "iec62443-3-3",
    "iec62443-2-1-2010",
    "iec62443-2-1-2024",
    "iec62443-3-2",
    "iec62443-4-2",
    "nerc-cip",
]


def kinds(fw: FrameworkDoc) -> Counter:
    return Counter(r.kind for r in fw.requirements)


@pytest.fixture(scope="module")
def schema_validator() -> Draft202012Validator:
    text = resources.files("otcsms.catalogs").joinpath("schema", "library.schema.json").read_text("utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.mark.parametrize("path", shipped_library_paths(), ids=lambda p: p.name)
def test_every_shipped_file_validates_against_the_schema(path, schema_validator):
    errors = list(schema_validator.iter_errors(read_document(path)))
    assert errors == []


def test_the_library_ships_every_catalog_and_crosswalk(shipped: LibraryBatch):
    assert {fw.id for fw in shipped.frameworks} == {
        "iec62443-3-3",
        "iec62443-2-1-2010",
        "iec62443-2-1-2024",
        "iec62443-3-2",
        "iec62443-4-2",
        "nist-sp800-53r5",
        "nist-sp800-82r3-overlay",
        "nerc-cip",
        "nist-csf-1-1",
        "nist-csf-2-0",
    }
    pairs = {(ms.source_framework, ms.target_framework) for ms in shipped.mapping_sets}
    assert pairs >= {
        ("iec62443-3-3", "nist-sp800-53r5"),
        ("iec62443-2-1-2010", "nist-sp800-53r5"),
        ("iec62443-2-1-2010", "nist-csf-1-1"),
        ("iec62443-3-3", "iec62443-4-2"),
        ("nist-sp800-82r3-overlay", "nist-sp800-53r5"),
        ("iec62443-3-3", "nerc-cip"),
        ("nist-csf-1-1", "iec62443-3-3"),
        ("nist-csf-1-1", "nist-csf-2-0"),
        ("iec62443-3-3", "nist-csf-2-0"),
        ("iec62443-2-1-2010", "nist-csf-2-0"),
    }


def test_iec62443_3_3_has_7_fr_51_sr_49_re(frameworks):
    fw = frameworks["iec62443-3-3"]
    assert kinds(fw) == {"FR": 7, "SR": 51, "RE": 49}
    by_id = fw.requirements_by_id()
    for req in fw.requirements:
        if req.kind == "RE":
            assert by_id[req.parent].kind == "SR" and req.id.startswith(req.parent + " RE ")
        if req.kind == "SR":
            assert by_id[req.parent].kind == "FR"


def test_iec62443_3_3_sl_selection_totals_and_shape(frameworks):
    fw = frameworks["iec62443-3-3"]
    totals = Counter(level for r in fw.requirements for level in r.attributes.get("sl_selection", ()))
    assert totals == {1: 35, 2: 60, 3: 89, 4: 100}
    by_id = fw.requirements_by_id()
    for req in fw.requirements:
        selection = req.attributes.get("sl_selection", ())
        # Table B.1 selects a requirement from some level upwards, and an RE never before its SR.
        if selection:
            assert list(selection) == list(range(min(selection), 5))
        if req.kind == "RE":
            assert set(selection) <= set(by_id[req.parent].attributes["sl_selection"])
        if req.kind in ("SR", "RE"):
            assert req.attributes["fr"] == int(req.id.split()[1].split(".")[0])


def test_iec62443_3_3_provenance_tells_verified_from_recalled(frameworks):
    by_id = frameworks["iec62443-3-3"].requirements_by_id()
    assert by_id["SR 1.1"].provenance.verified
    assert by_id["SR 1.1 RE 2"].provenance.verified
    assert by_id["SR 3.4"].provenance.verified
    assert not by_id["SR 1.2"].provenance.verified
    assert "recalled" in by_id["SR 1.2"].provenance.note
    assert "verify" in by_id["SR 5.2 RE 1"].provenance.note
    unverified = [r for r in by_id.values() if r.kind != "FR" and not r.provenance.verified]
    assert all(r.provenance.note for r in unverified)


def test_iec62443_2_1_editions(frameworks):
    old, new = frameworks["iec62443-2-1-2010"], frameworks["iec62443-2-1-2024"]
    assert len(old.requirements) == 151
    assert kinds(old) == {"clause": 3, "group": 3, "element": 19, "requirement": 126}
    assert len(new.requirements) == 111
    assert kinds(new) == {"SPE": 8, "element": 16, "requirement": 87}
    assert [lv.name for lv in new.levels] == ["Initial", "Managed", "Defined", "Improving"]
    assert new.level_scheme == "maturity-level"
    assert all(r.attributes["maturity_levels"] == (1, 2, 3, 4) for r in new.requirements if r.assessable)
    assert all(not r.provenance.verified for r in new.requirements)


def test_iec62443_3_2_and_4_2_structure(frameworks):
    zcr = frameworks["iec62443-3-2"]
    assert sum(r.assessable for r in zcr.requirements) == 32
    assert {r.id for r in zcr.requirements if r.parent is None} == {f"ZCR {n}" for n in range(1, 8)}
    component = frameworks["iec62443-4-2"]
    assert kinds(component) == {"FR": 7, "constraint": 4, "CR": 58, "SAR": 2, "EDR": 8, "HDR": 8, "NDR": 12}
    by_id = component.requirements_by_id()
    assert by_id["EDR 2.4"].parent == "CR 2.4"
    assert not by_id["CR 2.4"].assessable and by_id["EDR 2.4"].assessable
    assert by_id["CR 1.6"].assessable and by_id["NDR 1.6"].parent == "CR 1.6"


def test_sp800_53_has_all_1189_controls_and_enhancements(frameworks):
    fw = frameworks["nist-sp800-53r5"]
    counts = kinds(fw)
    assert counts["control"] + counts["enhancement"] == 1189
    assert counts["family"] == 20
    by_id = fw.requirements_by_id()
    assert by_id["AC-2(1)"].parent == "AC-2" and by_id["AC-2"].parent == "AC"
    withdrawn = [r for r in fw.requirements if r.attributes.get("withdrawn")]
    assert len(withdrawn) == 180
    assert not any(r.assessable for r in withdrawn)
    assert sum(1 for r in fw.requirements if r.text) == 370
    baselines = Counter(b for r in fw.requirements for b in r.attributes.get("baselines", ()))
    assert baselines == {"LOW": 149, "MODERATE": 287, "HIGH": 370}
    assert "[Assignment: organization-defined" in by_id["AC-2"].text
    assert "{{" not in "".join(r.text for r in fw.requirements)


def test_sp800_82_overlay_is_189_controls_mapped_one_to_one(frameworks, shipped):
    overlay = frameworks["nist-sp800-82r3-overlay"]
    controls = [r for r in overlay.requirements if r.kind != "family"]
    assert len(controls) == 189
    identity = next(ms for ms in shipped.mapping_sets if ms.source_framework == "nist-sp800-82r3-overlay")
    assert len(identity.mappings) == 189
    assert all(m.source == m.target and m.relationship == "equal" for m in identity.mappings)
    nist = frameworks["nist-sp800-53r5"].requirements_by_id()
    assert all(r.title == nist[r.id].title for r in controls)


def test_nerc_cip_ids_are_built_from_standard_and_version(frameworks):
    fw = frameworks["nerc-cip"]
    standards = [r.id for r in fw.requirements if r.kind == "standard"]
    assert len(standards) == 15 and "CIP-012-1" in standards and "CIP-015-1" in standards
    pattern = re.compile(r"^CIP-0\d\d-[\w.]+ R\d+(\.\d+)?$")
    by_id = fw.requirements_by_id()
    for req in fw.requirements:
        if req.kind == "part":
            assert pattern.match(req.id) and by_id[req.parent].kind == "requirement"
            assert req.id.startswith(req.parent + ".")
        if req.kind == "requirement":
            assert pattern.match(req.id) and by_id[req.parent].kind == "standard"
    assert by_id["CIP-004-7 R4.1"].parent == "CIP-004-7 R4"
    assert not by_id["CIP-004-7 R4"].assessable and by_id["CIP-013-2 R2"].assessable
    assert by_id["CIP-006-6 R1.3"].attributes["impact"] == ("high",)


def test_csf_1_1_has_functions_categories_subcategories(frameworks):
    fw = frameworks["nist-csf-1-1"]
    assert kinds(fw) == {"function": 5, "category": 23, "subcategory": 108}
    assert fw.requirements_by_id()["PR.AC-1"].parent == "PR.AC"


def test_every_mapping_points_to_existing_requirements(shipped, frameworks):
    for ms in shipped.mapping_sets:
        sources = frameworks[ms.source_framework].requirements_by_id()
        targets = frameworks[ms.target_framework].requirements_by_id()
        assert ms.mappings, ms.id
        for m in ms.mappings:
            assert m.source in sources and m.target in targets, (ms.id, m)
            assert not targets[m.target].attributes.get("withdrawn"), (ms.id, m)
        assert len({(m.source, m.target) for m in ms.mappings}) == len(ms.mappings)
        assert all(m.rationale and m.source_ref for m in ms.mappings)


def mapping_set(shipped, source, target, set_id=None):
    """The mapping set between two frameworks; by default the one whose id is `<source>_to_<target>` (the pair
    62443-3-3 -> SP 800-53 has two: the inferred set and the otcsms expert set)."""
    set_id = set_id or f"{source}_to_{target}"
    return next(
        ms
        for ms in shipped.mapping_sets
        if (ms.id, ms.source_framework, ms.target_framework) == (set_id, source, target)
    )


def test_sr_to_800_53_aggregates_csf_and_attack_evidence(shipped):
    rows = {(m.source, m.target): m for m in mapping_set(shipped, "iec62443-3-3", "nist-sp800-53r5").mappings}
    both = rows[("SR 1.1", "IA-2")]
    assert "PR.AC-1" in both.source_ref and "M0804" in both.source_ref
    assert both.relationship == "intersect" and both.strength == 7
    assert rows[("SR 7.8", "CM-8")].strength == 5  # cited under ID.AM-1 and ID.AM-2
    assert {m.relationship for m in rows.values()} == {"intersect"}


def test_62443_3_3_to_4_2_pairs_sr_with_cr(shipped):
    rows = {(m.source, m.target): m for m in mapping_set(shipped, "iec62443-3-3", "iec62443-4-2").mappings}
    # A system requirement covers more than one component's requirement: superset, never equal.
    assert rows[("SR 1.1", "CR 1.1")].relationship == "superset" and rows[("SR 1.1", "CR 1.1")].strength == 8
    assert {m.relationship for m in rows.values()} == {"superset"}
    assert sum(1 for (_, target) in rows if target.startswith("CR ")) == 51
    assert rows[("SR 2.4", "EDR 2.4")].strength == 7
    # Umbrella CRs stated through their component-type variants: the SR -> variant rows name them.
    for sr, variant, umbrella in [
        ("SR 2.4", "SAR 2.4", "CR 2.4"),
        ("SR 3.2", "HDR 3.2", "CR 3.2"),
        ("SR 5.2", "NDR 5.2", "CR 5.2"),
        ("SR 1.13", "NDR 1.13", "CR 1.13"),
    ]:
        assert umbrella in rows[(sr, variant)].rationale
    assert "umbrella" in rows[("SR 2.4", "CR 2.4")].rationale
    assert len(rows) == 63


def test_62443_to_nerc_cip_expert_mapping_covers_the_topics(shipped):
    ms = mapping_set(shipped, "iec62443-3-3", "nerc-cip")
    assert len(ms.mappings) >= 40
    assert {m.source_ref for m in ms.mappings} == {"otcsms expert mapping"}
    pairs = {(m.source, m.target) for m in ms.mappings}
    for pair in [
        ("SR 1.3", "CIP-004-7 R4"),
        ("SR 1.3", "CIP-004-7 R5"),
        ("SR 1.3", "CIP-007-6 R5"),
        ("SR 5.1", "CIP-005-7 R1"),
        ("SR 1.13", "CIP-005-7 R2"),
        ("SR 3.2", "CIP-007-6 R3"),
        ("SR 2.8", "CIP-007-6 R4"),
        ("SR 7.3", "CIP-009-6 R1.3"),
        ("SR 7.6", "CIP-010-4 R1.1"),
        ("SR 4.2", "CIP-011-3 R2.1"),
        ("SR 6.2", "CIP-015-1 R1"),
        ("SR 3.4", "CIP-013-2 R1.2"),
        ("SR 3.3", "CIP-006-6 R3.1"),
        ("SR 6.2", "CIP-008-6 R1.1"),
    ]:
        assert pair in pairs
    program = mapping_set(shipped, "iec62443-2-1-2010", "nerc-cip")
    assert ("4.3.4.5.1", "CIP-008-6 R1") in {(m.source, m.target) for m in program.mappings}


@pytest.mark.parametrize("framework_id", IEC_AND_NERC)
def test_copyrighted_catalogs_carry_no_text_only_short_titles(frameworks, framework_id):
    fw = frameworks[framework_id]
    assert all(r.text == "" for r in fw.requirements)
    assert max(len(r.title) for r in fw.requirements) <= 120
    assert fw.copyright_note


def test_notice_file_carries_the_mitre_notice():
    notice = (REPO / "NOTICE").read_text("utf-8")
    assert "This work is reproduced and distributed with the permission of The MITRE Corporation." in notice


def test_notice_file_credits_the_csf_2_0_oscal_catalog():
    notice = (REPO / "NOTICE").read_text("utf-8")
    assert "NIST_CSF_v2.0_catalog.xml" in notice and "CC0 1.0" in notice
