"""Questions asked of the loaded library, shared by the API, the web pages and the CLI.

Callers pass rows they already may see (``objects.for_user``); nothing here takes a request. Crosswalk
answers come from the cached graph of the current versions (``catalogs.graph``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.db.models import Q, QuerySet

from otcsms.catalogs import graph
from otcsms.catalogs.crosswalk import RELATIONSHIP_RANK, REVERSED_RELATIONSHIP, Reach, split_reaches
from otcsms.catalogs.libformat import FrameworkDoc, Guidance, Level, Provenance, RequirementDoc, frozen
from otcsms.catalogs.models import Framework, Mapping, Requirement
from otcsms.catalogs.oscal import framework_to_oscal_catalog
from otcsms.catalogs.versioning import MigrationDiff, RequirementFacts, diff_versions, values_line

DEFAULT_HOPS = 3
MAX_HOPS = 5
FULL_RELATIONSHIPS = ("equal", "superset")  # a 'met' answer carries fully along these


class LookupProblem(LookupError):
    """A framework or requirement named by a user does not exist; the message says what does."""


class NotCurrent(ValueError):
    """Crosswalks and coverage are computed between current versions only."""


# ---------------------------------------------------------------------------------------------- finding


def find_framework(spec: str, frameworks: QuerySet[Framework] | None = None) -> Framework:
    """'key' names the current version, 'key@version' one version."""
    qs = Framework.objects.all() if frameworks is None else frameworks
    key, _, version = spec.strip().partition("@")
    found = (
        qs.filter(key=key, version=version).first()
        if version
        else qs.filter(key=key, is_current=True).first()
    )
    if found is not None:
        return found
    if version and qs.filter(key=key).exists():
        versions = ", ".join(qs.filter(key=key).values_list("version", flat=True))
        raise LookupProblem(f"framework {key!r} has no version {version!r} (loaded: {versions})")
    keys = sorted(set(qs.values_list("key", flat=True)))
    raise LookupProblem(f"no framework {key!r}{_did_you_mean(key, keys)} (see `otcsms frameworks list`)")


def find_requirement(framework: Framework, ref: str) -> Requirement:
    """The requirement as the standard writes it; blanks and letter case are forgiven ('sr 1.3')."""
    rows = framework.requirements.select_related("framework")
    found = rows.filter(ref=ref.strip()).first()
    if found is not None:
        return found
    wanted = _normalised(ref)
    refs = list(rows.values_list("ref", flat=True))
    match = next((r for r in refs if _normalised(r) == wanted), None)
    if match is not None:
        return rows.get(ref=match)
    raise LookupProblem(
        f"no requirement {ref.strip()!r} in {framework.key} {framework.version}{_did_you_mean(ref, refs)}"
    )


def _normalised(ref: str) -> str:
    return "".join(ref.split()).upper()


def _did_you_mean(value: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


# ---------------------------------------------------------------------------------------------- documents


def _provenance(data: dict[str, Any] | None) -> Provenance | None:
    if not data:
        return None
    return Provenance(source=data["source"], verified=bool(data["verified"]), note=data.get("note", ""))


def _guidance(data: dict[str, Any] | None) -> Guidance | None:
    if not data:
        return None
    return Guidance(
        good=data["good"],
        source=data["source"],
        verified=bool(data["verified"]),
        evidence=tuple(data.get("evidence") or ()),
        pitfalls=tuple(data.get("pitfalls") or ()),
    )


def framework_doc(fw: Framework) -> FrameworkDoc:
    """The library document of a loaded version (what it was loaded from, whatever the file format)."""
    rows = fw.requirements.order_by("position").values_list(
        "ref", "parent__ref", "title", "text", "kind", "assessable", "order", "attributes", "provenance",
        "guidance",
    )  # fmt: skip
    requirements = tuple(
        RequirementDoc(
            id=ref, parent=parent, title=title, text=text, kind=kind, assessable=assessable, order=order,
            attributes=frozen(attributes or {}), provenance=_provenance(provenance), guidance=_guidance(guidance),
        )
        for ref, parent, title, text, kind, assessable, order, attributes, provenance, guidance in rows
    )  # fmt: skip
    levels = fw.levels or {}
    return FrameworkDoc(
        id=fw.key,
        name=fw.name,
        version=fw.version,
        publisher=fw.publisher,
        licence=fw.licence,
        requirements=requirements,
        copyright_note=fw.copyright_note,
        description=fw.description,
        level_scheme=levels.get("scheme"),
        levels=tuple(
            Level(level=v["level"], name=v["name"], description=v.get("description", ""))
            for v in levels.get("values", [])
        ),
        provenance=_provenance(fw.provenance),
    )


def oscal_catalog(fw: Framework) -> dict[str, Any]:
    """The OSCAL 1.1 catalog of one version; its last-modified is when the version was loaded."""
    return framework_to_oscal_catalog(framework_doc(fw), last_modified=fw.loaded_at.astimezone(UTC))


def requirement_facts(fw: Framework) -> list[RequirementFacts]:
    rows = fw.requirements.order_by("position").values_list(
        "ref", "title", "text", "parent__ref", "assessable", "attributes"
    )
    return [RequirementFacts(*row[:5], values_line(row[5])) for row in rows]


def diff_between(old: Framework, new: Framework) -> MigrationDiff:
    return diff_versions(old.key, old.version, new.version, requirement_facts(old), requirement_facts(new))


# ---------------------------------------------------------------------------------------------- requirements


@dataclass(frozen=True)
class TreeRow:
    requirement: Requirement
    has_children: bool
    closes: int  # how many open branches end after this row (for rendering nested <details>)

    @property
    def closing(self) -> range:
        return range(self.closes)


def tree_rows(fw: Framework) -> list[TreeRow]:
    """Every node in reading order, with what a nested rendering needs, from one query."""
    rows = list(fw.requirements.order_by("position"))
    result = []
    for index, req in enumerate(rows):
        next_depth = rows[index + 1].depth if index + 1 < len(rows) else 0
        has_children = next_depth > req.depth
        # A branch opened by this row (if any) and its ancestors close when the next row is shallower.
        closes = 0 if has_children else req.depth - next_depth
        result.append(TreeRow(req, has_children, closes))
    return result


def search_requirements(
    requirements: QuerySet[Requirement], q: str = "", kind: str = "", assessable: bool | None = None
) -> QuerySet[Requirement]:
    q = q.strip()
    if q:
        requirements = requirements.filter(Q(ref__icontains=q) | Q(title__icontains=q) | Q(text__icontains=q))
    if kind:
        requirements = requirements.filter(kind=kind)
    if assessable is not None:
        requirements = requirements.filter(assessable=assessable)
    return requirements.order_by("position")


def ancestors(requirement: Requirement) -> list[Requirement]:
    """Parents from the top down (a few queries: trees are at most a handful of levels deep)."""
    chain: list[Requirement] = []
    node = requirement.parent
    while node is not None and len(chain) < 50:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def current_counterpart(requirement: Requirement) -> Requirement | None:
    """The same id in the current version of its framework (None if it was removed, or it is current)."""
    if requirement.framework.is_current:
        return None
    return (
        Requirement.objects.select_related("framework")
        .filter(framework__key=requirement.framework.key, framework__is_current=True, ref=requirement.ref)
        .first()
    )


@dataclass(frozen=True)
class DirectMapping:
    """One mapping read from the requirement being looked at: 'this <relationship> other'."""

    mapping: Mapping
    direction: str  # outgoing: this requirement is the mapping's source
    other: Requirement
    relationship: str

    @property
    def framework(self) -> Framework:
        return self.other.framework


def direct_mappings(requirement: Requirement) -> list[DirectMapping]:
    """Every mapping of this requirement, both directions, strongest first within each framework."""
    rows = (
        Mapping.objects.filter(Q(source=requirement) | Q(target=requirement))
        .select_related("mapping_set", "source__framework", "target__framework")
        .order_by("pk")
    )
    found = []
    for m in rows:
        outgoing = m.source_id == requirement.pk
        other = m.target if outgoing else m.source
        relationship = m.relationship if outgoing else REVERSED_RELATIONSHIP[m.relationship]
        found.append(DirectMapping(m, "outgoing" if outgoing else "incoming", other, relationship))
    found.sort(
        key=lambda d: (
            d.framework.key,
            -RELATIONSHIP_RANK[d.relationship],
            -d.mapping.strength,
            d.other.position,
        )
    )
    return found


# ---------------------------------------------------------------------------------------------- crosswalks


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    relationship: str
    strength: int
    rationale: str
    source_ref: str


@dataclass(frozen=True)
class CrosswalkRow:
    framework: str
    requirement: str
    requirement_id: int | None
    title: str
    relationship: str  # the path's class: equal, superset, subset, intersect (one hop) or related
    strength: int  # decayed along the path
    path: list[str]
    steps: list[Step] = field(default_factory=list)
    path_ids: list[int | None] = field(default_factory=list)

    @property
    def hops(self) -> int:
        return len(self.path) - 1

    @property
    def path_labels(self) -> list[tuple[str, int | None]]:
        return list(zip(self.path, self.path_ids or [None] * len(self.path), strict=True))

    def as_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "requirement": self.requirement,
            "requirement_id": self.requirement_id,
            "title": self.title,
            "relationship": self.relationship,
            "strength": self.strength,
            "hops": self.hops,
            "path": self.path,
            "steps": [step.__dict__ for step in self.steps],
        }


@dataclass(frozen=True)
class Crosswalk:
    """What one requirement reaches: the requirements it is mapped to (equal, superset, subset, or intersect
    in one hop: strong enough to carry an answer), then those it is only related to, each strongest first."""

    framework: str
    requirement: str
    max_hops: int
    mapped: list[CrosswalkRow]
    related: list[CrosswalkRow]

    @property
    def rows(self) -> list[CrosswalkRow]:
        return self.mapped + self.related

    def counts(self) -> dict[str, int]:
        return {"mapped": len(self.mapped), "related": len(self.related)}

    def summary(self) -> str:
        """'12 mapped, 110 related'"""
        return f"{len(self.mapped)} mapped, {len(self.related)} related"

    def only(self, framework: str) -> Crosswalk:
        """The same answer narrowed to one framework (no framework: unchanged)."""
        if not framework:
            return self
        mapped = [row for row in self.mapped if row.framework == framework]
        related = [row for row in self.related if row.framework == framework]
        return Crosswalk(self.framework, self.requirement, self.max_hops, mapped, related)

    def as_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "requirement": self.requirement,
            "max_hops": self.max_hops,
            "counts": self.counts(),
            "mapped": [row.as_dict() for row in self.mapped],
            "related": [row.as_dict() for row in self.related],
        }


def _require_current(fw: Framework) -> None:
    if not fw.is_current:
        raise NotCurrent(
            f"{fw.key} {fw.version} is not the current version: crosswalks and coverage use current versions"
        )


def _node_label(key: tuple[str, str]) -> str:
    return f"{key[0]}:{key[1]}"


def crosswalk(requirement: Requirement, max_hops: int = DEFAULT_HOPS) -> Crosswalk:
    """Every requirement of another framework this one reaches within `max_hops`: mapped, then related."""
    _require_current(requirement.framework)
    index = graph.current_index()
    sets = split_reaches(index.reach((requirement.framework.key, requirement.ref), max_hops))
    titles = dict(
        Requirement.objects.filter(
            pk__in=[index.ids.get(r.target) for r in (*sets.mapped, *sets.related)]
        ).values_list("pk", "title")
    )

    def row(reach: Reach) -> CrosswalkRow:
        pk = index.ids.get(reach.target)
        return CrosswalkRow(
            framework=reach.target[0],
            requirement=reach.target[1],
            requirement_id=pk,
            title=titles.get(pk, "") if pk is not None else "",
            relationship=reach.relationship,
            strength=reach.strength,
            path=[_node_label(k) for k in reach.path],
            steps=steps_of(reach),
            path_ids=[index.ids.get(k) for k in reach.path],
        )

    return Crosswalk(
        requirement.framework.key,
        requirement.ref,
        max_hops,
        [row(r) for r in sets.mapped],
        [row(r) for r in sets.related],
    )


def steps_of(reach: Reach) -> list[Step]:
    """Each hop of a path with the mapping it follows: relationship, strength, rationale and source."""
    steps = []
    for edge in reach.edges:
        source, target = _node_label(edge.source), _node_label(edge.target)
        steps.append(Step(source, target, edge.relationship, edge.strength, edge.rationale, edge.source_ref))
    return steps


# ---------------------------------------------------------------------------------------------- coverage


@dataclass
class CoverageGroup:
    requirement_id: int
    ref: str
    title: str
    assessable: int = 0
    covered: int = 0
    direct: int = 0
    full: int = 0

    @property
    def gaps(self) -> int:
        return self.assessable - self.covered

    @property
    def share(self) -> float:
        return self.covered / self.assessable if self.assessable else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)


@dataclass
class Coverage:
    """How much of A's assessable requirements an answer in B reaches (directly or over the crosswalk)."""

    framework: Framework
    against: Framework
    max_hops: int
    groups: list[CoverageGroup]
    gap_rows: list[Requirement]

    def total(self, name: str) -> int:
        return sum(getattr(g, name) for g in self.groups)

    @property
    def assessable(self) -> int:
        return self.total("assessable")

    @property
    def covered(self) -> int:
        return self.total("covered")

    @property
    def direct(self) -> int:
        return self.total("direct")

    @property
    def full(self) -> int:
        return self.total("full")

    @property
    def gaps(self) -> int:
        return self.assessable - self.covered

    @property
    def share(self) -> float:
        return self.covered / self.assessable if self.assessable else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)


