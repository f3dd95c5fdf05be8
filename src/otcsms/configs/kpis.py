"""The configuration KPI: open drift by severity (declared in configs/registry.py: kpis)."""

from __future__ import annotations

from otcsms.configs import services
from otcsms.plant.models import Asset
from otcsms.tenancy.models import Site

SEVERITIES = ("critical", "high", "medium", "low")


def open_drift(site: Site) -> dict[str, float]:
    """Assets whose configuration drifted from the baseline without approval, per the severity of their worst
    change (the same computation as the drift checks: a handful of queries whatever the number of assets)."""
    counts = dict.fromkeys(SEVERITIES, 0.0)
    for row in services.drift(Asset.objects.filter(site=site)):
        if row.result.status == "drifted":
            severity = row.result.severity if row.result.severity in counts else "low"
            counts[severity] += 1
    return counts
