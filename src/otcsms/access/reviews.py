"""Open access reviews' due dates on the review calendar (declared in access/registry.py: review_schedules)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.urls import reverse

from otcsms.access.models import ReviewCampaign
from otcsms.core.models import User
from otcsms.ui.reviews import ReviewDue, readable


def access_reviews(user: User | None, site_ids: Sequence[int]) -> Iterator[ReviewDue]:
    open_reviews = readable(ReviewCampaign, user).filter(
        site_id__in=site_ids, status=ReviewCampaign.Status.OPEN, due_on__isnull=False
    )
    for campaign in open_reviews.order_by("due_on", "pk"):
        assert campaign.due_on is not None
        yield ReviewDue("Access review", campaign.title, campaign.site_id, campaign.due_on,
                        reverse("web:access_review", args=[campaign.pk]))  # fmt: skip