def coverage(a: Framework, b: Framework, max_hops: int = DEFAULT_HOPS) -> Coverage:
    """Per top-level node of A: its assessable requirements, those mapped to B (covered: equal, superset,
    subset, or intersect in one hop; a requirement only *related* to B is not covered), those with a direct
    mapping to B, and those reached fully (equal/superset). The gaps are the rest, in reading order."""
    _require_current(a)
    _require_current(b)
    if a.key == b.key:
        raise NotCurrent("choose two different frameworks")
    index = graph.current_index()
    groups: list[CoverageGroup] = []
    gap_rows: list[Requirement] = []
    group: CoverageGroup | None = None
    for req in a.requirements.order_by("position").only(
        "id", "ref", "title", "kind", "depth", "assessable", "position", "framework_id"
    ):
        if req.depth == 0 or group is None:
            group = CoverageGroup(req.pk, req.ref, req.title)
            groups.append(group)
        if not req.assessable:
            continue
        group.assessable += 1
        to_b = [r for r in index.reach((a.key, req.ref), max_hops) if r.target[0] == b.key and not r.related]
        if not to_b:
            gap_rows.append(req)
            continue
        group.covered += 1
        group.direct += any(len(r.path) == 2 for r in to_b)
        group.full += any(r.relationship in FULL_RELATIONSHIPS for r in to_b)
    return Coverage(a, b, max_hops, [g for g in groups if g.assessable], gap_rows)
