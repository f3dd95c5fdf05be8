"""The gap list as it leaves the tool: one row per gap with its zone, FR (or group), requirement, SL required,
zone SL-T, status, where an inherited answer comes from, owner, comment and evidence, grouped by zone then FR; written as CSV, XLSX or JSON (the CLI and the pages
share it), and the framework lookup with a did-you-mean for the CLI."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import cast

from otcsms.assessments import services
from otcsms.assessments.models import Assessment
from otcsms.assessments.scope import is_zone_based
from otcsms.core.spreadsheet import write_csv, write_xlsx

COLUMNS = (
    "zone", "fr", "requirement", "title", "sl_required", "zone_sl_t", "status", "inherited_from", "owner",
    "comment", "evidence",
)  # fmt: skip
HEADINGS = (
    "Zone", "FR", "Requirement", "Title", "SL required", "Zone SL-T", "Status", "Inherited from", "Owner",
    "Comment", "Evidence",
)  # fmt: skip
FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@dataclass(frozen=True, slots=True)
class GapRow:
    zone_id: int | None
    zone: str  # "" for a site-wide requirement
    fr: str  # the FR (IEC 62443-3-3) or the top-level group of other frameworks
    framework: str
    requirement: str
    title: str
    sl_required: int | None  # the lowest SL whose selection includes the requirement (IEC 62443-3-3 only)
    zone_sl_t: int | None  # the zone's SL-T for the requirement's FR (IEC 62443-3-3 only)
    status: str
    inherited_from: str  # "" for the zone's own answer; "site" or the zone whose answer it inherits
    owner: str  # the owner's username, "" for none
    comment: str
    evidence: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "zone": self.zone or None, "fr": self.fr, "framework": self.framework, "requirement": self.requirement,
            "title": self.title, "sl_required": self.sl_required, "zone_sl_t": self.zone_sl_t,
            "status": self.status, "inherited_from": self.inherited_from or None, "owner": self.owner or None,
            "comment": self.comment, "evidence": list(self.evidence),
        }  # fmt: skip

    def cells(self) -> list[str]:
        def level(value: int | None) -> str:
            return "" if value is None else str(value)

        return [self.zone, self.fr, self.requirement, self.title, level(self.sl_required), level(self.zone_sl_t),
                self.status, self.inherited_from, self.owner, self.comment, "\n".join(self.evidence)]  # fmt: skip


@dataclass
class FrGroup:
    fr: str
    rows: list[GapRow] = field(default_factory=list)


@dataclass
class ZoneGroup:
    zone_id: int | None
    zone: str
    frs: list[FrGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(g.rows) for g in self.frs)


def gap_rows(assessment: Assessment) -> list[GapRow]:
    """Every gap of the assessment, in zone (by name, site-wide last), FR, then reading order; an inherited
    answer is a gap of every zone it is in force in, with the comment, evidence and owner it was given with."""
    zones = {z.pk: z for z in services.zones_in_scope(assessment)}
    fr_of = {
        row.ref: int(row.attributes["fr"])
        for row in services.framework_requirements(assessment.framework)
        if "fr" in (row.attributes or {})
    }
    order = {key: i for i, key in enumerate(services.requirement_meta(assessment.framework))}
    zone_based = is_zone_based(assessment.framework.key)
    rows = []
    for g, found in services.gaps_with_answers(assessment):
        zone_id = cast(int | None, g.scope)  # services.gaps: a zone's id, or None for the site
        zone = zones.get(zone_id) if zone_id is not None else None
        zone_sl_t = None
        if zone_based and zone is not None and zone.sl_t is not None and g.ref in fr_of:
            zone_sl_t = zone.sl_t[fr_of[g.ref] - 1]
        response = found.answer
        source = "" if not found.inherited else inherited_label(found.source, zones)
        rows.append(GapRow(
            zone_id, zone.name if zone else "", g.group, g.key[0], g.ref, g.title, g.sl_required, zone_sl_t,
            g.status, source, response.owner.username if response.owner else "", response.comment,
            tuple(str(item) for item in response.evidence or ()),
        ))  # fmt: skip
    zone_order: dict[int | None, int] = {pk: i for i, pk in enumerate(zones)}
    rows.sort(key=lambda r: (
        r.zone_id is None, zone_order.get(r.zone_id, len(zone_order)), r.zone,
        order.get((r.framework, r.fr), len(order)), order.get((r.framework, r.requirement), len(order)),
    ))  # fmt: skip
    return rows


def inherited_label(source: int | None, zones: dict) -> str:
    """Where an inherited answer was given: "site", or the zone's name."""
    if source is None:
        return "site"
    zone = zones.get(source)
    return zone.name if zone is not None else f"zone {source}"


def grouped(rows: list[GapRow]) -> list[ZoneGroup]:
    """Rows (already in order) as zone headings, each with FR headings."""
    groups: list[ZoneGroup] = []
    for row in rows:
        if not groups or groups[-1].zone_id != row.zone_id:
            groups.append(ZoneGroup(row.zone_id, row.zone))
        frs = groups[-1].frs
        if not frs or frs[-1].fr != row.fr:
            frs.append(FrGroup(row.fr))
        frs[-1].rows.append(row)
    return groups


def write(assessment: Assessment, rows: list[GapRow], fmt: str) -> bytes:
    if fmt == "csv":
        return write_csv(COLUMNS, (r.cells() for r in rows))
    if fmt == "xlsx":
        return write_xlsx("Gaps", COLUMNS, (r.cells() for r in rows))
    if fmt == "json":
        document = {
            "assessment": assessment.name, "site": assessment.site.name, "framework": assessment.framework.key,
            "gaps": [r.as_dict() for r in rows],
        }  # fmt: skip
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def filename(assessment: Assessment, fmt: str) -> str:
    from django.utils.text import slugify

    return f"{slugify(assessment.site.code or assessment.site.name) or assessment.site_id}-" \
           f"{slugify(assessment.framework.key)}-gaps-{assessment.pk}.{fmt}"  # fmt: skip


class UnknownFrameworkError(ValueError):
    pass


def framework_key(text: str) -> str:
    """``text`` if it is a framework key, else UnknownFrameworkError saying which key was probably meant."""
    from otcsms.catalogs.models import Framework

    known = list(Framework.objects.values_list("key", "name").distinct())
    keys = {key for key, _name in known}
    if text in keys:
        return text
    spellings: dict[str, str] = {}
    for key, name in known:
        spellings.setdefault(key.lower(), key)
        spellings.setdefault(name.lower(), key)
    close = difflib.get_close_matches(text.strip().lower(), list(spellings), n=3, cutoff=0.6)
    meant = list(dict.fromkeys(spellings[c] for c in close))
    if meant:
        raise UnknownFrameworkError(f"unknown framework {text!r}; did you mean {' or '.join(meant)}?")
    listed = ", ".join(sorted(keys)) or "none loaded"
    raise UnknownFrameworkError(f"unknown framework {text!r}; known keys: {listed}")
