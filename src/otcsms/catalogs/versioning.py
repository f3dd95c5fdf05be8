"""Versions of a framework: what identifies a document's content, and what changed between two versions.

Plain Python (no Django): the loader hashes documents with it to make reloads idempotent, and computes the
migration between the version an assessment was made against and a newer one (requirements added, removed,
retitled, reworded, moved). Requirements are matched by their id as the standard writes it; that is why the
library format asks a licensed re-import to keep every id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from otcsms.catalogs.libformat import (
    FrameworkDoc,
    MappingSetDoc,
    framework_to_document,
    mapping_set_to_document,
    thawed,
)


def _digest(document: Mapping[str, Any]) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def framework_content_hash(fw: FrameworkDoc) -> str:
    """SHA-256 of the canonical form of a framework: keys sorted, requirements sorted by id, and each `order`
    replaced by the rank among its siblings (it is only a sort key), so the same content read from YAML,
    JSON, OSCAL or the database hashes the same whatever the order of the rows or the numbering."""
    document = framework_to_document(fw)
    rows = document["framework"]["requirements"]
    siblings: dict[str | None, list[tuple[int, int, dict[str, Any]]]] = {}
    for index, row in enumerate(rows):
        siblings.setdefault(row.get("parent"), []).append((row["order"], index, row))
    for group in siblings.values():
        for rank, (_order, _index, row) in enumerate(sorted(group, key=lambda item: item[:2])):
            row["order"] = rank
    rows.sort(key=lambda row: row["id"])
    return _digest(document)


def mapping_set_content_hash(ms: MappingSetDoc) -> str:
    document = mapping_set_to_document(ms)
    document["mapping_set"]["mappings"].sort(key=lambda row: (row["source"], row["target"]))
    return _digest(document)


@dataclass(frozen=True, slots=True)
class RequirementFacts:
    """What a migration compares of one requirement."""

    ref: str
    title: str
    text: str = ""
    parent: str | None = None
    assessable: bool = True
    # The values a row carries beyond its wording (e.g. the SL selection of a 62443-3-3 SR), as one line.
    values: str = ""


@dataclass(frozen=True, slots=True)
class Change:
    ref: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class MigrationDiff:
    """From one version of a framework to another; refs in reading order of the version they belong to."""

    key: str
    old_version: str
    new_version: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    retitled: tuple[Change, ...] = ()
    text_changed: tuple[Change, ...] = ()
    moved: tuple[Change, ...] = ()
    assessable_changed: tuple[Change, ...] = ()
    # Cells such as the SL selection: where an imported copy of a standard and the shipped catalog disagree.
    values_changed: tuple[Change, ...] = ()
    unchanged: int = 0
    removed_assessable: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.retitled
            or self.text_changed
            or self.moved
            or self.assessable_changed
        )  # values (e.g. SL selections, baselines) change no requirement: nothing to migrate

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "retitled": len(self.retitled),
            "text_changed": len(self.text_changed),
            "moved": len(self.moved),
            "assessable_changed": len(self.assessable_changed),
            "values_changed": len(self.values_changed),
            "unchanged": self.unchanged,
        }

    def summary(self) -> str:
        counts = self.counts()
        parts = [f"{counts[name]} {name.replace('_', ' ')}" for name in counts if name != "unchanged"]
        return f"{self.key} {self.old_version} -> {self.new_version}: " + ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = self.counts()
        return data


def diff_versions(
    key: str,
    old_version: str,
    new_version: str,
    old: Iterable[RequirementFacts],
    new: Iterable[RequirementFacts],
) -> MigrationDiff:
    """What a response given against `old` needs to move to `new`: ids that disappeared (their responses
    have nowhere to go), new ids (not assessed yet), and ids whose wording changed (responses carry over but
    should be reviewed)."""
    before = {r.ref: r for r in old}
    after = {r.ref: r for r in new}
    common = [ref for ref in after if ref in before]
    retitled = tuple(
        Change(ref, before[ref].title, after[ref].title)
        for ref in common
        if before[ref].title != after[ref].title
    )
    text_changed = tuple(
        Change(ref, before[ref].text, after[ref].text)
        for ref in common
        if before[ref].text != after[ref].text
    )
    moved = tuple(
        Change(ref, before[ref].parent, after[ref].parent)
        for ref in common
        if before[ref].parent != after[ref].parent
    )
    assessable_changed = tuple(
        Change(ref, str(before[ref].assessable).lower(), str(after[ref].assessable).lower())
        for ref in common
        if before[ref].assessable != after[ref].assessable
    )
    values_changed = tuple(
        Change(ref, before[ref].values, after[ref].values)
        for ref in common
        if before[ref].values != after[ref].values
    )
    changed = {
        c.ref for group in (retitled, text_changed, moved, assessable_changed, values_changed) for c in group
    }
    removed = tuple(ref for ref in before if ref not in after)
    return MigrationDiff(
        key=key,
        old_version=old_version,
        new_version=new_version,
        added=tuple(ref for ref in after if ref not in before),
        removed=removed,
        retitled=retitled,
        text_changed=text_changed,
        moved=moved,
        assessable_changed=assessable_changed,
        values_changed=values_changed,
        unchanged=sum(1 for ref in common if ref not in changed),
        removed_assessable=tuple(ref for ref in removed if before[ref].assessable),
    )


def facts_of(fw: FrameworkDoc) -> list[RequirementFacts]:
    """The facts of a framework document's requirements, in file order."""
    return [
        RequirementFacts(r.id, r.title, r.text, r.parent, r.assessable, values_line(thawed(r.attributes)))
        for r in fw.requirements
    ]


# Attributes that are values of the standard (compared between versions), not structure (``fr``).
COMPARED_ATTRIBUTES = ("sl_selection", "baselines", "impact")


def values_line(attributes: Mapping[str, Any] | None) -> str:
    """The compared attributes of a row as one line ("sl_selection: 2, 3, 4"), empty when it has none."""
    parts = []
    for name in COMPARED_ATTRIBUTES:
        value = (attributes or {}).get(name)
        if value is None:
            continue
        shown = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
        parts.append(f"{name}: {shown}")
    return "; ".join(parts)
