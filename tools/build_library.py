#!/usr/bin/env python3
"""Build the shipped framework library (src/otcsms/catalogs/library/) from the reference data.

    python tools/build_library.py /work/shared/reference [--out DIR]

The generated files are what ships; this script is how they were made, so a reviewer can check every row
against its source. IEC and NERC catalogs carry identifiers and our own short titles only; NIST text is
public domain and is shipped as NIST wrote it. Hand-written inputs (CSF 1.1 titles, the CSF 1.1 -> 2.0
correspondence, expert NERC mappings)
live in tools/library_src/; the builders live in tools/library_build/.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from library_build import csf2, iec62443, mappings, nerc, nist
from library_build.common import ROOT

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
    references = nist.read_csf_references(ref, sp800_53, dropped)
    fw_3_3 = iec62443.build_iec62443_3_3(ref)
    fr_titles = {r["id"]: r["title"] for r in fw_3_3["framework"]["requirements"] if r["kind"] == "FR"}
    fw_4_2 = iec62443.build_iec62443_4_2(ref, fr_titles)
    overlay = nist.build_sp800_82_overlay(ref, sp800_53)
    csf_1_1 = nist.build_csf_1_1(references)
    csf_2_0 = csf2.read_csf2(ref, csf_1_1)
    csf_1_1_to_3_3 = mappings.build_csf_to_3_3(references)
    iec_2_1_to_csf_1_1 = mappings.build_2_1_to_csf(references)
    csf_1_1_to_2_0 = csf2.build_csf11_to_csf20(csf_2_0, csf_1_1)
    return {
        "iec62443-3-3.yaml": fw_3_3,
        "iec62443-2-1-2010.yaml": iec62443.build_iec62443_2_1_2010(ref),
        "iec62443-2-1-2024.yaml": iec62443.build_iec62443_2_1_2024(ref),
        "iec62443-3-2.yaml": iec62443.build_iec62443_3_2(ref),
        "iec62443-4-2.yaml": fw_4_2,
        "nerc-cip.yaml": nerc.build_nerc_cip(ref),
        "nist-csf-1-1.yaml": csf_1_1,
        "nist-csf-2-0.yaml": csf2.build_csf_2_0(csf_2_0),
        "nist-sp800-53r5.json": nist.build_sp800_53(sp800_53),
        "nist-sp800-82r3-overlay.json": overlay,
        "map-iec62443-3-3_to_nist-sp800-53r5.json": mappings.build_sr_to_800_53(
            references, ref, sp800_53, dropped
        ),
        "map-iec62443-2-1-2010_to_nist-sp800-53r5.json": mappings.build_2_1_to_800_53(references),
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="the reference folder (…/shared/reference)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    documents, dropped = build_all(args.reference)
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
