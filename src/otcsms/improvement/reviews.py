"""Planned management reviews and open nonconformities' due dates on the review calendar."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.urls import reverse

from otcsms.core.models import User
from otcsms.improvement.models import ManagementReview, Nonconformity
from otcsms.ui.reviews import ReviewDue, readable


def management_reviews(user: User | None, site_ids: Sequence[int]) -> Iterator[ReviewDue]:
    planned = readable(ManagementReview, user).filter(
        site_id__in=site_ids, status=ManagementReview.Status.PLANNED
    )
    for review in planned.order_by("planned_on", "pk"):
        yield ReviewDue("Management review", review.title, review.site_id, review.planned_on,
                        reverse("web:managementreview_detail", args=[review.pk]))  # fmt: skip
    pending = (
        readable(Nonconformity, user)
        .filter(site_id__in=site_ids, due_on__isnull=False)
        .exclude(status=Nonconformity.Status.CLOSED)
    )
    for nc in pending.select_related("owner").order_by("due_on", "pk"):
        assert nc.due_on is not None
        yield ReviewDue("Nonconformity", nc.title, nc.site_id, nc.due_on,
                        reverse("web:nonconformity_detail", args=[nc.pk]), str(nc.owner or ""))  # fmt: skip
