"""The report kinds built on assessments, catalogs and evidence: the gap report, the statement of
applicability and the coverage matrix across frameworks. Each builder is (site, user, params) -> ReportData and
reads only what ``user`` may see (``for_user``); the gap list is the assessments app's own (gapexport)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from otcsms.assessments import gapexport, services
from otcsms.assessments.models import Assessment
from otcsms.assessments.results import Counts, combined_status
from otcsms.core.inputs import parse_id
from otcsms.core.models import User
from otcsms.evidence.cells import evidence_states
from otcsms.reports.framework import ReportData, ReportError
from otcsms.tenancy.models import Site
from otcsms.ui import charts

STATUS_LABELS = {
    "met": "Met", "partially_met": "Partially met", "not_met": "Not met",
    "not_applicable": "Not applicable", "not_assessed": "Not assessed",
}  # fmt: skip


def chosen_assessments(site: Site, user: User, params: Mapping[str, str]) -> list[Assessment]:
    """``params["assessment"]`` (an id of the site) if given, else the latest assessment of every framework
    assessed at the site, by framework name."""
    visible = Assessment.objects.for_user(user).filter(site=site).select_related("framework", "site")
    unknown = set(params) - {"assessment"}
    if unknown:
        raise ReportError(
            f"unknown report parameter {sorted(unknown)[0]!r:.40}; this report takes: assessment"
        )
    if "assessment" in params:
        pk = parse_id(params["assessment"])
        found = visible.filter(pk=pk).first() if pk is not None else None
        if found is None:
            raise ReportError(f"no assessment {params['assessment']!r:.40} at {site.name}")
        return [found]
    latest: dict[str, Assessment] = {}
    for assessment in visible.order_by("framework__key", "-started_on", "-pk"):
        latest.setdefault(assessment.framework.key, assessment)
    return sorted(latest.values(), key=lambda a: a.framework.name)


# --- gap report -------------------------------------------------------------------------------------------


def gap_report(site: Site, user: User, params: Mapping[str, str]) -> ReportData:
    """Per assessment, every gap (not met, partially met) by zone and FR, with owner, comment and evidence."""
    sections: list[dict[str, Any]] = []
    for assessment in chosen_assessments(site, user, params):
        rows = gapexport.gap_rows(assessment)
        sections.append({
            "assessment": assessment, "framework": assessment.framework.name, "count": len(rows),
            "not_met": sum(r.status == "not_met" for r in rows), "groups": gapexport.grouped(rows),
        })  # fmt: skip
    total = sum(s["count"] for s in sections)
    return ReportData(
        title="Gap report",
        template="reports/gaps.html",
        context={"sections": sections, "status_labels": STATUS_LABELS},
        summary=f"{total} gaps in {len(sections)} assessment{'s' if len(sections) != 1 else ''}",
    )


# --- statement of applicability ---------------------------------------------------------------------------


@dataclass
class SoaRow:
    ref: str
    title: str
    applicable: bool
    reason: str  # why not applicable; empty when applicable
    status: str
    zones: int  # scopes it is answered for
    evidence: list[str] = field(default_factory=list)


def soa_rows(assessment: Assessment, user: User) -> list[SoaRow]:
    """Every assessable requirement of the assessment's framework, in reading order: applicable or not (and
    why), its status combined over the zones in scope, and the evidence given for it or linked to it."""
    all_slots = services.slots(assessment)
    in_force = services.effective_responses(assessment, all_slots)
    by_requirement: dict[int, list] = {}
    for slot in all_slots:
        by_requirement.setdefault(slot.requirement_id, []).append(slot)
    states = evidence_states(user, [f.answer.pk for f in in_force.values()])
    rows = []
    for req in services.framework_requirements(assessment.framework):
        if not req.assessable:
            continue
        found = by_requirement.get(req.pk)
        if not found:
            rows.append(SoaRow(req.ref, req.title, False, _out_of_scope(assessment), "not_applicable", 0))
            continue
        answers = [in_force.get((s.requirement_id, s.zone_id)) for s in found]
        status = combined_status(a.answer.status if a is not None else "not_assessed" for a in answers)
        evidence: list[str] = []
        reasons: list[str] = []
        for effective in answers:
            if effective is None:
                continue
            response = effective.answer
            evidence += [str(item) for item in response.evidence or ()]
            evidence += [
                f"{s.link.document}{'' if s.current else f' (stale: {s.why})'}"
                for s in states.get(response.pk, ())
            ]
            if response.status == "not_applicable" and response.comment:
                reasons.append(" ".join(response.comment.split()))
        applicable = status != "not_applicable"
        reason = (
            ""
            if applicable
            else ("; ".join(dict.fromkeys(reasons)) or "declared not applicable (no reason given)")
        )
        rows.append(
            SoaRow(req.ref, req.title, applicable, reason, status, len(found), list(dict.fromkeys(evidence)))
        )
    return rows


def _out_of_scope(assessment: Assessment) -> str:
    if assessment.target_impact:
        return f"not required at the site's impact rating ({assessment.target_impact})"
    return "not selected by any zone's target security level (SL-T)"


def statement_of_applicability(site: Site, user: User, params: Mapping[str, str]) -> ReportData:
    sections = []
    for assessment in chosen_assessments(site, user, params):
        rows = soa_rows(assessment, user)
        sections.append({
            "assessment": assessment, "framework": assessment.framework.name, "rows": rows,
            "applicable": sum(r.applicable for r in rows), "total": len(rows),
        })  # fmt: skip
    return ReportData(
        title="Statement of applicability",
        template="reports/soa.html",
        context={"sections": sections, "status_labels": STATUS_LABELS},
        summary=f"{len(sections)} framework{'s' if len(sections) != 1 else ''}",
    )


# --- coverage matrix --------------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    framework: str
    source: str  # "assessed in <assessment>" or "inferred from <assessment>"
    counts: Counts

    @property
    def unknown(self) -> int:
        return self.counts.not_assessed


def coverage_rows(assessments: list[Assessment]) -> list[CoverageRow]:
    """Per framework: its own latest assessment's counts if it has one, else what the crosswalk infers from
    the assessment that reaches most of it (most requirements met, then fewest unknown)."""
    report = services.recompute_fleet(assessments) if assessments else {}
    direct: dict[str, CoverageRow] = {}
    inferred: dict[str, CoverageRow] = {}
    for assessment in assessments:
        coverages = report.get(assessment.pk, [])
        for i, cov in enumerate(coverages):
            if i == 0:
                direct[cov.key] = CoverageRow(cov.framework, f"assessed in {assessment.name}", cov.overall)
                continue
            best = inferred.get(cov.key)
            mine = (cov.overall.met, -cov.overall.not_assessed)
            if best is None or mine > (best.counts.met, -best.counts.not_assessed):
                inferred[cov.key] = CoverageRow(
                    cov.framework, f"inferred from {assessment.name}", cov.overall
                )
    rows = list(direct.values()) + [row for key, row in inferred.items() if key not in direct]
    return sorted(rows, key=lambda r: r.framework)


def coverage_matrix(site: Site, user: User, params: Mapping[str, str]) -> ReportData:
    if params:
        raise ReportError(f"unknown report parameter {sorted(params)[0]!r:.40}; this report takes none")
    rows = coverage_rows(chosen_assessments(site, user, {}))
    bars = [
        charts.Bar(r.framework, {"met": r.counts.met, "partially_met": r.counts.partially_met,
                                 "not_met": r.counts.not_met, "not_assessed": r.counts.not_assessed})
        for r in rows
    ]  # fmt: skip
    return ReportData(
        title="Coverage matrix across frameworks",
        template="reports/coverage.html",
        context={"rows": rows, "chart": charts.stacked_bars(bars) if bars else ""},
        summary=f"{len(rows)} framework{'s' if len(rows) != 1 else ''}",
    )
