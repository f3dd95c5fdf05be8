"""Review dates of the risk assessment (threat scenarios) and of the threat models on the review calendar
(declared in risk/registry.py: review_schedules)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.urls import reverse

from otcsms.core.models import User
from otcsms.risk.models import ThreatModelReview, ThreatScenario
from otcsms.ui.reviews import ReviewDue, readable


def risk_reviews(user: User | None, site_ids: Sequence[int]) -> Iterator[ReviewDue]:
    scenarios = readable(ThreatScenario, user).filter(site_id__in=site_ids, review_date__isnull=False)
    for s in scenarios.select_related("owner").order_by("review_date", "pk"):
        assert s.review_date is not None
        yield ReviewDue("Threat scenario", s.title, s.site_id, s.review_date,
                        reverse("web:threatscenario_detail", args=[s.pk]), str(s.owner or ""))  # fmt: skip
    # A threat model's next review is the one its latest review set (per site, or per zone).
    latest: dict[tuple[int, int | None], ThreatModelReview] = {}
    reviews = readable(ThreatModelReview, user).filter(site_id__in=site_ids).select_related("zone")
    for review in reviews.order_by("reviewed_on", "pk"):
        latest[(review.site_id, review.zone_id)] = review
    for review in latest.values():
        if review.next_review_on is not None:
            where = f"zone {review.zone}" if review.zone_id else "the site"
            yield ReviewDue("Threat model", f"Threat model of {where}", review.site_id, review.next_review_on,
                            reverse("web:threatmodelreview_detail", args=[review.pk]))  # fmt: skip
