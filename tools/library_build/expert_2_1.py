"""The otcsms expert mapping IEC 62443-2-1:2010 -> NIST SP 800-53 Rev. 5 (tools/library_src/*_sp800-53r5.tsv).

The NIST CSF 1.1 route links a 62443-2-1 clause to every control cited under the same subcategory, with one
templated rationale; this set says, per pair, what the clause and the control have in common and how close they
are. The build refuses a row whose clause or control is unknown, whose control SP 800-53 Rev. 5 withdrew, whose
rationale is not one short line, or a file that leaves out a clause NIST CSF 1.1 cites.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from library_build.common import HAND_WRITTEN, OTCSMS_LICENCE, mapping_set_document, read_tsv
from library_build.nist import CsfReference, Nist80053

TSV_NAME = "iec62443-2-1-2010_sp800-53r5.tsv"
RELATIONSHIPS = {"equal", "subset", "superset", "intersect"}
MAX_RATIONALE = 240
MAX_REPEATS = 3
SOURCE_REF = "otcsms expert mapping"


def build_expert_2_1_to_800_53(
    fw_2_1: dict[str, Any], nist: Nist80053, references: list[CsfReference]
) -> dict[str, Any]:
    clauses = {r["id"] for r in fw_2_1["framework"]["requirements"]}
    live = nist.live_ids() - set(nist.withdrawals)
    problems: list[str] = []
    rows = []
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(read_tsv(HAND_WRITTEN / TSV_NAME), start=1):
        where = f"{TSV_NAME} row {number} ({row['source']} -> {row['target']})"
        if row["source"] not in clauses:
            problems.append(f"{where}: unknown 62443-2-1 clause")
        if row["target"] not in live:
            problems.append(f"{where}: not a live SP 800-53 Rev. 5 control")
        if row["relationship"] not in RELATIONSHIPS:
            problems.append(f"{where}: relationship {row['relationship']!r}")
        if not row["strength"].isdigit() or not 0 <= int(row["strength"]) <= 10:
            problems.append(f"{where}: strength {row['strength']!r}")
        rationale = row["rationale"]
        if not rationale or len(rationale) > MAX_RATIONALE or "\n" in rationale:
            problems.append(f"{where}: rationale must be one line of at most {MAX_RATIONALE} characters")
        if (row["source"], row["target"]) in seen:
            problems.append(f"{where}: pair repeated")
        seen.add((row["source"], row["target"]))
        rows.append(
            (
                row["source"],
                row["target"],
                row["relationship"],
                int(row["strength"]) if row["strength"].isdigit() else 0,
                rationale,
                SOURCE_REF,
            )
        )
    repeated = [text for text, count in Counter(r[4] for r in rows).items() if count > MAX_REPEATS]
    problems += [f"{TSV_NAME}: rationale used more than {MAX_REPEATS} times: {text!r}" for text in repeated]
    cited = {clause for reference in references for clause in reference.isa_2_1}
    missing = cited - {r[0] for r in rows}
    if missing:
        problems.append(f"{TSV_NAME}: clauses cited by NIST CSF 1.1 with no row: {sorted(missing)}")
    if problems:
        raise SystemExit("\n".join(problems))
    description = (
        "IEC 62443-2-1:2010 clauses (ISA-62443-2-1:2009 numbers) linked to the SP 800-53 Rev. 5 controls that ask "
        "for the same thing, with the reason on each row: account administration to AC-2, authentication to "
        "IA-2/IA-5, network segmentation to SC-7, change management to CM-3/CM-4, incident response to IR-4/IR-8, "
        "training to AT-2/AT-3, personnel security to the PS family, physical security to the PE family, risk "
        "assessment to RA-3, policies to the -1 controls, backups to CP-9, continuity to CP-2. It covers every "
        "clause NIST CSF 1.1 cites and some others (check those whose clause numbers the catalog marks unverified). "
        "Strength measures closeness (8 the same requirement in other words, 5-7 a large overlap, 2-4 a partial "
        "or topical link). This is the otcsms project's own expert judgement, not reviewed by IEC, ISA or NIST; the "
        "CSF 1.1-derived set iec62443-2-1-2010_to_nist-sp800-53r5 remains alongside it."
    )
    return mapping_set_document(
        {
            "id": "iec62443-2-1-2010_to_nist-sp800-53r5-expert",
            "name": "IEC 62443-2-1:2010 to NIST SP 800-53 Rev. 5 (otcsms expert mapping)",
            "version": "1",
            "source_framework": "iec62443-2-1-2010",
            "target_framework": "nist-sp800-53r5",
            "licence": OTCSMS_LICENCE,
            "description": description,
        },
        rows,
    )
