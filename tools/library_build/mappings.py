"""Mapping sets: inferred from the NIST CSF 1.1 informative references and MITRE ATT&CK for ICS, derived from
62443 numbering, the SP 800-82 overlay identity, and the otcsms expert mappings to NERC CIP."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from library_build.common import (
    ATTACK_NOTICE,
    HAND_WRITTEN,
    OTCSMS_LICENCE,
    mapping_set_document,
    read_tsv,
    split_list,
)
from library_build.iec62443 import COMPONENT_TYPES
from library_build.nist import CsfReference, Nist80053
from otcsms.catalogs import libformat


@dataclass
class PairEvidence:
    """Why two requirements are linked, gathered from every source before one row is written per pair."""

    csf: list[str] = field(default_factory=list)
    attack: list[str] = field(default_factory=list)
    # CSF subcategory -> how its SP 800-53 citation reaches the control when NIST CSF cites a Rev. 4 id that
    # Rev. 5 withdrew ('Rev. 4 SA-12, incorporated into Rev. 5 SR-1..SR-12'); such a citation is one step weaker.
    hops: dict[str, str] = field(default_factory=dict)

    def add_csf(self, reference: CsfReference, control: str) -> None:
        self.csf.append(reference.subcategory)
        hop = reference.hop_text(control)
        if hop:
            self.hops[reference.subcategory] = hop

    def strength(self, csf_base: int) -> int:
        bases = [csf_base - (1 if sub in self.hops else 0) for sub in self.csf] + [6] * len(self.attack)
        # Several independent sources naming the same pair make the link more credible, by one step.
        return min(10, max(bases) + (1 if len(bases) > 1 else 0))

    def hop_note(self) -> str:
        """' (the SP 800-53 side via Rev. 4 SA-12, incorporated into Rev. 5 SR-1..SR-12)', naming the
        subcategories when only some of them reach the control this way; '' for direct citations only."""
        by_hop: dict[str, list[str]] = defaultdict(list)
        for sub, hop in self.hops.items():
            by_hop[hop].append(sub)
        return "".join(
            f" (the SP 800-53 side via {hop})"
            if len(subs) == len(self.csf)
            else f" ({', '.join(subs)}: the SP 800-53 side via {hop})"
            for hop, subs in by_hop.items()
        )

    def rationale(self) -> str:
        parts = []
        if self.csf:
            noun = "subcategory" if len(self.csf) == 1 else "subcategories"
            parts.append(
                f"Both are informative references of NIST CSF 1.1 {noun} {', '.join(self.csf)}{self.hop_note()}"
            )
        if self.attack:
            noun = "mitigation" if len(self.attack) == 1 else "mitigations"
            lead = "both" if parts else "Both"
            parts.append(f"{lead} are listed for MITRE ATT&CK for ICS {noun} {', '.join(self.attack)}")
        return (
            "; ".join(parts)
            + ", so they address overlapping outcomes (an inferred link, not an equivalence)."
        )

    def source_ref(self) -> str:
        refs = []
        if self.csf:
            refs.append("NIST CSF 1.1 informative references " + ", ".join(self.csf))
        if self.hops:
            refs.append(WITHDRAWAL_REF + "; ".join(dict.fromkeys(self.hops.values())))
        if self.attack:
            refs.append("MITRE ATT&CK for ICS " + ", ".join(self.attack))
        return "; ".join(refs)


WITHDRAWAL_REF = "NIST SP 800-53 Rev. 5 withdrawal links (OSCAL catalog): "


def derived_set_fields(
    set_id: str, source: str, target: str, name: str, description: str, licence: str
) -> dict:
    return {
        "id": set_id,
        "name": name,
        "version": "1",
        "source_framework": source,
        "target_framework": target,
        "licence": licence,
        "description": description,
    }


CSF_LICENCE = OTCSMS_LICENCE + "; derived from NIST CSF 1.1 informative references (public domain)"
INFERENCE_NOTE = (
    " Each row is an inference: 'intersect' with strength 4 when both requirements are cited under the same CSF "
    "subcategory, 6 when both are listed for the same MITRE ATT&CK for ICS mitigation, one step more when "
    "several sources name the same pair."
)
REV4_NOTE = (
    " NIST CSF 1.1 cites SP 800-53 Rev. 4 ids: an id that is a live Rev. 5 control is kept; an id Rev. 5 withdrew "
    "is replaced by the controls NIST incorporated it into or moved it to (the SP 800-53 Rev. 5 OSCAL withdrawal "
    "links), one step weaker, with the hop named in the row; an id withdrawn with no successor is dropped."
)


def rows_from_evidence(pairs: dict[tuple[str, str], PairEvidence], csf_base: int) -> list[tuple]:
    return [
        (
            source,
            target,
            "intersect",
            evidence.strength(csf_base),
            evidence.rationale(),
            evidence.source_ref(),
        )
        for (source, target), evidence in sorted(pairs.items(), key=lambda item: natural_pair(item[0]))
    ]


def natural_pair(pair: tuple[str, str]) -> tuple:
    return tuple(libformat.version_sort_key(part) for part in pair)


def build_sr_to_800_53(references: list[CsfReference], ref: Path, nist: Nist80053, dropped: dict) -> dict:
    pairs: dict[tuple[str, str], PairEvidence] = defaultdict(PairEvidence)
    for reference in references:
        for sr in reference.isa_3_3:
            for control in reference.sp800_53:
                pairs[(sr, control)].add_csf(reference, control)
    live = nist.live_ids()
    for row in read_tsv(ref / "crosswalks" / "attack-ics-mitigations_62443_80053.tsv"):
        label = f"{row['mitigation_id']} {row['mitigation_name']}"
        for control in split_list(row["nist_800_53r5"]):
            if control not in live:
                dropped.setdefault(control, set()).add(
                    f"ATT&CK {row['mitigation_id']}: not a live Rev. 5 control"
                )
                continue
            for sr in split_list(row["iec62443_3_3_sr"]):
                pairs[(sr, control)].attack.append(label)
    description = (
        "IEC 62443-3-3 system requirements linked to SP 800-53 Rev. 5 controls through the NIST CSF 1.1 "
        "informative references and through MITRE ATT&CK for ICS mitigations."
        + INFERENCE_NOTE
        + REV4_NOTE
        + " "
        + ATTACK_NOTICE
    )
    return mapping_set_document(
        derived_set_fields(
            "iec62443-3-3_to_nist-sp800-53r5",
            "iec62443-3-3",
            "nist-sp800-53r5",
            "IEC 62443-3-3 to NIST SP 800-53 Rev. 5 (via CSF 1.1 and ATT&CK for ICS)",
            description,
            CSF_LICENCE + "; includes data derived from MITRE ATT&CK for ICS (see NOTICE)",
        ),
        rows_from_evidence(pairs, 4),
    )


def build_2_1_to_800_53(references: list[CsfReference]) -> dict:
    pairs: dict[tuple[str, str], PairEvidence] = defaultdict(PairEvidence)
    for reference in references:
        for clause in reference.isa_2_1:
            for control in reference.sp800_53:
                pairs[(clause, control)].add_csf(reference, control)
    description = (
        "IEC 62443-2-1:2010 clauses linked to SP 800-53 Rev. 5 controls cited under the same NIST CSF 1.1 "
        "subcategory." + INFERENCE_NOTE + REV4_NOTE + " The otcsms expert mapping between the same two "
        "frameworks (iec62443-2-1-2010_to_nist-sp800-53r5-expert) links clauses and controls by what they ask."
    )
    return mapping_set_document(
        derived_set_fields(
            "iec62443-2-1-2010_to_nist-sp800-53r5",
            "iec62443-2-1-2010",
            "nist-sp800-53r5",
            "IEC 62443-2-1:2010 to NIST SP 800-53 Rev. 5 (via CSF 1.1)",
            description,
            CSF_LICENCE,
        ),
        rows_from_evidence(pairs, 4),
    )


def direct_reference_rows(references: list[CsfReference], column: str, csf_is_source: bool) -> list[tuple]:
    rows = []
    for reference in references:
        for cited in getattr(reference, column):
            rationale = f"NIST CSF 1.1 cites {cited} as an informative reference for subcategory {reference.subcategory}."
            source_ref = f"NIST CSF 1.1 informative references {reference.subcategory}"
            pair = (reference.subcategory, cited) if csf_is_source else (cited, reference.subcategory)
            rows.append((*pair, "intersect", 6, rationale, source_ref))
    return rows


def build_2_1_to_csf(references: list[CsfReference]) -> dict:
    description = (
        "IEC 62443-2-1:2010 clauses cited as informative references of NIST CSF 1.1 subcategories; each citation "
        "is one 'intersect' row of strength 6 (the subcategory is an outcome the clause helps achieve)."
    )
    return mapping_set_document(
        derived_set_fields(
            "iec62443-2-1-2010_to_nist-csf-1-1",
            "iec62443-2-1-2010",
            "nist-csf-1-1",
            "IEC 62443-2-1:2010 to NIST CSF 1.1",
            description,
            CSF_LICENCE,
        ),
        direct_reference_rows(references, "isa_2_1", csf_is_source=False),
    )


def build_csf_to_3_3(references: list[CsfReference]) -> dict:
    description = (
        "NIST CSF 1.1 subcategories and the IEC 62443-3-3 system requirements NIST cites as their informative "
        "references; each citation is one 'intersect' row of strength 6."
    )
    return mapping_set_document(
        derived_set_fields(
            "nist-csf-1-1_to_iec62443-3-3",
            "nist-csf-1-1",
            "iec62443-3-3",
            "NIST CSF 1.1 to IEC 62443-3-3",
            description,
            CSF_LICENCE,
        ),
        direct_reference_rows(references, "isa_3_3", csf_is_source=True),
    )


def csf_to_800_53_rows(references: list[CsfReference]) -> list[tuple]:
    """One row per citation: strength 6 for a live Rev. 5 id, 5 for a control reached through a withdrawal."""
    rows = []
    for reference in references:
        sub = reference.subcategory
        source_ref = f"NIST CSF 1.1 informative references {sub}"
        for control in reference.sp800_53:
            hop = reference.hop_text(control)
            if not hop:
                rationale = f"NIST CSF 1.1 cites {control} as an informative reference for subcategory {sub}."
                rows.append((sub, control, "intersect", 6, rationale, source_ref))
                continue
            rationale = (
                f"NIST CSF 1.1 cites {hop}, as an informative reference for subcategory {sub}; the citation "
                f"carries over to {control} one step weaker."
            )
            rows.append((sub, control, "intersect", 5, rationale, f"{source_ref}; {WITHDRAWAL_REF}{hop}"))
    return rows


def build_csf_to_800_53(references: list[CsfReference]) -> dict:
    description = (
        "NIST CSF 1.1 subcategories and the SP 800-53 Rev. 5 controls NIST cites as their informative "
        "references ('-1 controls from all families' and 'AU family' expanded). Each citation of a live Rev. 5 "
        "id is one 'intersect' row of strength 6." + REV4_NOTE.replace("one step weaker", "strength 5")
    )
    return mapping_set_document(
        derived_set_fields(
            "nist-csf-1-1_to_nist-sp800-53r5",
            "nist-csf-1-1",
            "nist-sp800-53r5",
            "NIST CSF 1.1 to NIST SP 800-53 Rev. 5",
            description,
            CSF_LICENCE,
        ),
        csf_to_800_53_rows(references),
    )


def build_3_3_to_4_2(fw_3_3: dict, fw_4_2: dict) -> dict:
    """SR x.y -> CR x.y and SR x.y -> its SAR/EDR/HDR/NDR variants, all 'superset': a system requirement asks a
    capability of the whole control system, a component requirement of one component (of one type). A mapping set
    links two frameworks, so the umbrella CR -> variant relation of 4-2 (already its parent link) is written as SR ->
    variant rows whose rationale names the umbrella CR."""
    components = {r["id"]: r for r in fw_4_2["framework"]["requirements"]}
    variants_of: dict[str, list[dict]] = defaultdict(list)
    for component in components.values():
        if component["kind"] in COMPONENT_TYPES:
            variants_of[component["parent"]].append(component)
    rows = []
    for row in fw_3_3["framework"]["requirements"]:
        if row["kind"] != "SR":
            continue
        sr, cr = row["id"], "CR" + row["id"][2:]
        if cr not in components:
            continue
        variants = variants_of.get(cr, [])
        names = ", ".join(v["id"] for v in variants)
        # 4-2 states some CRs only through their component-type variants (the umbrella CRs: the 4-2 titles say
        # "only via type-specific variants" or name the one component type), and adds a component-type form to a
        # few others (CR 1.6, CR 1.13 in the reference data).
        title = components[cr]["title"]
        umbrella = "only via type-specific variants" in title or title.endswith("(network devices)")
        if umbrella:
            why = (
                f"{sr} asks the capability of the whole control system; {cr}, derived from it, is an umbrella "
                f"stated only per component type, in {names}."
            )
        elif variants:
            why = (
                f"{sr} asks the capability of the control system as a whole, {cr} the same capability of one "
                f"component (with a component-type form in {names}), so the system requirement covers more."
            )
        else:
            why = (
                f"{sr} asks the capability of the control system as a whole, {cr} the same capability of one "
                "component, so the system requirement covers more."
            )
        rows.append(
            (
                sr,
                cr,
                "superset",
                8,
                why,
                "IEC 62443-4-2 numbering follows IEC 62443-3-3 (CR x.y derives from SR x.y)",
            )
        )
        for variant in variants:
            form = f"the umbrella requirement {cr}" if umbrella else cr
            rows.append(
                (
                    sr,
                    variant["id"],
                    "superset",
                    7,
                    f"{variant['id']} is the {COMPONENT_TYPES[variant['kind']]} form of {form}; {sr} asks the "
                    "capability of the whole system, whatever its component types.",
                    f"IEC 62443-4-2 component-specific requirement numbering ({cr} -> {variant['id']})",
                )
            )
    description = (
        "System requirements of IEC 62443-3-3 and the component requirements of IEC 62443-4-2 derived from them. "
        "SR x.y is a superset of CR x.y (strength 8): the system requirement asks the capability of the whole "
        "control system, the component requirement of one component. SR x.y is likewise a superset of the "
        "SAR/EDR/HDR/NDR variants of CR x.y (strength 7, one component type), and the rationale names the CR the "
        "variant belongs to, saying when that CR is an umbrella stated only through its variants (CR 2.4, CR 3.2, CR 5.2, CR 5.3); "
        "a mapping set links two frameworks, so the CR -> variant relation itself is the variant's parent in the "
        "4-2 catalog. Requirement enhancements are not mapped "
        "because the 4-2 catalog does not list its REs yet; 4-2 requirements without an SR (CR 1.14, CR 2.13, "
        "CR 3.10-3.14) have no row."
    )
    return mapping_set_document(
        derived_set_fields(
            "iec62443-3-3_to_iec62443-4-2",
            "iec62443-3-3",
            "iec62443-4-2",
            "IEC 62443-3-3 to IEC 62443-4-2",
            description,
            OTCSMS_LICENCE,
        ),
        rows,
    )


def build_overlay_identity(overlay: dict) -> dict:
    rows = [
        (
            r["id"],
            r["id"],
            "equal",
            10,
            "The SP 800-82 Rev. 3 OT overlay tailors this SP 800-53 Rev. 5 control; it is the same control.",
            "NIST SP 800-82 Rev. 3 Appendix F OT overlay",
        )
        for r in overlay["framework"]["requirements"]
        if r["kind"] != "family"
    ]
    description = (
        "Each control of the SP 800-82 Rev. 3 OT overlay is the SP 800-53 Rev. 5 control of the same id."
    )
    return mapping_set_document(
        derived_set_fields(
            "nist-sp800-82r3-overlay_to_nist-sp800-53r5",
            "nist-sp800-82r3-overlay",
            "nist-sp800-53r5",
            "NIST SP 800-82 Rev. 3 OT overlay to SP 800-53 Rev. 5 (identity)",
            description,
            "Public domain (US Government work)",
        ),
        rows,
    )


def build_expert_nerc(source_framework: str, tsv_name: str, source_name: str) -> dict:
    rows = [
        (
            r["source"],
            r["target"],
            r["relationship"],
            int(r["strength"]),
            r["rationale"],
            "otcsms expert mapping",
        )
        for r in read_tsv(HAND_WRITTEN / tsv_name)
    ]
    description = (
        f"{source_name} to NERC CIP by topic (account management, perimeters, remote access, malware, patching, "
        "logging, incident response, recovery, configuration baselines, information protection, supply chain, "
        "network security monitoring). No public crosswalk exists; this is the otcsms project's own expert "
        "judgement, with the reason written on each row."
    )
    return mapping_set_document(
        derived_set_fields(
            f"{source_framework}_to_nerc-cip",
            source_framework,
            "nerc-cip",
            f"{source_name} to NERC CIP (otcsms expert mapping)",
            description,
            OTCSMS_LICENCE,
        ),
        rows,
    )
