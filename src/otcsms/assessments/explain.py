"""Why a result is what it is: an inferred status explained hop by hop in plain words (framework names, each
hop's relationship, strength and rationale), and the inferred results of one framework, for the pages that
link every answer row, gap and coverage bar to its reason."""

from __future__ import annotations

from dataclasses import dataclass

from otcsms.assessments import inference, wording
from otcsms.assessments.models import Assessment
from otcsms.assessments.services import ReqKey, catalog_index, inference_state, requirement_meta, scopes
from otcsms.catalogs import graph
from otcsms.catalogs.crosswalk import Reach
from otcsms.catalogs.models import Framework, Requirement

MAX_EXPLAINED = 500


@dataclass(frozen=True, slots=True)
class Label:
    """A requirement as people read it: its ref, title and framework name (never a framework key)."""

    key: ReqKey
    ref: str
    title: str
    framework: str
    requirement_id: int | None

    @property
    def short(self) -> str:
        return f"{self.ref} ({self.framework})"


@dataclass(frozen=True, slots=True)
class Hop:
    source: Label
    target: Label
    relationship: str
    strength: int
    rationale: str
    source_ref: str

    @property
    def sentence(self) -> str:
        return wording.hop_sentence(self.source.short, self.relationship, self.target.short)


@dataclass(frozen=True, slots=True)
class Carried:
    """One answer carried to one requirement: the source answered, what it gives, the path and its reason."""

    source: Label
    target: Label
    status: str
    carried: str
    partial_evidence: bool
    relationship: str
    strength: int
    hops: tuple[Hop, ...]

    @property
    def reason(self) -> str:
        return wording.carry_reason(
            self.source.ref, self.target.ref, self.status, self.carried, self.relationship, len(self.hops)
        )


@dataclass(frozen=True)
class Explanation:
    """Why a requirement has its status in one scope: where an inferred status comes from, and for a direct
    answer what it gives the other frameworks."""

    requirement: Label
    zone_id: int | None
    status: str
    inferred: bool
    partial_evidence_only: bool
    sources: list[Carried]  # inferred: every answer that gives it something, most restrictive first
    gives: list[Carried]  # answered directly: every requirement it gives something to, strongest first
    related: int  # requirements the answer's crosswalk reaches only over related paths (they get nothing)


def explain(assessment: Assessment, zone_id: int | None, key: ReqKey) -> Explanation:
    current = inference_state(assessment)
    index, result = current.index, current.engine.result(zone_id, key)
    direct = current.engine.direct(zone_id).get(key)
    sources: list[tuple[ReqKey, str, str, bool, Reach]] = []
    for source in result.sources:
        reach = _reach_between(index, source.requirement, key)
        if reach is not None:
            sources.append(
                (source.requirement, source.status, source.carried, source.partial_evidence, reach)
            )
    gives: list[tuple[ReqKey, str, str, bool, Reach]] = []
    related = 0
    if direct is not None:
        for reach in index.reach(key):
            if reach.related:
                related += 1
                continue
            claim = inference.carried_claim(direct, reach.relationship, reach.hops)
            if claim is not None:
                carried = inference.carried_status(direct, reach.relationship, reach.hops) or claim
                gives.append((key, direct, carried, claim == inference.PARTIAL_EVIDENCE, reach))
    gives = gives[:MAX_EXPLAINED]
    labels = _labels(assessment, {key} | {k for *_, reach in sources + gives for k in reach.path})
    return Explanation(
        requirement=labels[key], zone_id=zone_id, status=result.status, inferred=result.inferred,
        partial_evidence_only=result.partial_evidence_only,
        sources=[_carried(labels, index, *row) for row in sources],
        gives=[_carried(labels, index, *row) for row in gives], related=related,
    )  # fmt: skip


def _reach_between(index: graph.CrosswalkIndex, source: ReqKey, target: ReqKey) -> Reach | None:
    return next((reach for reach in index.reach(source) if reach.target == target), None)


def _carried(
    labels: dict[ReqKey, Label], index: graph.CrosswalkIndex, source: ReqKey, status: str, carried: str,
    partial_evidence: bool, reach: Reach,
) -> Carried:  # fmt: skip
    hops = tuple(
        Hop(labels[e.source], labels[e.target], e.relationship, e.strength, e.rationale, e.source_ref)
        for e in reach.edges
    )
    return Carried(
        labels[source], labels[reach.target], status, carried, partial_evidence, reach.relationship,
        reach.strength, hops,
    )  # fmt: skip


def _labels(assessment: Assessment, keys: set[ReqKey]) -> dict[ReqKey, Label]:
    """Labels of requirements of the current frameworks (the crosswalk's), and of the assessment's own version."""
    index, catalog = graph.current_index(), catalog_index()
    ids = {index.ids[k]: k for k in keys if k in index.ids}
    titles = dict(Requirement.objects.filter(pk__in=ids).values_list("pk", "title"))
    own = requirement_meta(assessment.framework)
    labels = {}
    for key in keys:
        pk = index.ids.get(key)
        meta = own.get(key)
        title = titles.get(pk, "") if pk is not None else (meta.title if meta else "")
        name = catalog.names.get(key[0]) or (
            assessment.framework.name if key[0] == assessment.framework.key else key[0]
        )
        labels[key] = Label(key, key[1], title, name, pk)
    return labels


@dataclass(frozen=True, slots=True)
class InferredRow:
    zone_id: int | None
    requirement: Label
    status: str
    partial_evidence_only: bool
    first_source: ReqKey | None
    sources: int


def inferred_results(
    assessment: Assessment, framework_key: str, status: str = ""
) -> tuple[list[InferredRow], int]:
    """The inferred results of one other framework in every scope of the assessment, most restrictive first,
    then in the framework's reading order (at most MAX_EXPLAINED rows); and how many there are in all."""
    engine = inference_state(assessment).engine
    found = []
    for scope in scopes(assessment):
        for key, effective in engine.results(scope).items():
            if key[0] == framework_key and effective.inferred and (not status or effective.status == status):
                found.append((scope, key, effective))
    framework = Framework.objects.filter(key=framework_key, is_current=True).first()
    order = {k: i for i, k in enumerate(requirement_meta(framework))} if framework else {}
    rank = {"not_met": 0, "partially_met": 1, "met": 2}
    found.sort(key=lambda row: (rank.get(row[2].status, 3), order.get(row[1], len(order)), str(row[0])))
    labels = _labels(assessment, {key for _, key, _ in found[:MAX_EXPLAINED]})
    rows = []
    for scope, key, effective in found[:MAX_EXPLAINED]:
        first = effective.sources[0].requirement if effective.sources else None
        rows.append(
            InferredRow(
                scope,
                labels[key],
                effective.status,
                effective.partial_evidence_only,
                first,
                len(effective.sources),
            )
        )
    return rows, len(found)
