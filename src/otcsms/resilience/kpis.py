"""The resilience app's KPI (declared in resilience/registry.py: kpis): drill cadence, how much of the site's
drill cadence has gone by since its last drill."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from otcsms.resilience import services, timing
from otcsms.tenancy.models import Site


def drill_cadence_used(site: Site, today: date | None = None) -> float:
    """Days since the last drill held (or since the programme started, none held yet) as a percent of the
    site's cadence (its own, else the default for its NERC impact): under 100 the site is within its cadence,
    100 the next drill is due today, above it the drill is overdue (the ``resilience.drill-overdue`` check's
    finding). Three queries, like the check."""
    day = today or timezone.localdate()
    due = services.drill_due(site)
    start = timing.add_months(due.due, -due.cadence_months)
    period = max(1, (due.due - start).days)
    return round(100 * max(0, (day - start).days) / period, 1)
