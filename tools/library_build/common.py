"""Shared pieces of the library build: reading the reference TSVs and writing library rows."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

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


# ---------------------------------------------------------------------------------------------- guidance

GUIDANCE_SOURCE = "otcsms guidance (our own words)"
GUIDANCE_KEYS = ("good", "evidence", "pitfalls")
GUIDANCE_MAX_CHARS = 600  # per text field: guidance is a few sentences, never a restated clause


class _UniqueKeyLoader(yaml.SafeLoader):
    """safe_load keeps the last of two equal keys silently; in a hand-written file that hides a copy-paste."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise SystemExit(f"{node.start_mark}: duplicate key {key!r}")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def read_guidance(name: str) -> dict[str, dict[str, Any]]:
    """Requirement id -> {good, evidence, pitfalls} from a hand-written tools/library_src/guidance-*.yaml."""
    path = HAND_WRITTEN / name
    try:
        data = yaml.load(path.read_text("utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        raise SystemExit(f"{path}: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("guidance"), dict):
        raise SystemExit(
            f"{path}: expected a mapping with a 'guidance' mapping of requirement id -> guidance"
        )
    problems = []
    for rid, entry in data["guidance"].items():
        where = f"{name}: {rid}"
        if not isinstance(rid, str):
            problems.append(f"{where}: quote the id, YAML read it as {type(rid).__name__}")
            continue
        if not isinstance(entry, dict) or set(entry) != set(GUIDANCE_KEYS):
            problems.append(f"{where}: needs exactly the keys {', '.join(GUIDANCE_KEYS)}")
            continue
        texts = [entry["good"], *entry["evidence"], *entry["pitfalls"]] if _is_lists(entry) else None
        if texts is None or not entry["evidence"] or not entry["pitfalls"]:
            problems.append(f"{where}: evidence and pitfalls must be non-empty lists")
            continue
        for text in texts:
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{where}: empty or non-text entry {text!r}")
            elif len(text) > GUIDANCE_MAX_CHARS:
                problems.append(
                    f"{where}: {len(text)} characters (at most {GUIDANCE_MAX_CHARS}): {text[:60]}..."
                )
            elif text != " ".join(text.split()):
                problems.append(f"{where}: line breaks or doubled blanks in {text[:60]!r}")
    if problems:
        raise SystemExit("\n".join(problems))
    return data["guidance"]


def _is_lists(entry: dict[str, Any]) -> bool:
    return isinstance(entry["evidence"], list) and isinstance(entry["pitfalls"], list)


def attach_guidance(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Give every assessable row its guidance from `name`; the build fails when an assessable row has none or
    the file names an id that is not an assessable row of the catalog."""
    guidance = read_guidance(name)
    assessable = {row["id"] for row in rows if row["assessable"]}
    missing = [row["id"] for row in rows if row["assessable"] and row["id"] not in guidance]
    unknown = [rid for rid in guidance if rid not in assessable]
    if missing or unknown:
        raise SystemExit(
            f"{name}: assessable rows without guidance: {', '.join(missing) or 'none'}; "
            f"ids that are not assessable rows of the catalog: {', '.join(unknown) or 'none'}"
        )
    for row in rows:
        entry = guidance.get(row["id"])
        if entry is not None:
            row["guidance"] = {
                "good": entry["good"],
                "evidence": list(entry["evidence"]),
                "pitfalls": list(entry["pitfalls"]),
                "source": GUIDANCE_SOURCE,
                "verified": False,
            }
    return rows
