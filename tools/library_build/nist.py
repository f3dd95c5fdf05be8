"""NIST catalogs: SP 800-53 Rev. 5 (with statements and baselines), the SP 800-82 Rev. 3 OT overlay and CSF 1.1."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from library_build.common import (
    HAND_WRITTEN,
    OTCSMS_LICENCE,
    framework_document,
    provenance,
    read_tsv,
    requirement,
    split_list,
)
from otcsms.catalogs import oscal


@dataclass
class Nist80053:
    """What the reference files say about SP 800-53 Rev. 5, read once and shared by the builders."""

    titles: list[dict[str, str]]
    family_titles: dict[str, str]
    statements: dict[str, str]
    baselines: dict[str, list[str]]

    def live_ids(self) -> set[str]:
        return {row["id"] for row in self.titles if not row["withdrawn"]}

    def title_of(self) -> dict[str, str]:
        return {row["id"]: row["title"] for row in self.titles}


# Families with no control in the HIGH catalog file; names as NIST writes them.
EXTRA_FAMILY_TITLES = {"PM": "Program Management", "PT": "PII Processing and Transparency"}


def read_nist(ref: Path) -> Nist80053:
    nist = ref / "nist"
    titles = read_tsv(nist / "sp800-53r5-control-titles.tsv")
    catalog = json.loads(
        (nist / "NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json").read_text()
    )
    family_titles = {g["id"].upper(): g["title"] for g in catalog["catalog"]["groups"]} | EXTRA_FAMILY_TITLES
    statements = high_catalog_statements(catalog)
    baselines: dict[str, list[str]] = defaultdict(list)
    for level in ("LOW", "MODERATE", "HIGH"):
        profile = json.loads((nist / f"NIST_SP-800-53_rev5_{level}-baseline_profile-min.json").read_text())
        name, ids = oscal.oscal_profile_to_selection(profile)
        if oscal.profile_baseline_name(name) != level:
            raise SystemExit(f"profile {name!r} is not the {level} baseline")
        for control_id in ids:
            baselines[control_id].append(level)
    known = {row["id"] for row in titles}
    missing = (set(statements) | set(baselines)) - known
    if missing:
        raise SystemExit(f"controls in the OSCAL files but not in the titles file: {sorted(missing)}")
    return Nist80053(titles, family_titles, statements, dict(baselines))


def high_catalog_statements(catalog: dict[str, Any]) -> dict[str, str]:
    """Statement text per control label ('AC-2(1)') from the resolved HIGH catalog."""
    framework = oscal.oscal_catalog_to_framework(catalog, framework_id="nist-sp800-53r5-high")
    return {r.id: r.text for r in framework.requirements if r.kind in ("control", "enhancement") and r.text}


def nist_control_rows(nist: Nist80053, include: set[str] | None, source: str) -> list[dict[str, Any]]:
    """Family nodes, then controls under their family and enhancements under their base control."""
    wanted = [row for row in nist.titles if include is None or row["id"] in include]
    families = list(dict.fromkeys(row["family"] for row in wanted))
    rows = [
        requirement(
            fam, None, nist.family_titles[fam], "family", False, order, provenance=provenance(source, True)
        )
        for order, fam in enumerate(families)
    ]
    present = {row["id"] for row in wanted}
    for row in wanted:
        base = row["id"].split("(")[0]
        enhancement = "(" in row["id"]
        parent = base if enhancement and base in present else row["family"]
        attributes: dict[str, Any] = {}
        if row["withdrawn"]:
            attributes["withdrawn"] = True
        if row["id"] in nist.baselines:
            attributes["baselines"] = nist.baselines[row["id"]]
        rows.append(
            requirement(
                row["id"],
                parent,
                row["title"],
                "enhancement" if enhancement else "control",
                not row["withdrawn"],
                len(rows),
                text=nist.statements.get(row["id"], ""),
                attributes=attributes,
            )
        )
    return rows


def build_sp800_53(nist: Nist80053) -> dict[str, Any]:
    source = "NIST SP 800-53 Rev. 5.1.1 (reference/nist titles file, HIGH resolved OSCAL catalog, baseline profiles)"
    return framework_document(
        {
            "id": "nist-sp800-53r5",
            "name": "NIST SP 800-53 Rev. 5 Security and Privacy Controls for Information Systems and Organizations",
            "version": "5.1.1",
            "publisher": "NIST",
            "licence": "Public domain (US Government work); NIST OSCAL content CC0",
            "description": (
                "All 1,189 controls and control enhancements of SP 800-53 Rev. 5 under their 20 families; "
                "withdrawn ones are kept with attributes.withdrawn and are not assessable. Statement text is "
                "included for the 370 controls of the HIGH baseline; import NIST's full OSCAL catalog for the rest. "
                "attributes.baselines lists the SP 800-53B baselines (LOW, MODERATE, HIGH) selecting each control."
            ),
            "provenance": provenance(source, True),
        },
        nist_control_rows(nist, None, source),
    )


def build_sp800_82_overlay(ref: Path, nist: Nist80053) -> dict[str, Any]:
    ids_file = ref / "nist" / "sp800-82r3-ot-overlay-control-ids.txt"
    overlay_ids = [line.strip() for line in ids_file.read_text().splitlines() if line.strip()]
    titles = nist.title_of()
    for row in read_tsv(ref / "nist" / "extra-control-titles.tsv"):
        if not titles[row["id"]].endswith(row["title"]):
            raise SystemExit(f"title of {row['id']} differs between the reference files")
    unknown = [i for i in overlay_ids if i not in titles]
    if unknown or len(set(overlay_ids)) != len(overlay_ids):
        raise SystemExit(f"overlay ids unknown or repeated: {unknown}")
    source = (
        "NIST SP 800-82 Rev. 3 Appendix F OT overlay (reference/nist/sp800-82r3-ot-overlay-control-ids.txt)"
    )
    return framework_document(
        {
            "id": "nist-sp800-82r3-overlay",
            "name": "NIST SP 800-82 Rev. 3 OT overlay of SP 800-53 Rev. 5",
            "version": "3",
            "publisher": "NIST",
            "licence": "Public domain (US Government work)",
            "description": (
                "The SP 800-53 Rev. 5 controls that the SP 800-82 Rev. 3 OT overlay (Appendix F) tailors, with "
                "SP 800-53 titles, statements where known and baselines. The overlay's OT-specific guidance is not "
                "included. Each control maps one-to-one to the same control of nist-sp800-53r5."
            ),
            "provenance": provenance(
                source,
                False,
                "overlay membership from the reference id list; verify against SP 800-82r3 Appendix F",
            ),
        },
        nist_control_rows(nist, set(overlay_ids), source),
    )


@dataclass
class CsfReference:
    subcategory: str
    isa_2_1: list[str]
    isa_3_3: list[str]
    sp800_53: list[str]


def read_csf_references(ref: Path, nist: Nist80053, dropped: dict[str, set[str]]) -> list[CsfReference]:
    references = []
    for row in read_tsv(ref / "crosswalks" / "csf11_isa62443_informative_refs.tsv"):
        controls = expand_rev4_controls(row["nist_sp800_53r4"], nist, dropped)
        references.append(
            CsfReference(
                row["csf11_subcategory"],
                split_list(row["isa_62443_2_1_2009"]),
                split_list(row["isa_62443_3_3_2013"]),
                controls,
            )
        )
    return references


REV4_FAMILIES = [
    "AC",
    "AT",
    "AU",
    "CA",
    "CM",
    "CP",
    "IA",
    "IR",
    "MA",
    "MP",
    "PE",
    "PL",
    "PS",
    "RA",
    "SA",
    "SC",
    "SI",
    "PM",
]


def expand_rev4_controls(cell: str, nist: Nist80053, dropped: dict[str, set[str]]) -> list[str]:
    """Rev. 4 ids as NIST CSF 1.1 cites them, kept where the same id is a live Rev. 5 control."""
    live = nist.live_ids()
    controls: list[str] = []
    for item in split_list(cell):
        if item == "AU family":
            controls += [r["id"] for r in nist.titles if r["family"] == "AU" and "(" not in r["id"]]
        elif item == "-1 controls from all families":
            controls += [f"{family}-1" for family in REV4_FAMILIES]
        else:
            controls.append(item)
    kept = [c for c in dict.fromkeys(controls) if c in live]
    for control in set(controls) - set(kept):
        dropped.setdefault(control, set()).add("not a live Rev. 5 control")
    return kept


def build_csf_1_1(references: list[CsfReference]) -> dict[str, Any]:
    titles = read_tsv(HAND_WRITTEN / "csf11-titles.tsv")
    subcategories = {r["id"] for r in titles if r["kind"] == "subcategory"}
    if subcategories != {ref.subcategory for ref in references}:
        raise SystemExit("CSF 1.1 subcategories of the titles file and the crosswalk differ")
    rows = []
    for order, row in enumerate(titles):
        parent = {
            "function": None,
            "category": row["id"].split(".")[0],
            "subcategory": row["id"].split("-")[0],
        }
        rows.append(
            requirement(
                row["id"], parent[row["kind"]], row["title"], row["kind"], row["kind"] == "subcategory", order
            )
        )
    return framework_document(
        {
            "id": "nist-csf-1-1",
            "name": "NIST Cybersecurity Framework 1.1",
            "version": "1.1",
            "publisher": "NIST",
            "licence": "Public domain (US Government work); subcategory titles by otcsms, " + OTCSMS_LICENCE,
            "description": (
                "Functions, categories and the 108 subcategories of the Framework Core (NIST CSWP 04162018). "
                "Function and category names are NIST's; subcategory titles are short otcsms paraphrases."
            ),
            "provenance": provenance(
                "NIST CSWP 04162018 Framework Core; ids from reference/crosswalks/csf11_isa62443_informative_refs.tsv",
                True,
                "subcategory titles are otcsms paraphrases",
            ),
        },
        rows,
    )
