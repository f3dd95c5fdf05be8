"""The CSMS scope's review date on the review calendar (declared in org/registry.py: review_schedules)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.urls import reverse

from otcsms.core.models import User
from otcsms.org.models import ScopeStatement
from otcsms.ui.reviews import ReviewDue, readable


def scope_reviews(user: User | None, site_ids: Sequence[int]) -> Iterator[ReviewDue]:
    approved = readable(ScopeStatement, user).filter(
        site_id__in=site_ids, status=ScopeStatement.Status.APPROVED, review_due__isnull=False
    )
    for scope in approved.select_related("site").order_by("review_due", "pk"):
        assert scope.review_due is not None
        yield ReviewDue("CSMS scope", f"Scope of {scope.site.name} (version {scope.version})", scope.site_id,
                        scope.review_due, reverse("web:scope", args=[scope.site_id]))  # fmt: skip
