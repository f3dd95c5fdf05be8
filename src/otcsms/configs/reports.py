"""The drift report of a site (``otcsms report drift``): how many devices are in their baseline, drifted,
unreachable or without a baseline; the drifted ones by severity (chart); per drifted device its unapproved
changes with the rule that rated each; the baseline of every device (version, who approved it, when, why); and
the approved deviations, live and expired.

A builder for the reports app (core.registry.ReportKind): (site, user, params) -> a mapping with title,
template, context and summary; a bad parameter is a ValueError. Values are shown as the snapshots hold them:
secrets were replaced by keyed markers when the configuration was read (configs.secrets).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from otcsms.configs import services
from otcsms.configs.models import Baseline, Deviation
from otcsms.configs.severity_rules import SEVERITIES
from otcsms.core.models import User
from otcsms.plant.models import Asset
from otcsms.tenancy.models import Site
from otcsms.ui import charts

STATUS_ORDER = {"drifted": 0, "unreachable": 1, "no_baseline": 2, "in_baseline": 3}
STATUS_LABELS = {"drifted": "Drifted", "unreachable": "Unreachable", "no_baseline": "No baseline",
                 "in_baseline": "In baseline"}  # fmt: skip
MAX_CHANGES = 50  # per device in the report; the device's page and the API have them all
MAX_VALUE = 120


def _value(value: Any) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def build(site: Site, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    if params:
        raise ValueError(f"unknown report parameter {sorted(params)[0]!r:.40}; this report takes none")
    now = timezone.now()
    assets = Asset.objects.for_user(user).filter(site=site)
    rows = services.drift(assets, now=now)
    rows.sort(key=lambda r: (STATUS_ORDER.get(r.result.status, 9), r.asset.name.lower()))
    counts = {status: sum(r.result.status == status for r in rows) for status in STATUS_ORDER}
    by_severity = {s: sum(r.result.severity == s for r in rows) for s in SEVERITIES}
    drifted = []
    for row in rows:
        if row.result.status != "drifted":
            continue
        changes = [
            {"path": c.change.path, "kind": c.change.kind, "before": _value(c.change.before),
             "after": _value(c.change.after), "severity": c.severity, "rule": c.rule}
            for c in row.result.changes[:MAX_CHANGES]
        ]  # fmt: skip
        drifted.append(
            {"row": row, "changes": changes, "more": max(0, len(row.result.changes) - MAX_CHANGES)}
        )
    baselines: dict[int, Baseline] = {}
    for baseline in (
        Baseline.objects.for_user(user).filter(site=site).select_related("asset", "snapshot")
        .order_by("asset_id", "-approved_at", "-pk")
    ):  # fmt: skip
        baselines.setdefault(baseline.asset_id, baseline)
    deviations = list(
        Deviation.objects.for_user(user).filter(site=site).select_related("asset", "approved_by")
        .order_by("asset__name", "path_pattern", "pk")
    )  # fmt: skip
    chart = charts.bars(
        [charts.Value(s, by_severity[s], charts.SEVERITY_COLOURS[s]) for s in reversed(SEVERITIES)],
        title="Drifted devices by their highest severity", label_width=120,
    )  # fmt: skip
    return {
        "title": "Drift report",
        "template": "configs/report.html",
        "context": {
            "rows": rows,
            "counts": [(STATUS_LABELS[s], n) for s, n in counts.items()],
            "drifted": drifted,
            "chart": chart,
            "baselines": sorted(baselines.values(), key=lambda b: b.asset.name.lower()),
            "deviations": [{"deviation": d, "live": d.expires_at > now} for d in deviations],
            "max_changes": MAX_CHANGES,
        },
        "summary": (
            f"{len(rows)} device{'s' if len(rows) != 1 else ''} with configurations, {counts['drifted']} drifted, "
            f"{counts['unreachable']} unreachable"
        ),
    }
