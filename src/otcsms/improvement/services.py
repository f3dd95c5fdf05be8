"""Workflows of C12: capturing KPI snapshots, reading their history, the review calendar across apps,
management reviews (their inputs, their decisions becoming roadmap actions) and nonconformities (their
corrective action becoming a roadmap action).

KPIs and review dates come from every app through the registry (``Kpi``, ``review_schedules``): this module never
names the app that measures or schedules them. Plain values in, model instances out; never a request.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from otcsms.checks import lifecycle as finding_lifecycle
from otcsms.checks.models import SEVERITY_ORDER, Finding
from otcsms.core import registry
from otcsms.core.models import User
from otcsms.core.roles import Action as ScopeAction
from otcsms.core.scoping import can
from otcsms.improvement.models import Decision, KpiSnapshot, ManagementReview, Nonconformity
from otcsms.risk.models import ThreatModelReview
from otcsms.roadmap import services as roadmap
from otcsms.roadmap import sources as roadmap_sources
from otcsms.roadmap.models import Action
from otcsms.tenancy.models import Site
from otcsms.ui.reviews import ReviewDue

log = logging.getLogger(__name__)

MAX_SERIES = 50  # series one KPI may report per site (frameworks, severities): more is a bug of the KPI


class ImprovementInputError(ValueError):
    """Bad input (422 / form error / exit 2)."""


class ImprovementForbiddenError(Exception):
    """The user may not do this (403)."""


class ImprovementStateError(Exception):
    """Not in a state that allows it (409)."""


# --- KPIs ------------------------------------------------------------------------------------------------------------
def kpi_definitions() -> list[registry.Kpi]:
    return registry.kpis()


def _as_series(value: object) -> dict[str, float]:
    """A KPI function's result as {series: value}; None -> nothing measured."""
    if value is None:
        return {}
    if isinstance(value, int | float):
        return {"": float(value)}
    if isinstance(value, Mapping):
        if len(value) > MAX_SERIES:
            raise ValueError(f"more than {MAX_SERIES} series")
        return {str(k)[:200]: float(v) for k, v in value.items() if v is not None}
    raise TypeError(
        f"a KPI returns a number, None or a mapping of series to numbers, not {type(value).__name__}"
    )


@dataclass
class CaptureReport:
    at: dt.datetime
    sites: int = 0
    values: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (site, kpi, error)

    def summary(self) -> str:
        text = f"{self.values} KPI values captured for {self.sites} site{'s' if self.sites != 1 else ''}"
        return text + (f"; {len(self.errors)} KPI errors" if self.errors else "")


def measure(
    site: Site, kpis: Sequence[registry.Kpi] | None = None
) -> tuple[dict[str, dict[str, float]], list]:
    """Every KPI of ``site`` now: {kpi key: {series: value}}, and the errors ([(kpi key, message)]) of KPIs that
    raised (the others are measured regardless)."""
    values: dict[str, dict[str, float]] = {}
    errors: list[tuple[str, str]] = []
    for kpi in kpis if kpis is not None else kpi_definitions():
        try:
            with transaction.atomic():  # a failing query inside one KPI leaves the others usable
                values[kpi.key] = _as_series(registry.resolve(kpi.function)(site))
        except Exception as exc:  # one KPI's failure is that KPI's error, by design
            log.exception("KPI %s failed on site %s", kpi.key, site.pk)
            errors.append((kpi.key, f"{type(exc).__name__}: {exc}"[:500]))
    return values, errors


def capture(sites: Iterable[Site] | None = None, *, at: dt.datetime | None = None) -> CaptureReport:
    """Measure every KPI of every site (or of ``sites``) and store the values, one snapshot per KPI, series and
    site, all stamped with one time; one short transaction per site."""
    now = at or timezone.now()
    report = CaptureReport(now)
    kpis = kpi_definitions()
    for site in sites if sites is not None else Site.objects.order_by("pk"):
        values, errors = measure(site, kpis)
        rows = [
            KpiSnapshot(site=site, kpi=key, series=series, value=value, captured_at=now)
            for key, by_series in values.items()
            for series, value in by_series.items()
        ]
        with transaction.atomic():
            if not KpiSnapshot.objects.filter(site=site, captured_at=now).exists():  # one capture per instant
                KpiSnapshot.objects.bulk_create(rows)
        report.sites += 1
        report.values += len(rows)
        report.errors += [(site.name, key, message) for key, message in errors]
    return report


Series = dict[str, list[tuple[dt.datetime, float]]]


