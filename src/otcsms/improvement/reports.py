"""The management-review pack (`otcsms report management-review --site S [--param review=ID]`): the review's
inputs and decisions with their roadmap actions, the KPI trends (SVG, so a PDF carries them), the review
calendar's overdue items and the open nonconformities. Declared in improvement/registry.py (``reports``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from otcsms.core.inputs import parse_id
from otcsms.core.models import User
from otcsms.improvement import dashboard, services
from otcsms.improvement.models import Decision, ManagementReview, Nonconformity
from otcsms.tenancy.models import Site


def review_pack(site: Site, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    unknown = sorted(set(params) - {"review"})
    if unknown:
        raise ValueError(f"unknown report parameter {unknown[0]!r:.40}; this report takes review=ID")
    reviews = ManagementReview.objects.for_user(user).filter(site=site).select_related("chair")
    if "review" in params:
        pk = parse_id(params["review"])
        review = reviews.filter(pk=pk).first() if pk is not None else None
        if review is None:
            raise ValueError(f"no management review {params['review'][:40]!r} at this site")
    else:
        review = reviews.order_by("status", "-held_on", "-planned_on", "-pk").first()  # held before planned
    today = timezone.localdate()
    decisions = (
        list(Decision.objects.for_user(user).filter(review=review).select_related("action", "owner"))
        if review is not None else []
    )  # fmt: skip
    overdue = [r for r in services.calendar(user, [site.pk]) if r.overdue(today)]
    open_ncs = list(
        Nonconformity.objects.for_user(user).filter(site=site).exclude(status=Nonconformity.Status.CLOSED)
        .select_related("action")
    )  # fmt: skip
    return {
        "title": "Management-review pack",
        "template": "improvement/report_review_pack.html",
        "context": {
            "review": review, "inputs": (review.inputs or {}) if review else {}, "decisions": decisions,
            "trends": dashboard.trends([site.pk], days=365, width=520), "overdue": overdue,
            "nonconformities": open_ncs,
        },
        "summary": (f"{review.title} ({review.get_status_display().lower()})" if review is not None
                    else "no management review recorded yet") + f"; {len(decisions)} decisions",
    }  # fmt: skip
