"""The otcsms expert mapping IEC 62443-3-3 -> NIST SP 800-53 Rev. 5, written by hand in
tools/library_src/iec62443-3-3_sp800-53r5.tsv (one row per SR/RE and control, with its own relationship, strength
and rationale). It is a set of its own, beside the set inferred from CSF 1.1 and ATT&CK for ICS."""

from __future__ import annotations

from collections import Counter
from typing import Any

from library_build.common import HAND_WRITTEN, OTCSMS_LICENCE, mapping_set_document, read_tsv

EXPERT_TSV = "iec62443-3-3_sp800-53r5.tsv"
EXPERT_SOURCE_REF = "otcsms expert mapping"
RELATIONSHIPS = ("equal", "subset", "superset", "intersect")
MAX_RATIONALE = 240
MAX_SAME_RATIONALE = 3  # more than this is a template, not a reason

DESCRIPTION = (
    "The otcsms project's own expert mapping of every IEC 62443-3-3 system requirement and requirement "
    "enhancement to its counterpart SP 800-53 Rev. 5 controls and control enhancements. It is an expert "
    "judgement, not reviewed or endorsed by IEC or NIST. Rows are read from the 62443 side: 'equal' when both "
    "ask the same capability, 'subset' when the control covers more than the SR/RE, 'superset' when the SR/RE "
    "asks more (meeting it meets the control), 'intersect' when they overlap. Strength (0-10) grades how close "
    "the two are, not how often they are cited: 9 the same capability and scope, 8 the same capability with "
    "details added on one side, 6-7 a clear overlap, 3-5 a partial or supporting link. Each row gives its "
    "reason in one sentence. The set inferred from NIST CSF 1.1 and MITRE ATT&CK for ICS ships beside it."
)


class ExpertMappingError(ValueError):
    """The hand-written TSV breaks a rule of the expert mapping; the message lists every problem."""


def check_rows(rows: list[dict[str, str]], fw_3_3: dict[str, Any], sp800_53: dict[str, Any]) -> None:
    sources = {r["id"] for r in fw_3_3["framework"]["requirements"] if r["kind"] in ("SR", "RE")}
    controls = {r["id"]: r for r in sp800_53["framework"]["requirements"]}
    problems = []
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, start=1):
        where = f"{EXPERT_TSV} row {number} ({row['source']} -> {row['target']})"
        if row["source"] not in sources:
            problems.append(f"{where}: not an SR or RE of 62443-3-3")
        control = controls.get(row["target"])
        if control is None or control["kind"] not in ("control", "enhancement"):
            problems.append(f"{where}: not an SP 800-53 Rev. 5 control")
        elif control.get("attributes", {}).get("withdrawn"):
            problems.append(f"{where}: withdrawn in Rev. 5")
        if row["relationship"] not in RELATIONSHIPS:
            problems.append(f"{where}: relationship {row['relationship']!r}")
        if not row["strength"].isdigit() or not 0 <= int(row["strength"]) <= 10:
            problems.append(f"{where}: strength {row['strength']!r}")
        rationale = row["rationale"]
        if not rationale or len(rationale) > MAX_RATIONALE or not rationale.endswith("."):
            problems.append(f"{where}: rationale must be one sentence of at most {MAX_RATIONALE} characters")
        if (row["source"], row["target"]) in seen:
            problems.append(f"{where}: duplicate pair")
        seen.add((row["source"], row["target"]))
    covered = {row["source"] for row in rows}
    problems += [f"{EXPERT_TSV}: {sr} has no row" for sr in sorted(sources - covered)]
    repeated = Counter(row["rationale"] for row in rows)
    problems += [
        f"{EXPERT_TSV}: rationale used {count} times: {text}"
        for text, count in repeated.items()
        if count > MAX_SAME_RATIONALE
    ]
    if problems:
        raise ExpertMappingError("\n".join(problems))


def build_expert_3_3_to_800_53(fw_3_3: dict[str, Any], sp800_53: dict[str, Any]) -> dict[str, Any]:
    rows = read_tsv(HAND_WRITTEN / EXPERT_TSV)
    check_rows(rows, fw_3_3, sp800_53)
    fields = {
        "id": "iec62443-3-3_to_nist-sp800-53r5-expert",
        "name": "IEC 62443-3-3 to NIST SP 800-53 Rev. 5 (otcsms expert mapping)",
        "version": "1",
        "source_framework": "iec62443-3-3",
        "target_framework": "nist-sp800-53r5",
        "licence": OTCSMS_LICENCE,
        "description": DESCRIPTION,
    }
    return mapping_set_document(
        fields,
        (
            (
                r["source"],
                r["target"],
                r["relationship"],
                int(r["strength"]),
                r["rationale"],
                EXPERT_SOURCE_REF,
            )
            for r in rows
        ),
    )
