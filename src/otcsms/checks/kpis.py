"""The checks' KPI: open findings by severity (declared in checks/registry.py: kpis)."""

from __future__ import annotations

from django.db.models import Count

from otcsms.checks import lifecycle
from otcsms.checks.models import SEVERITY_ORDER, Finding
from otcsms.tenancy.models import Site


def open_findings(site: Site) -> dict[str, float]:
    """Open findings per severity (every severity, zeros included: a line that drops to 0 is the point)."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0.0)
    rows = Finding.objects.filter(site=site, status=lifecycle.OPEN).values("severity").annotate(n=Count("pk"))
    for row in rows.order_by():
        counts[row["severity"]] = float(row["n"])
    return counts
