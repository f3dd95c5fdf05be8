"""The program dashboard (issue 16 item 2), per site and across the user's sites: SL-A against SL-T per zone,
coverage per framework, open findings by severity, drift, evidence freshness, overdue reviews, roadmap progress,
top risks and KPI trends. Every number carries the URL of the list behind it, its filters applied.

Everything is read as the user may see it (``for_user``), for the sites chosen (the site switcher's, or all the
user's). The queries do not grow with the number of rows, and per site only where a site's own computation is
needed (SL-A per zone): the rest are grouped by site. Heavy measures (coverage, drift, freshness) come from the
newest KPI snapshot, which the worker captures daily and anyone may capture now from the CSMS health page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from otcsms.assessments.kpis import zone_gaps
from otcsms.checks import lifecycle as finding_lifecycle
from otcsms.checks.models import SEVERITY_ORDER, Finding
from otcsms.core import registry
from otcsms.core.models import User
from otcsms.improvement import services
from otcsms.improvement.models import KpiSnapshot
from otcsms.plant.models import Zone
from otcsms.risk.models import ThreatScenario
from otcsms.roadmap import lifecycle as action_lifecycle
from otcsms.roadmap.models import Action
from otcsms.tenancy.models import Site
from otcsms.ui import charts

MAX_SITES_DETAILED = 12  # SL-A per zone is computed per site: beyond this many sites the page shows totals
TOP_RISKS = 5


def url(name: str, *args: Any, **query: Any) -> str:
    base = reverse(name, args=args) if args else reverse(name)
    pairs = [(k, v) for k, values in query.items() for v in (values if isinstance(values, list) else [values])
             if v not in (None, "")]  # fmt: skip
    return f"{base}?{urlencode(pairs)}" if pairs else base


@dataclass
class Number:
    value: float | int | None
    url: str
    label: str = ""

    @property
    def shown(self) -> str:
        if self.value is None:
            return "—"
        if isinstance(self.value, float) and not self.value.is_integer():
            return f"{self.value:.1f}"
        return str(int(self.value))


@dataclass
class ZoneRow:
    zone: Zone
    sl_t: tuple[int, ...]
    sl_a: tuple[int, ...] | None
    gap: int | None
    url: str


@dataclass
class SiteBoard:
    site: Site
    findings: list[Number] = field(default_factory=list)
    findings_total: Number | None = None
    coverage: list[Number] = field(default_factory=list)
    drift: list[Number] = field(default_factory=list)
    freshness: Number | None = None
    overdue: Number | None = None
    progress: list[Number] = field(default_factory=list)
    progress_percent: int = 0
    zones: list[ZoneRow] = field(default_factory=list)
    kpis_at: Any = None


@dataclass
class Board:
    sites: list[SiteBoard]
    totals: dict[str, Number]
    severity_chart: str
    top_risks: list[tuple[ThreatScenario, str]]
    trends: list[dict[str, Any]]
    detailed: bool


def _pct(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def build(user: User, site_id: int | None) -> Board:
    sites = list(Site.objects.for_user(user).for_site(site_id).order_by("name"))
    ids = [s.pk for s in sites]
    boards = {s.pk: SiteBoard(s) for s in sites}
    today = timezone.localdate()

    # findings by severity: one grouped query
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITY_ORDER, 0))
    findings = Finding.objects.for_user(user).filter(site_id__in=ids, status=finding_lifecycle.OPEN)
    for row in findings.values("site_id", "severity").annotate(n=Count("pk")).order_by():
        counts[row["site_id"]][row["severity"]] = row["n"]
    for pk, board in boards.items():
        board.findings = [
            Number(counts[pk][sev], url("web:finding_list", site=pk, status="open", severity=sev), sev)
            for sev in SEVERITY_ORDER
        ]
        board.findings_total = Number(
            sum(counts[pk].values()), url("web:finding_list", site=pk, status="open")
        )

    # roadmap progress: one grouped query
    by_status: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(action_lifecycle.STATES, 0))
    actions = Action.objects.for_user(user).filter(site_id__in=ids)
    for action_site, status, n in (
        actions.values("site_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("site_id", "status", "n")
    ):
        by_status[action_site][status] = n
    for pk, board in boards.items():
        board.progress = [
            Number(
                by_status[pk][st], url("web:roadmap_action_list", site=pk, status=st), st.replace("_", " ")
            )
            for st in action_lifecycle.STATES
        ]
        planned = sum(n for st, n in by_status[pk].items() if st != action_lifecycle.CANCELLED)
        board.progress_percent = _pct(by_status[pk][action_lifecycle.DONE], planned)

    # overdue reviews, across apps: a few queries for all sites
    overdue: dict[int, int] = defaultdict(int)
    for item in services.calendar(user, ids):
        if item.overdue(today):
            overdue[item.site_id] += 1
    for pk, board in boards.items():
        board.overdue = Number(overdue[pk], url("web:improvement_calendar", site=pk, overdue="1"))

    # coverage, drift, freshness: the newest KPI snapshot of each site (two queries)
    newest = services.latest(ids)
    times = _capture_times(ids)
    for pk, board in boards.items():
        values = newest.get(pk, {})
        board.kpis_at = times.get(pk)
        board.coverage = [
            Number(v, url("web:assessment_list", site=pk), name)
            for name, v in sorted(values.get("requirements.met", {}).items())
        ]
        board.drift = [
            Number(v, url("web:config_drift", site=pk), sev)
            for sev, v in values.get("drift.open", {}).items()
        ]
        fresh = values.get("evidence.fresh", {}).get("")
        board.freshness = Number(fresh, url("web:evidence_completeness", site=pk))

    # SL-A against SL-T per zone: a constant number of queries per site, for the first sites only
    detailed = len(sites) <= MAX_SITES_DETAILED
    if detailed:
        visible_zones = Zone.objects.for_user(user).filter(site_id__in=ids).in_bulk()
        for board in boards.values():
            for zone_id, (target, achieved) in zone_gaps(board.site).items():
                zone = visible_zones.get(zone_id)
                if zone is None:
                    continue
                gap = sum(max(0, t - a) for t, a in zip(target, achieved, strict=True)) if achieved else None
                board.zones.append(
                    ZoneRow(zone, target, achieved, gap, reverse("web:zone_detail", args=[zone_id]))
                )
            board.zones.sort(key=lambda z: (-(z.gap or 0), z.zone.name))

    totals = {
        "findings": Number(sum(b.findings_total.value or 0 for b in boards.values() if b.findings_total),
                           url("web:finding_list", status="open")),
        "severe": Number(sum(counts[pk]["critical"] + counts[pk]["high"] for pk in ids),
                         url("web:finding_list", status="open", severity=["critical", "high"])),
        "overdue": Number(sum(overdue.values()), url("web:improvement_calendar", overdue="1")),
        "open_actions": Number(sum(by_status[pk][st] for pk in ids for st in action_lifecycle.OPEN),
                               url("web:roadmap_action_list", status="open")),
        "zones_short": Number(sum(1 for b in boards.values() for z in b.zones if z.gap), url("web:zone_list")),
    }  # fmt: skip
    severity_chart = charts.bars(
        [
            charts.Value(
                sev, float(sum(counts[pk][sev] for pk in ids)), charts.SEVERITY_COLOURS.get(sev, "#9a9a9a")
            )
            for sev in SEVERITY_ORDER
        ],
        title="Open findings by severity",
        width=420,
        label_width=120,
    )
    risks = (
        ThreatScenario.objects.for_user(user)
        .filter(site_id__in=ids)
        .select_related("site")
        .order_by("-residual_score", "-inherent_score", "title")[:TOP_RISKS]
    )
    top_risks = [(r, reverse("web:threatscenario_detail", args=[r.pk])) for r in risks]
    return Board(list(boards.values()), totals, severity_chart, top_risks, trends(ids), detailed)


def _capture_times(ids: list[int]) -> dict[int, Any]:
    return dict(
        KpiSnapshot.objects.filter(site_id__in=ids).values("site_id").annotate(at=Max("captured_at"))
        .order_by().values_list("site_id", "at")
    )  # fmt: skip


def trends(ids: list[int], *, days: int = 180, width: int = 380) -> list[dict[str, Any]]:
    """One chart per KPI over the chosen sites (combined), from one query."""
    history = services.history(ids, days=days)
    out = []
    for kpi in registry.kpis():
        series = services.combined(history, kpi)
        svg = charts.trend_svg(series, title=kpi.title, unit=kpi.unit, width=width)
        latest_values = {name: points[-1][1] for name, points in series.items() if points}
        out.append({"kpi": kpi, "svg": svg, "latest": latest_values,
                    "url": reverse(kpi.list_url) if kpi.list_url else ""})  # fmt: skip
    return out
