"""NIST catalogs: SP 800-53 Rev. 5 (with statements and baselines), the SP 800-82 Rev. 3 OT overlay and CSF 1.1."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
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
from otcsms.catalogs import libformat, oscal

WITHDRAWN_FILE = HAND_WRITTEN / "sp800-53r5-withdrawn.tsv"
WITHDRAWAL_VERBS = {"incorporated-into": "incorporated into", "moved-to": "moved to"}


@dataclass(frozen=True)
class Withdrawal:
    """A control withdrawn in SP 800-53 Rev. 5 and the live Rev. 5 controls NIST says took it over."""

    control: str
    status: str  # incorporated-into | moved-to | withdrawn (no successor)
    successors: tuple[str, ...]  # live Rev. 5 ids; a family link expanded to the family's base controls
    named: str  # the successors as NIST names them, short: "SR-1..SR-12", "SA-8", "MP-4, SC-28"

    def hop(self) -> str:
        """'Rev. 4 SA-12, incorporated into Rev. 5 SR-1..SR-12'."""
        return f"Rev. 4 {self.control}, {WITHDRAWAL_VERBS[self.status]} Rev. 5 {self.named}"


@dataclass
class Nist80053:
    """What the reference files say about SP 800-53 Rev. 5, read once and shared by the builders."""

    titles: list[dict[str, str]]
    family_titles: dict[str, str]
    statements: dict[str, str]
    baselines: dict[str, list[str]]
    withdrawals: dict[str, Withdrawal] = field(default_factory=dict)

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
    nist = Nist80053(titles, family_titles, statements, dict(baselines))
    nist.withdrawals = read_withdrawals(nist)
    return nist


def read_withdrawals(nist: Nist80053) -> dict[str, Withdrawal]:
    """NIST's withdrawal links (tools/library_src/sp800-53r5-withdrawn.tsv), resolved to live Rev. 5 ids.

    A family target ('SR') stands for the family's base controls; a target that is itself withdrawn is
    followed to its own successors. Every id the titles file marks withdrawn must be in the table.
    """
    rows = {row["id"]: row for row in read_tsv(WITHDRAWN_FILE)}
    titles = nist.title_of()
    live = nist.live_ids()
    flagged = {row["id"] for row in nist.titles if row["withdrawn"]}
    if flagged - set(rows):
        raise SystemExit(
            f"withdrawn in the titles file but not in {WITHDRAWN_FILE.name}: {sorted(flagged - set(rows))}"
        )
    families = {row["family"] for row in nist.titles}

    def resolve(target: str, seen: tuple[str, ...]) -> list[str]:
        if target in families:
            return [
                r["id"]
                for r in nist.titles
                if r["family"] == target and "(" not in r["id"] and r["id"] in live
            ]
        if target not in titles:
            raise SystemExit(f"{WITHDRAWN_FILE.name}: unknown successor {target} of {seen[-1]}")
        if target in live and target not in rows:
            return [target]
        if target in seen:
            raise SystemExit(f"{WITHDRAWN_FILE.name}: withdrawal cycle {(*seen, target)}")
        return [c for t in split_list(rows[target]["targets"]) for c in resolve(t, (*seen, target))]

    withdrawals = {}
    for control, row in rows.items():
        if row["status"] not in (*WITHDRAWAL_VERBS, "withdrawn"):
            raise SystemExit(f"{WITHDRAWN_FILE.name}: {control}: unknown status {row['status']!r}")
        targets = split_list(row["targets"])
        if (row["status"] == "withdrawn") != (not targets):
            raise SystemExit(f"{WITHDRAWN_FILE.name}: {control}: status and targets disagree")
        successors = tuple(dict.fromkeys(c for t in targets for c in resolve(t, (control,))))
        named = ", ".join(family_range(resolve(t, (control,))) if t in families else t for t in targets)
        withdrawals[control] = Withdrawal(control, row["status"], successors, named)
    return withdrawals


def family_range(controls: list[str]) -> str:
    """'SR-1..SR-12' for the base controls of a family, in NIST's order."""
    return f"{controls[0]}..{controls[-1]}"


def withdrawn_but_live(nist: Nist80053) -> list[str]:
    """Ids NIST's OSCAL catalog withdraws that the titles file still lists as live controls."""
    return sorted(set(nist.withdrawals) & nist.live_ids(), key=libformat.version_sort_key)


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
    # Rev. 5 controls of sp800_53 reached only through the withdrawal of a cited Rev. 4 id, with that withdrawal.
    hops: dict[str, list[Withdrawal]] = field(default_factory=dict)

    def hop_text(self, control: str) -> str:
        """'' for a direct citation, else 'Rev. 4 SA-12, incorporated into Rev. 5 SR-1..SR-12'."""
        return "; ".join(w.hop() for w in self.hops.get(control, []))


def read_csf_references(ref: Path, nist: Nist80053, dropped: dict[str, set[str]]) -> list[CsfReference]:
    references = []
    for row in read_tsv(ref / "crosswalks" / "csf11_isa62443_informative_refs.tsv"):
        controls, hops = expand_rev4_controls(row["nist_sp800_53r4"], nist, dropped)
        references.append(
            CsfReference(
                row["csf11_subcategory"],
                split_list(row["isa_62443_2_1_2009"]),
                split_list(row["isa_62443_3_3_2013"]),
                controls,
                hops,
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


def expand_rev4_controls(
    cell: str, nist: Nist80053, dropped: dict[str, set[str]]
) -> tuple[list[str], dict[str, list[Withdrawal]]]:
    """Rev. 5 controls for the Rev. 4 ids NIST CSF 1.1 cites: the same id where it is a live Rev. 5 control;
    for an id Rev. 5 withdrew, the controls NIST incorporated it into or moved it to (returned in the second
    value with the withdrawal, unless the control is also cited directly). Ids with no successor are dropped."""
    live = nist.live_ids()
    cited: list[str] = []
    for item in split_list(cell):
        if item == "AU family":
            cited += [r["id"] for r in nist.titles if r["family"] == "AU" and "(" not in r["id"]]
        elif item == "-1 controls from all families":
            cited += [f"{family}-1" for family in REV4_FAMILIES]
        else:
            cited.append(item)
    cited = list(dict.fromkeys(cited))
    direct = [c for c in cited if c in live]
    controls = list(direct)
    hops: dict[str, list[Withdrawal]] = {}
    for control in cited:
        if control in live:
            continue
        withdrawal = nist.withdrawals.get(control)
        if withdrawal is None or not withdrawal.successors:
            reason = "withdrawn in Rev. 5 with no successor" if withdrawal else "not a Rev. 5 control"
            dropped.setdefault(control, set()).add(reason)
            continue
        for successor in withdrawal.successors:
            if successor in direct:
                continue
            if successor not in hops:
                controls.append(successor)
            hops.setdefault(successor, []).append(withdrawal)
    return controls, hops


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
