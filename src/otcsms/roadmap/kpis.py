"""The roadmap KPI: mean time to close actions (declared in roadmap/registry.py: kpis)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from otcsms.roadmap import lifecycle
from otcsms.roadmap.models import Action
from otcsms.tenancy.models import Site

WINDOW_DAYS = 180


def mean_days_to_close(site: Site) -> float | None:
    """Mean days from creation to completion of the actions finished in the last 180 days; None when none
    was. One query."""
    since = timezone.localdate() - dt.timedelta(days=WINDOW_DAYS)
    rows = Action.objects.filter(site=site, status=lifecycle.DONE, completed_on__gte=since).values_list(
        "created_at", "completed_on"
    )
    days = [max(0, (completed - created.date()).days) for created, completed in rows if completed and created]
    if not days:
        return None
    return round(sum(days) / len(days), 1)
