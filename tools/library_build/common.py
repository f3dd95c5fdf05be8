"""Shared pieces of the library build: reading the reference TSVs and writing library rows."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from otcsms.catalogs import libformat  # noqa: E402

HAND_WRITTEN = ROOT / "tools" / "library_src"
OTCSMS_LICENCE = "Apache-2.0 (otcsms project)"
IEC_NOTE = (
    "IEC 62443 is copyright IEC (and ISA for the ISA-62443 series). This catalog holds identifiers, structure "
    "and short titles written by the otcsms project, not the standard's text; an owner of the standard can "
    "import its full text as a user library with the same framework id and a newer version."
)
NERC_NOTE = (
    "NERC Reliability Standards are copyright NERC. This catalog holds identifiers and short titles written by "
    "the otcsms project, not NERC's text."
)
ATTACK_NOTICE = (
    "(c) 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE "
    "Corporation."
)
FR_NUMBER = re.compile(r"^FR (\d)$")


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a tab-separated file whose '#' lines are comments and whose first other line is the header."""
    lines = [line.rstrip("\n") for line in path.read_text("utf-8").splitlines() if not line.startswith("#")]
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = line.split("\t")
        rows.append({name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)})
    return rows


def split_list(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(",") if item.strip()]


def requirement(
    rid: str,
    parent: str | None,
    title: str,
    kind: str,
    assessable: bool,
    order: int,
    *,
    text: str = "",
    attributes: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {"id": rid, "parent": parent, "title": title}
    if text:
        row["text"] = text
    row.update({"kind": kind, "assessable": assessable, "order": order})
    if attributes:
        row["attributes"] = attributes
    if provenance:
        row["provenance"] = provenance
    return row


def provenance(source: str, verified: bool, note: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"source": source, "verified": verified}
    if note:
        data["note"] = note
    return data


def framework_document(fields: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": libformat.FORMAT,
        "format_version": libformat.FORMAT_VERSION,
        "kind": "framework",
        "framework": {**fields, "requirements": rows},
    }


def mapping_set_document(
    fields: dict[str, Any], rows: Iterable[tuple[str, str, str, int, str, str]]
) -> dict[str, Any]:
    """A mapping-set document whose rows are unverified (an inference or an expert judgement waiting for
    review) until ``mark_verified`` says what they were checked against."""
    mappings = [
        {
            "source": source,
            "target": target,
            "relationship": relationship,
            "strength": strength,
            "rationale": rationale,
            "source_ref": source_ref,
            "verified": False,
        }
        for source, target, relationship, strength, rationale, source_ref in rows
    ]
    return {
        "format": libformat.FORMAT,
        "format_version": libformat.FORMAT_VERSION,
        "kind": "mapping_set",
        "mapping_set": {**fields, "mappings": mappings},
    }


def mark_verified(document: dict[str, Any], reviewer: str) -> dict[str, Any]:
    """Every row of a mapping set that transcribes a published list, checked by the build against that list."""
    for row in document["mapping_set"]["mappings"]:
        row["verified"], row["reviewer"] = True, reviewer
    return document
