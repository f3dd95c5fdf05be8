"""The access KPI: how complete the site's access reviews are (declared in access/registry.py: kpis)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from otcsms.access.models import ReviewCampaign, ReviewItem
from otcsms.tenancy.models import Site


def review_completion(site: Site) -> float | None:
    """Percent of the grants decided (confirmed or revoked) in the site's open reviews and those closed in the
    last year; None when there is no such review. One query."""
    since = timezone.now() - dt.timedelta(days=365)
    recent = Q(campaign__status=ReviewCampaign.Status.OPEN) | Q(campaign__signed_off_at__gte=since)
    counts = ReviewItem.objects.filter(Q(site=site) & recent).aggregate(
        total=Count("pk"), decided=Count("pk", filter=~Q(decision=ReviewItem.Decision.PENDING))
    )
    if not counts["total"]:
        return None
    return round(100 * counts["decided"] / counts["total"], 1)
