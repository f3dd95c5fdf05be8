"""SP 800-53 Rev. 4 ids cited by NIST CSF 1.1 that Rev. 5 withdrew: followed through NIST's withdrawal links
(tools/library_src/sp800-53r5-withdrawn.tsv) to the controls that took them over, one step weaker."""

from __future__ import annotations

from pathlib import Path

import pytest

from otcsms.catalogs.libformat import LibraryBatch, MappingSetDoc

REPO = Path(__file__).resolve().parents[2]
WITHDRAWN_TSV = REPO / "tools" / "library_src" / "sp800-53r5-withdrawn.tsv"
STATUSES = {"incorporated-into", "moved-to", "withdrawn"}


@pytest.fixture(scope="module")
def withdrawn_table() -> dict[str, dict[str, str]]:
    lines = [line for line in WITHDRAWN_TSV.read_text("utf-8").splitlines() if not line.startswith("#")]
    header = lines[0].split("\t")
    assert header == ["id", "status", "targets", "nist_href"]
    rows = {}
    for line in lines[1:]:
        cells = line.split("\t")
        assert len(cells) == len(header), line
        row = dict(zip(header, cells, strict=True))
        assert row["id"] not in rows
        rows[row["id"]] = row
    return rows


def mapping_set(shipped: LibraryBatch, set_id: str) -> MappingSetDoc:
    return next(ms for ms in shipped.mapping_sets if ms.id == set_id)


def test_withdrawn_table_names_its_source_and_licence():
    header = [line for line in WITHDRAWN_TSV.read_text("utf-8").splitlines() if line.startswith("#")]
    text = "\n".join(header)
    assert "github.com/usnistgov/oscal-content" in text and "CC0" in text


def test_withdrawn_table_parses_and_every_successor_is_a_live_shipped_control(withdrawn_table, frameworks):
    catalog = frameworks["nist-sp800-53r5"].requirements_by_id()
    families = {r.id for r in catalog.values() if r.kind == "family"}
    for control, row in withdrawn_table.items():
        assert control in catalog, control
        assert row["status"] in STATUSES, row
        targets = [t for t in row["targets"].split(",") if t]
        assert bool(targets) == (row["status"] != "withdrawn"), row
        assert len(row["nist_href"].split(",")) >= len(targets) if targets else row["nist_href"] == ""
        for target in targets:
            assert target in catalog, (control, target)
            assert target in families or not catalog[target].attributes.get("withdrawn"), (control, target)
    # every control the shipped catalog marks withdrawn has its row (NIST withdraws 182; the catalog 180)
    flagged = {r.id for r in catalog.values() if r.attributes.get("withdrawn")}
    assert flagged <= set(withdrawn_table)
    assert len(withdrawn_table) == 182
    assert withdrawn_table["SA-12"]["targets"] == "SR" and withdrawn_table["SA-12"]["nist_href"] == "#sr"
    assert withdrawn_table["SA-18"]["status"] == "moved-to" and withdrawn_table["SA-18"]["targets"] == "SR-9"
    assert withdrawn_table["SC-19"]["status"] == "withdrawn"


def test_sa_12_cited_by_csf_id_sc_reaches_the_sr_family_with_the_hop_recorded(shipped):
    rows = {(m.source, m.target): m for m in mapping_set(shipped, "nist-csf-1-1_to_nist-sp800-53r5").mappings}
    sr_family = [f"SR-{n}" for n in range(1, 13)]
    for sub in ("ID.SC-1", "ID.SC-2", "ID.SC-3", "ID.SC-4"):
        for control in sr_family:
            row = rows[(sub, control)]
            assert row.strength == 5 and row.relationship == "intersect"  # one step below a direct citation
            assert "Rev. 4 SA-12, incorporated into Rev. 5 SR-1..SR-12" in row.rationale
            assert "Rev. 4 SA-12" in row.source_ref and sub in row.source_ref
    for sub, control in (("ID.SC-1", "SA-9"), ("ID.SC-2", "PM-9"), ("ID.SC-3", "SA-11"), ("ID.SC-4", "PS-7")):
        assert rows[(sub, control)].strength == 6  # a direct citation is unchanged
        assert "Rev. 4" not in rows[(sub, control)].rationale
    moved = rows[("DE.DP-2", "SR-9")]
    assert moved.strength == 5 and "Rev. 4 SA-18, moved to Rev. 5 SR-9" in moved.rationale
    assert rows[("PR.PT-1", "AU-5(5)")].strength == 5  # AU-15 of the cited AU family moved to AU-5(5)
    assert rows[("ID.BE-5", "SA-8")].strength == 5  # SA-13 incorporated into SA-8
    assert rows[("ID.RA-4", "RA-9")].strength == 5  # SA-14 incorporated into RA-9
    # SC-19 was withdrawn with no successor: PR.PT-4 keeps only its live citations
    assert not any(source == "PR.PT-4" and target.startswith("SC-19") for source, target in rows)


def test_the_hop_carries_into_the_inferred_62443_sets_one_step_weaker(shipped):
    program = {
        (m.source, m.target): m for m in mapping_set(shipped, "iec62443-2-1-2010_to_nist-sp800-53r5").mappings
    }
    row = program[("4.3.4.2", "SR-3")]  # 4.3.4.2 and SA-12 are both cited under ID.SC-1
    assert row.strength == 3 and "via Rev. 4 SA-12" in row.rationale and "SA-12" in row.source_ref
    assert program[("4.3.4.2", "SA-9")].strength == 4  # direct citation, unchanged
    system = {
        (m.source, m.target): m for m in mapping_set(shipped, "iec62443-3-3_to_nist-sp800-53r5").mappings
    }
    assert system[("SR 6.1", "SR-6")].strength == 3  # SR 6.1 and SA-12 under ID.SC-4
    assert "via Rev. 4 SA-12" in system[("SR 6.1", "SR-6")].rationale


def test_no_mapping_row_names_a_withdrawn_control(shipped, frameworks, withdrawn_table):
    for ms in shipped.mapping_sets:
        for side, framework_id in (("source", ms.source_framework), ("target", ms.target_framework)):
            if framework_id not in ("nist-sp800-53r5", "nist-sp800-82r3-overlay"):
                continue
            catalog = frameworks[framework_id].requirements_by_id()
            for m in ms.mappings:
                control = getattr(m, side)
                assert not catalog[control].attributes.get("withdrawn"), (ms.id, m)
                assert control not in withdrawn_table, (ms.id, m)


def test_notice_credits_the_nist_oscal_content():
    notice = (REPO / "NOTICE").read_text("utf-8")
    assert "usnistgov/oscal-content" in notice and "sp800-53r5-withdrawn.tsv" in notice and "CC0" in notice
