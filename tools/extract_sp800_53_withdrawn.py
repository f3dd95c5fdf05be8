#!/usr/bin/env python3
"""Extract the withdrawal links of NIST SP 800-53 Rev. 5 from NIST's full OSCAL catalog into a small TSV.

    python tools/extract_sp800_53_withdrawn.py NIST_SP-800-53_rev5_catalog.json SOURCE_NOTE \
        > tools/library_src/sp800-53r5-withdrawn.tsv

For every control or enhancement whose `status` prop is `withdrawn`, one row: its label, how NIST withdrew it
(`incorporated-into`, `moved-to`, or `withdrawn` when NIST names no successor), the Rev. 5 ids of the
successors (a statement item such as `#ac-2_smt.k` is written as its control, `AC-2`; a whole family such as
`#sr` as its family code, `SR`) and NIST's raw link targets. The catalog itself is not shipped.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def walk(controls: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for control in controls:
        yield control
        yield from walk(control.get("controls", []))


def label(control: dict[str, Any]) -> str:
    labels = [p["value"] for p in control.get("props", []) if p["name"] == "label" and "class" not in p]
    return labels[0]


def href_to_id(href: str, labels: dict[str, str]) -> str:
    """'#ac-2' -> 'AC-2', '#at-2.4' -> 'AT-2(4)', '#ac-2_smt.k' -> 'AC-2', '#sr' (a family) -> 'SR'."""
    token = href.removeprefix("#").split("_")[0]
    if token in labels:
        return labels[token]
    if "-" not in token:
        return token.upper()
    raise SystemExit(f"link target {href} is neither a control nor a family")


def main(argv: list[str]) -> int:
    path, note = Path(argv[1]), argv[2]
    catalog = json.loads(path.read_text("utf-8"))["catalog"]
    controls = [c for group in catalog["groups"] for c in walk(group.get("controls", []))]
    labels = {c["id"]: label(c) for c in controls}
    print("# NIST SP 800-53 Rev. 5: withdrawn controls and enhancements, and the controls taking them over.")
    print(f"# Source: {note}")
    print(f"# Catalog metadata: {catalog['metadata']['title']}, version {catalog['metadata']['version']}.")
    print("# Licence: NIST OSCAL content, CC0 1.0 (US Government work, public domain in the United States).")
    print("# Made by tools/extract_sp800_53_withdrawn.py: status = the OSCAL link rel; targets = Rev. 5 ids")
    print("# (a statement item is written as its control; a family code such as SR means the whole family);")
    print("# nist_href = NIST's link targets as written. status 'withdrawn' = NIST names no successor.")
    print("id\tstatus\ttargets\tnist_href")
    for control in controls:
        if not any(p["name"] == "status" and p["value"] == "withdrawn" for p in control.get("props", [])):
            continue
        links = [lk for lk in control.get("links", []) if lk["rel"] in ("incorporated-into", "moved-to")]
        rels = {lk["rel"] for lk in links}
        if len(rels) > 1:
            raise SystemExit(f"{control['id']}: both incorporated-into and moved-to")
        status = rels.pop() if rels else "withdrawn"
        targets = list(dict.fromkeys(href_to_id(lk["href"], labels) for lk in links))
        hrefs = ",".join(lk["href"] for lk in links)
        print(f"{labels[control['id']]}\t{status}\t{','.join(targets)}\t{hrefs}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