def history(site_ids: Sequence[int], *, days: int = 180) -> dict[int, dict[str, Series]]:
    """{site id: {kpi key: {series: [(time, value), ...]}}} over the last ``days``, oldest first (one query)."""
    since = timezone.now() - dt.timedelta(days=days)
    found: dict[int, dict[str, Series]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    rows = KpiSnapshot.objects.filter(site_id__in=list(site_ids), captured_at__gte=since).order_by(
        "captured_at"
    )
    for site_id, kpi, series, value, at in rows.values_list(
        "site_id", "kpi", "series", "value", "captured_at"
    ):
        found[site_id][kpi][series].append((at, value))
    return found


def latest(site_ids: Sequence[int]) -> dict[int, dict[str, dict[str, float]]]:
    """The newest captured value of each KPI and series per site (one query over the newest capture time)."""
    newest = {
        row["site_id"]: row["at"]
        for row in KpiSnapshot.objects.filter(site_id__in=list(site_ids))
        .values("site_id")
        .annotate(at=Max("captured_at"))
        .order_by()
    }
    found: dict[int, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    if not newest:
        return found
    rows = KpiSnapshot.objects.filter(site_id__in=list(newest), captured_at__in=set(newest.values()))
    for site_id, kpi, series, value, at in rows.values_list(
        "site_id", "kpi", "series", "value", "captured_at"
    ):
        if newest.get(site_id) == at:
            found[site_id][kpi][series] = value
    return found


def combined(by_site: Mapping[int, Mapping[str, Series]], kpi: registry.Kpi) -> Series:
    """One KPI over several sites, per series and capture time (to the minute): the sum over the sites for
    counts, the mean for percentages and days. Two captures of one site in one minute count once (the later)."""
    buckets: dict[str, dict[dt.datetime, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for site_id, per_kpi in by_site.items():
        for series, points in per_kpi.get(kpi.key, {}).items():
            for at, value in points:  # oldest first: the later capture of a minute wins
                buckets[series][at.replace(second=0, microsecond=0)][site_id] = value
    average = kpi.unit in ("%", "days")
    out: Series = {}
    for series, by_time in buckets.items():
        out[series] = [
            (at, (sum(v.values()) / len(v)) if average else sum(v.values()))
            for at, v in sorted(by_time.items())
        ]
    return out


# --- the review calendar ---------------------------------------------------------------------------------------------
def calendar(user: User | None, site_ids: Sequence[int]) -> list[ReviewDue]:
    """Everything due for review at these sites (as ``user`` may see it; every row for None), soonest first."""
    items: list[ReviewDue] = []
    for path in registry.review_schedules():
        items.extend(registry.resolve(path)(user, list(site_ids)))
    return sorted(items, key=lambda r: (r.due_on, r.kind, r.title))


def overdue_reviews(site: Site) -> float:
    """The KPI: reviews (of every app) past their due date at the site."""
    today = timezone.localdate()
    return float(sum(1 for item in calendar(None, [site.pk]) if item.overdue(today)))


def open_nonconformities(site: Site) -> dict[str, float]:
    """The KPI: nonconformities not closed, per grade."""
    counts = dict.fromkeys(Nonconformity.Grade.values, 0.0)
    rows = Nonconformity.objects.filter(site=site).exclude(status=Nonconformity.Status.CLOSED)
    for row in rows.values("grade").annotate(n=Count("pk")).order_by():
        counts[row["grade"]] = float(row["n"])
    return counts


# --- management reviews ------------------------------------------------------------------------------------------------
def _require(user: User | None, action: ScopeAction, site_id: int) -> None:
    if user is not None and not can(user, action, site_id):
        raise ImprovementForbiddenError(f"you may not {action} at this site")


def _save(obj: Any) -> Any:
    try:
        obj.full_clean()
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise ImprovementInputError(f"{name}: {messages[0]}") from None
    obj.save()
    return obj


def gather_inputs(review: ManagementReview, user: User | None) -> ManagementReview:
    """Record what the platform knows now as the review's inputs: the site's newest KPIs, open findings by
    severity, reviews overdue, nonconformities open, and the threat-model reviews since the previous management
    review (changes in threats). The people's inputs (drill and audit results) are the review's own fields."""
    _require(user, "change", review.site_id)
    site_id = review.site_id
    previous = (
        ManagementReview.objects.filter(site_id=site_id, status=ManagementReview.Status.HELD)
        .exclude(pk=review.pk)
        .order_by("-held_on")
        .values_list("held_on", flat=True)
        .first()
    )
    since = previous or (timezone.localdate() - dt.timedelta(days=365))
    kpis = {k.key: k for k in kpi_definitions()}
    newest = latest([site_id]).get(site_id, {})
    findings = dict.fromkeys(SEVERITY_ORDER, 0)
    for row in (
        Finding.objects.filter(site_id=site_id, status=finding_lifecycle.OPEN)
        .values("severity")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        findings[row["severity"]] = row["n"]
    today = timezone.localdate()
    due = calendar(None, [site_id])
    threats = ThreatModelReview.objects.filter(site_id=site_id, reviewed_on__gte=since).select_related("zone")
    inputs = {
        "since": since.isoformat(),
        "kpis": [
            {
                "key": key,
                "title": kpis[key].title if key in kpis else key,
                "unit": kpis[key].unit if key in kpis else "",
                "values": dict(values),
            }
            for key, values in newest.items()
        ],
        "findings": findings,
        "overdue_reviews": [
            {"kind": r.kind, "title": r.title, "due_on": r.due_on.isoformat()}
            for r in due
            if r.overdue(today)
        ][:100],
        "nonconformities": [
            {"title": n.title, "grade": n.grade, "status": n.status, "detected_on": n.detected_on.isoformat()}
            for n in Nonconformity.objects.filter(site_id=site_id).exclude(status=Nonconformity.Status.CLOSED)
        ][:100],
        "threat_model_reviews": [
            {
                "on": t.reviewed_on.isoformat(),
                "where": str(t.zone) if t.zone_id else "site",
                "changes": t.changes,
            }
            for t in threats.order_by("reviewed_on")
        ][:100],
        "actions_done": Action.objects.filter(
            site_id=site_id, status="done", completed_on__gte=since
        ).count(),
    }
    with transaction.atomic():
        review.inputs = inputs
        review.inputs_gathered_at = timezone.now()
        _save(review)
    return review


def _new_action(site_id: int, title: str, description: str, owner_id: int | None, due_on: dt.date | None,
                source_label: str, source_id: int, user: User | None) -> Action:  # fmt: skip
    action = Action(site_id=site_id, title=title[:200], description=description[:5000], owner_id=owner_id,
                    due_on=due_on)  # fmt: skip
    try:
        roadmap.save_action(action)
        roadmap.link_source(action, source_label, source_id, by=user)
    except roadmap.RoadmapForbiddenError as exc:
        raise ImprovementForbiddenError(str(exc)) from None
    except (roadmap.RoadmapInputError, roadmap.RoadmapStateError) as exc:
        raise ImprovementInputError(str(exc)) from None
    return action


def add_decision(review: ManagementReview, user: User | None, *, text: str, owner_id: int | None = None,
                 due_on: dt.date | None = None) -> Decision:  # fmt: skip
    """A decision of the review, and its roadmap action (proposed; its source is the decision)."""
    _require(user, "change", review.site_id)
    if not text.strip():
        raise ImprovementInputError("text: say what was decided")
    with transaction.atomic():
        decision = _save(Decision(site_id=review.site_id, review=review, text=text.strip(), owner_id=owner_id,
                                  due_on=due_on))  # fmt: skip
        action = _new_action(review.site_id, decision.text, f"Decided at the management review “{review.title}”.",
                             owner_id, due_on, "improvement.decision", decision.pk, user)  # fmt: skip
        decision.action = action
        decision.save()
    return decision


def hold(review: ManagementReview, user: User | None, held_on: dt.date | None = None) -> ManagementReview:
    """Mark the review held (today unless told), gathering its inputs if nobody did yet."""
    _require(user, "change", review.site_id)
    if review.status == ManagementReview.Status.HELD:
        raise ImprovementStateError("the review is already held")
    with transaction.atomic():
        if review.inputs_gathered_at is None:
            gather_inputs(review, user)
        review.status = ManagementReview.Status.HELD
        review.held_on = held_on or timezone.localdate()
        _save(review)
    return review


# --- nonconformities --------------------------------------------------------------------------------------------------
def raise_corrective_action(nc: Nonconformity, user: User | None) -> Nonconformity:
    """Turn the nonconformity's corrective action into a roadmap action (its source is the nonconformity)."""
    _require(user, "change", nc.site_id)
    if nc.action_id is not None:
        raise ImprovementStateError("the corrective action is already on the roadmap")
    if nc.status == Nonconformity.Status.CLOSED:
        raise ImprovementStateError("the nonconformity is closed")
    if not nc.corrective_action.strip():
        raise ImprovementInputError("corrective_action: describe the corrective action first")
    with transaction.atomic():
        action = _new_action(nc.site_id, f"Corrective action: {nc.title}", nc.corrective_action, nc.owner_id,
                             nc.due_on, "improvement.nonconformity", nc.pk, user)  # fmt: skip
        nc.action = action
        nc.status = Nonconformity.Status.ACTION
        _save(nc)
    return nc


def close_nonconformity(
    nc: Nonconformity, user: User | None, closed_on: dt.date | None = None
) -> Nonconformity:
    _require(user, "approve", nc.site_id)
    if nc.status == Nonconformity.Status.CLOSED:
        raise ImprovementStateError("the nonconformity is already closed")
    with transaction.atomic():
        nc.status = Nonconformity.Status.CLOSED
        nc.closed_on = closed_on or timezone.localdate()
        _save(nc)
        if nc.action_id is not None:  # its corrective action is done with it (the sync's rule, at once)
            roadmap_sources.close_done(nc.site, roadmap_sources.SyncResult(), only=[nc.action_id])
    return nc
