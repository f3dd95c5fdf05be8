"""The evidence KPI: how much of the site's evidence is current (declared in evidence/registry.py: kpis)."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from otcsms.evidence.freshness import current_links_q
from otcsms.evidence.models import EvidenceLink
from otcsms.tenancy.models import Site


def evidence_freshness(site: Site) -> float | None:
    """Percent of the site's evidence links that are current (approved, in force, not past review or
    validity); None when nothing is evidenced yet. One query."""
    counts = EvidenceLink.objects.filter(site=site).aggregate(
        total=Count("pk"), current=Count("pk", filter=current_links_q(timezone.localdate()))
    )
    if not counts["total"]:
        return None
    current: int = counts["current"]
    total: int = counts["total"]
    return round(100 * current / total, 1)
