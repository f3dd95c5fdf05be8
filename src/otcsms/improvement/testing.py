"""One object of each improvement path at a site, for the access test (declared in improvement/registry.py)."""

from __future__ import annotations

from django.utils import timezone

from otcsms.improvement.models import Decision, KpiSnapshot, ManagementReview, Nonconformity
from otcsms.tenancy.models import Site


def access_objects(site: Site) -> dict[str, int]:
    today = timezone.localdate()
    snapshot = KpiSnapshot.objects.create(site=site, kpi="findings.open", series="high", value=3)
    review = ManagementReview.objects.create(site=site, title=f"Review {site.code}", planned_on=today)
    decision = Decision.objects.create(site=site, review=review, text="Do better")
    nc = Nonconformity.objects.create(site=site, title=f"NC {site.code}", description="d",
                                      corrective_action="fix it")  # fmt: skip
    return {"kpi-snapshots": snapshot.pk, "management-reviews": review.pk, "review-decisions": decision.pk,
            "nonconformities": nc.pk, "review-calendar": site.pk}  # fmt: skip
