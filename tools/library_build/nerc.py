"""NERC CIP catalog: standards, requirements and parts, ids written 'CIP-004-7 R4.1'. Our own titles only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from library_build.common import (
    NERC_NOTE,
    OTCSMS_LICENCE,
    framework_document,
    provenance,
    read_tsv,
    requirement,
)


def nerc_impact(standard: str, title: str) -> list[str] | None:
    """Applicability only where our own title states it; the full applicability tables are NERC text."""
    if "(high impact)" in title:
        return ["high"]
    if standard.startswith("CIP-003") and "high/medium impact" in title:
        return ["high", "medium"]
    if standard.startswith("CIP-003") and "low impact" in title:
        return ["low"]
    return None


def build_nerc_cip(ref: Path) -> dict[str, Any]:
    source = "reference/nerc/nerc-cip.tsv (identifiers from the NERC standards)"
    rows: list[dict[str, Any]] = []
    tsv = read_tsv(ref / "nerc" / "nerc-cip.tsv")
    has_parts = {(r["standard"], r["version"], r["requirement"]) for r in tsv if r["part"]}
    for row in tsv:
        standard = f"{row['standard']}-{row['version']}"
        if not any(r["id"] == standard for r in rows):
            rows.append(standard_row(standard, row, len(rows)))
        rid = f"{standard} {row['requirement']}" + (f".{row['part'].split('.', 1)[1]}" if row["part"] else "")
        if row["part"] and not row["part"].startswith(row["requirement"][1:] + "."):
            raise SystemExit(f"part {row['part']} does not belong to {row['requirement']}")
        parent = f"{standard} {row['requirement']}" if row["part"] else standard
        impact = nerc_impact(standard, row["short_title_paraphrased"])
        assessable = (
            bool(row["part"]) or (row["standard"], row["version"], row["requirement"]) not in has_parts
        )
        rows.append(
            requirement(
                rid,
                parent,
                row["short_title_paraphrased"],
                "part" if row["part"] else "requirement",
                assessable,
                len(rows),
                attributes={"impact": impact} if impact else None,
            )
        )
    return framework_document(
        {
            "id": "nerc-cip",
            "name": "NERC CIP Reliability Standards CIP-002 to CIP-015",
            "version": "2025-09",
            "publisher": "NERC",
            "licence": "Identifiers only; titles by otcsms, " + OTCSMS_LICENCE,
            "copyright_note": NERC_NOTE,
            "description": (
                "Standards, requirements and parts of the CIP cyber security standards in force or approved as of "
                "September 2025 (CIP-012-1 kept beside its successor CIP-012-2). Ids are written "
                "'CIP-004-7 R4.1'. attributes.impact is given only where the requirement itself is limited to "
                "an impact rating; check each standard's applicability section for the rest."
            ),
            "provenance": provenance(source, True, "identifiers checked against the standards' text"),
        },
        rows,
    )


def standard_row(standard: str, row: dict[str, str], order: int) -> dict[str, Any]:
    attributes = {"status": row["status"]}
    if row["successor_versions"]:
        attributes["successor_versions"] = row["successor_versions"]
    note = (
        "status and dates from FERC orders as recorded in the reference file; verify before relying on them"
    )
    return requirement(
        standard,
        None,
        row["standard_topic"],
        "standard",
        False,
        order,
        attributes=attributes,
        provenance=provenance("reference/nerc/nerc-cip.tsv", False, note),
    )
