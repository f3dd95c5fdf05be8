"""Continuous checks of access governance: the reconciliation of accounts against grants, one check per
kind of discrepancy, each with its suggested action as the remediation (see docs/access.md)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Q
from django.utils import timezone

from otcsms.access import reconcile as rc
from otcsms.access.models import AccessGrant, Account, ReviewCampaign
from otcsms.access.services import site_report
from otcsms.checks.engine import Problem, check
from otcsms.tenancy.models import Site

ACCOUNT_MANAGEMENT = (("iec62443-3-3", "SR 1.3"), ("nerc-cip", "CIP-004-7 R4.2"))


def _problems(site: Site, category: str) -> Iterator[Problem]:
    found = [d for d in site_report(site).discrepancies if d.category == category]
    if not found:
        return
    model = Account if found[0].kind == "account" else AccessGrant
    # The site's rows in one query (the discrepancies may be tens of thousands: no list of ids in SQL).
    by_pk = {obj.pk: obj for obj in model.objects.filter(site=site).select_related("system", "person")}
    for item in found:
        if item.key in by_pk:
            yield Problem(by_pk[item.key], f"{by_pk[item.key].system}: {item.message}"[:500])


def _declare(category: str, title: str, severity: str, requirements: tuple[tuple[str, str], ...]) -> None:
    def run(site: Site) -> Iterator[Problem]:
        return _problems(site, category)

    run.__name__ = run.__qualname__ = f"access_{category.replace('-', '_')}"
    check(
        id=f"access.{category}", title=title, severity=severity, requirements=requirements,
        remediation=rc.SUGGESTED_ACTIONS[category],
    )(run)  # fmt: skip


_declare(
    rc.UNKNOWN, "Account that no grant authorises", "high", (*ACCOUNT_MANAGEMENT, ("iec62443-3-3", "SR 2.1"))
)
_declare(rc.ORPHANED, "Enabled account of a person who has left", "high",
         (("nerc-cip", "CIP-004-7 R5.3"), ("iec62443-2-1-2024", "USER 1.2")))  # fmt: skip
_declare(
    rc.DORMANT, "Dormant account", "medium", (("iec62443-3-3", "SR 1.3"), ("iec62443-2-1-2024", "USER 1.2"))
)
_declare(rc.PRIVILEGE_ABOVE_GRANT, "Account with more privilege than granted", "high",
         (("iec62443-3-3", "SR 2.1"), ("iec62443-2-1-2024", "USER 1.5")))  # fmt: skip
_declare(rc.SHARED_WITHOUT_OWNER, "Shared or service account without an accountable person", "medium",
         (("iec62443-3-3", "SR 1.3"), ("nerc-cip", "CIP-004-7 R5.4")))  # fmt: skip
_declare(rc.EXPIRED_GRANT_PRESENT, "Expired grant still in force", "high",
         (("nerc-cip", "CIP-004-7 R4.1"), ("iec62443-2-1-2024", "USER 1.4")))  # fmt: skip


@check(
    id="access.review-overdue",
    title="Access review past its due date",
    severity="medium",
    requirements=(("nerc-cip", "CIP-004-7 R4.2"), ("iec62443-2-1-2024", "USER 1.4")),
    remediation="Have the reviewers decide the pending grants (the review screen: c confirms, r revokes), "
    "then sign the review off.",
)
def reviews_overdue(site: Site) -> Iterator[Problem]:
    today = timezone.localdate()
    overdue = ReviewCampaign.objects.filter(site=site, status=ReviewCampaign.Status.OPEN, due_on__lt=today)
    for campaign in overdue.annotate(pending=Count("items", filter=Q(items__decision="pending"))).order_by(
        "due_on"
    ):
        yield Problem(campaign, f"{campaign.title} was due on {campaign.due_on}; {campaign.pending} grants "
                      "are not reviewed or it is not signed off")  # fmt: skip
