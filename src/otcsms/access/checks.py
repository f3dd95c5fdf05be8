"""Continuous checks of access governance: the reconciliation of accounts against grants, one check per
kind of discrepancy, each with its suggested action as the remediation (see docs/access.md).

The six reconciliation checks share one computation per site and run: the checks engine evaluates a site's
checks one after the other, so the first of them reconciles the site and the others reuse that result
(``_OneSiteMemo``) as long as nothing was written since (the audit trail's head is unchanged: every write
of an account, grant, person or policy is an audit event), on the same day, and within two minutes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from django.db.models import Count, Q
from django.utils import timezone

from otcsms.access import reconcile as rc
from otcsms.access.models import AccessGrant, ReviewCampaign
from otcsms.access.services import SiteReconciliation, reconcile_site
from otcsms.checks.engine import Problem, check
from otcsms.core.models import AuditChainHead
from otcsms.people.services import ReadinessBook
from otcsms.tenancy.models import Site

ACCOUNT_MANAGEMENT = (("iec62443-3-3", "SR 1.3"), ("nerc-cip", "CIP-004-7 R4.2"))


class _OneSiteMemo:
    """The last site's reconciliation, reused while it is still what a fresh computation would give.

    One entry only (a site's rows can be tens of thousands): the engine runs all checks of a site before the
    next site, so one entry is enough for one computation per site per run. Process-local, and nothing
    depends on it but speed: another process computes its own."""

    MAX_AGE_SECONDS = 120.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[tuple[object, ...], float, SiteReconciliation] | None = None
        self.computed = 0  # how many times the site was reconciled (the tests read it)

    def get(self, site: Site) -> SiteReconciliation:
        key = (site.pk, timezone.localdate(), *_trail_head())
        with self._lock:
            entry = self._entry
        if entry is not None and entry[0] == key and time.monotonic() - entry[1] < self.MAX_AGE_SECONDS:
            return entry[2]
        result = reconcile_site(site)
        with self._lock:
            self._entry = (key, time.monotonic(), result)
            self.computed += 1
        return result

    def clear(self) -> None:
        with self._lock:
            self._entry = None


def _trail_head() -> tuple[object, ...]:
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return tuple(head) if head is not None else (0, "")


MEMO = _OneSiteMemo()


def _problems(site: Site, category: str) -> Iterator[Problem]:
    reconciliation = MEMO.get(site)
    for item in reconciliation.report.discrepancies:
        if item.category != category:
            continue
        obj = reconciliation.object_of(item)
        if obj is not None:
            yield Problem(obj, f"{obj.system}: {item.message}"[:500])


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


@check(
    id="access.training-lapsed",
    title="Access held without current training or screening",
    severity="high",
    requirements=(
        ("nerc-cip", "CIP-004-7 R2.3"),
        ("nerc-cip", "CIP-004-7 R3.5"),
        ("iec62443-2-1-2010", "4.3.2.4.1"),
        ("iec62443-2-1-2010", "4.3.3.2.3"),
    ),
    remediation="Have the person complete the training they lack (or renew their personnel risk assessment) and "
    "record it (Training > Import from LMS); until then suspend the grant, or record why it stays as a "
    "documented exception approved by the grant's approver.",
)
def access_without_readiness(site: Site) -> Iterator[Problem]:
    """One finding per grant in force whose holder is not ready for its privilege at the site: a constant
    number of queries per site (the grants, then the people's readiness records in bulk)."""
    today = timezone.localdate()
    grants = list(
        AccessGrant.objects.filter(site=site, status=AccessGrant.Status.ACTIVE)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .select_related("person", "system")
        .order_by("person__name", "system__name", "pk")
    )
    if not grants:
        return
    book = ReadinessBook(site, {g.person_id for g in grants}, today=today)
    for grant in grants:
        result = book.of(grant.person_id, grant.privilege)
        if result.ready:
            continue
        why = "; ".join(n.message for n in result.needs)
        exception = " (granted as a documented exception)" if grant.prerequisite_exception.strip() else ""
        yield Problem(grant, f"{grant.person} holds {grant.privilege} access on {grant.system}{exception} "
                             f"but: {why}"[:500])  # fmt: skip
