#!/usr/bin/env python3
"""Build the shipped framework library (src/otcsms/catalogs/library/) from the reference data.

    python tools/build_library.py /work/shared/reference [--out DIR]

The generated files are what ships; this script is how they were made, so a reviewer can check every row
against its source. IEC and NERC catalogs carry identifiers and our own short titles only; NIST text is
public domain and is shipped as NIST wrote it. Hand-written inputs (CSF 1.1 titles, the CSF 1.1 -> 2.0
correspondence, the expert mappings to NERC CIP and to SP 800-53, NIST's SP 800-53 Rev. 5 withdrawal table, the
guidance per 62443 requirement) live in tools/library_src/; the builders live in tools/library_build/.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from library_build import csf2, expert, expert_2_1, iec62443, mappings, nerc, nist
from library_build.common import ROOT, mark_verified

from otcsms.catalogs import libformat

DEFAULT_OUT = ROOT / "src" / "otcsms" / "catalogs" / "library"


def write_document(out: Path, name: str, document: dict[str, Any]) -> Path:
    path = out / name
    if name.endswith(".json"):
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", "utf-8")
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
        path.write_text(text, "utf-8")
    return path


def build_all(ref: Path) -> tuple[dict[str, dict[str, Any]], dict[str, set[str]]]:
    """File name -> library document, and the cited SP 800-53 ids dropped (with why)."""
    dropped: dict[str, set[str]] = {}
    sp800_53 = nist.read_nist(ref)
    for control in nist.withdrawn_but_live(sp800_53):
        print(
            f"note: NIST's OSCAL catalog withdraws SP 800-53 {control}; the titles file lists it as live",
            file=sys.stderr,
        )
    references = nist.read_csf_references(ref, sp800_53, dropped)
    fw_3_3 = iec62443.build_iec62443_3_3(ref)
    fr_titles = {r["id"]: r["title"] for r in fw_3_3["framework"]["requirements"] if r["kind"] == "FR"}
    fw_4_2 = iec62443.build_iec62443_4_2(ref, fr_titles)
    overlay = nist.build_sp800_82_overlay(ref, sp800_53)
    fw_800_53 = nist.build_sp800_53(sp800_53)
    fw_2_1_2010 = iec62443.build_iec62443_2_1_2010(ref)
    csf_1_1 = nist.build_csf_1_1(references)
    csf_2_0 = csf2.read_csf2(ref, csf_1_1)
    csf_1_1_to_3_3 = mappings.build_csf_to_3_3(references)
    iec_2_1_to_csf_1_1 = mappings.build_2_1_to_csf(references)
    csf_1_1_to_2_0 = csf2.build_csf11_to_csf20(csf_2_0, csf_1_1)
    return {
        "iec62443-3-3.yaml": fw_3_3,
        "iec62443-2-1-2010.yaml": fw_2_1_2010,
        "iec62443-2-1-2024.yaml": iec62443.build_iec62443_2_1_2024(ref),
        "iec62443-3-2.yaml": iec62443.build_iec62443_3_2(ref),
        "iec62443-4-2.yaml": fw_4_2,
        "nerc-cip.yaml": nerc.build_nerc_cip(ref),
        "nist-csf-1-1.yaml": csf_1_1,
        "nist-csf-2-0.yaml": csf2.build_csf_2_0(csf_2_0),
        "nist-sp800-53r5.json": fw_800_53,
        "nist-sp800-82r3-overlay.json": overlay,
        "map-iec62443-3-3_to_nist-sp800-53r5.json": mappings.build_sr_to_800_53(
            references, ref, sp800_53, dropped
        ),
        "map-iec62443-3-3_to_nist-sp800-53r5-expert.yaml": expert.build_expert_3_3_to_800_53(
            fw_3_3, fw_800_53
        ),
        "map-iec62443-2-1-2010_to_nist-sp800-53r5.json": mappings.build_2_1_to_800_53(references),
        "map-iec62443-2-1-2010_to_nist-sp800-53r5-expert.yaml": expert_2_1.build_expert_2_1_to_800_53(
            fw_2_1_2010, sp800_53, references
        ),
        "map-iec62443-2-1-2010_to_nist-csf-1-1.json": iec_2_1_to_csf_1_1,
        "map-nist-csf-1-1_to_iec62443-3-3.json": csf_1_1_to_3_3,
        "map-nist-csf-1-1_to_nist-csf-2-0.yaml": csf_1_1_to_2_0,
        "map-iec62443-3-3_to_nist-csf-2-0.json": csf2.build_via_csf11(
            csf_1_1_to_3_3, csf_1_1_to_2_0, "iec62443-3-3", "IEC 62443-3-3"
        ),
        "map-iec62443-2-1-2010_to_nist-csf-2-0.json": csf2.build_via_csf11(
            iec_2_1_to_csf_1_1, csf_1_1_to_2_0, "iec62443-2-1-2010", "IEC 62443-2-1:2010"
        ),
        "map-nist-csf-1-1_to_nist-sp800-53r5.json": mappings.build_csf_to_800_53(references),
        "map-iec62443-3-3_to_iec62443-4-2.yaml": mappings.build_3_3_to_4_2(fw_3_3, fw_4_2),
        "map-nist-sp800-82r3-overlay_to_nist-sp800-53r5.json": mappings.build_overlay_identity(overlay),
        "map-iec62443-3-3_to_nerc-cip.yaml": mappings.build_expert_nerc(
            "iec62443-3-3", "iec62443-3-3_nerc-cip.tsv", "IEC 62443-3-3"
        ),
        "map-iec62443-2-1-2010_to_nerc-cip.yaml": mappings.build_expert_nerc(
            "iec62443-2-1-2010", "iec62443-2-1-2010_nerc-cip.tsv", "IEC 62443-2-1:2010"
        ),
    }, dropped


# Sets that transcribe a published list: the build reads each row from that list, so each is verified against
# it. Every other set (co-citation inferences, expert judgements) ships unverified, as the review queue.
TRANSCRIBED = {
    "map-nist-csf-1-1_to_iec62443-3-3.json": "NIST CSF 1.1 informative references (transcribed by the build)",
    "map-nist-csf-1-1_to_nist-sp800-53r5.json": "NIST CSF 1.1 informative references (transcribed by the build)",
    "map-iec62443-2-1-2010_to_nist-csf-1-1.json": "NIST CSF 1.1 informative references (transcribed by the build)",
}


# A shipped version never changes once loaded (the loader refuses other content under a loaded version), so a
# document whose content changed after a release gets a new version here. Revision 2 (issue 9): every mapping
# row says whether it was verified; 62443-3-3 flags its doubtful SL cells; the CSF-derived sets follow the
# Rev. 4 -> Rev. 5 withdrawal links; 62443-3-3 -> 4-2 reads SR superset of CR. Issue 10: the assessable rows of
# 62443-3-3 and 62443-2-1 (both editions) carry otcsms guidance (the 3-3 revision 2 was not released before it).
REVISED = {
    **dict.fromkeys(
        [
            "map-iec62443-2-1-2010_to_nerc-cip.yaml",
            "map-iec62443-2-1-2010_to_nist-csf-1-1.json",
            "map-iec62443-2-1-2010_to_nist-sp800-53r5.json",
            "map-iec62443-3-3_to_iec62443-4-2.yaml",
            "map-iec62443-3-3_to_nerc-cip.yaml",
            "map-iec62443-3-3_to_nist-sp800-53r5.json",
            "map-nist-csf-1-1_to_iec62443-3-3.json",
            "map-nist-csf-1-1_to_nist-sp800-53r5.json",
            "map-nist-sp800-82r3-overlay_to_nist-sp800-53r5.json",
        ],
        "2",
    ),
    "iec62443-3-3.yaml": "2013-r2",
    "iec62443-2-1-2010.yaml": "2010-r2",
    "iec62443-2-1-2024.yaml": "2024-r2",
}


def revise(documents: dict[str, dict[str, Any]]) -> None:
    for name, version in REVISED.items():
        document = documents[name]
        document[document["kind"]]["version"] = version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="the reference folder (…/shared/reference)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    documents, dropped = build_all(args.reference)
    for name, reviewer in TRANSCRIBED.items():
        mark_verified(documents[name], reviewer)
    revise(documents)
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in args.out.iterdir():
        if (
            stale.is_file()
            and stale.name.endswith(libformat.LIBRARY_SUFFIXES)
            and stale.name not in documents
        ):
            stale.unlink()
    paths = [write_document(args.out, name, document) for name, document in documents.items()]
    batch = libformat.load_batch(paths)  # the shipped files must pass the same checks as any user import
    for fw in batch.frameworks:
        assessable = sum(r.assessable for r in fw.requirements)
        print(f"framework {fw.id:28} {len(fw.requirements):5} nodes, {assessable:5} assessable")
    for ms in batch.mapping_sets:
        print(f"mapping   {ms.id:50} {len(ms.mappings):5} rows")
    for control, reasons in sorted(dropped.items()):
        print(f"dropped SP 800-53 id {control}: {'; '.join(sorted(reasons))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
