"""Continuous checks of the risk register and of vulnerability management (see docs/risk.md)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from otcsms.checks.engine import Problem, check
from otcsms.risk.models import AssetVulnerability, ThreatScenario
from otcsms.tenancy.models import Site


@check(
    id="risk.review-overdue",
    title="Threat scenario past its review date",
    severity="medium",
    requirements=(("iec62443-2-1-2010", "4.2.3.10"), ("iec62443-3-2", "ZCR 5")),
    remediation="Review the scenario with its owner: re-rate likelihood and consequences, update the existing "
    "controls and treatment, and set the next review date.",
)
def reviews_overdue(site: Site) -> Iterator[Problem]:
    today = timezone.localdate()
    for scenario in ThreatScenario.objects.filter(site=site, review_date__lt=today).order_by(
        "review_date", "pk"
    ):
        yield Problem(scenario, f"{scenario.title}: review was due on {scenario.review_date}"[:500])


@check(
    id="risk.acceptance-expired",
    title="Risk acceptance past its expiry",
    severity="high",
    requirements=(
        ("iec62443-2-1-2010", "4.3.2.6.5"),
        ("iec62443-2-1-2010", "4.4.3.5"),
        ("iec62443-3-2", "ZCR 5"),
    ),
    remediation="Decide again: renew the acceptance with its approver and a new expiry, or mitigate, transfer "
    "or avoid the risk.",
)
def acceptances_expired(site: Site) -> Iterator[Problem]:
    today = timezone.localdate()
    scenarios = ThreatScenario.objects.filter(site=site, treatment="accept", acceptance_expires__lt=today)
    for scenario in scenarios.order_by("acceptance_expires", "pk"):
        yield Problem(
            scenario, f"{scenario.title}: acceptance expired on {scenario.acceptance_expires}"[:500]
        )
    accepted = AssetVulnerability.objects.filter(site=site, status="accepted", accepted_until__lt=today)
    for item in accepted.select_related("asset", "vulnerability").order_by("accepted_until", "pk"):
        yield Problem(item, f"{item}: risk acceptance expired on {item.accepted_until}"[:500])


@check(
    id="risk.vulnerability-untreated",
    title="Open critical or high vulnerability without a treatment",
    severity="high",
    requirements=(
        ("iec62443-2-1-2024", "COMP 3.3"),
        ("iec62443-2-1-2024", "COMP 3.5"),
        ("iec62443-2-1-2024", "EVENT 1.9"),
        ("iec62443-2-1-2010", "4.3.4.3.7"),
    ),
    remediation="Patch the asset (the vendor's remediation is on the vulnerability's page), mitigate it (and "
    "say how), or have an approver accept the risk with an expiry date.",
)
def vulnerabilities_untreated(site: Site) -> Iterator[Problem]:
    untreated = AssetVulnerability.objects.filter(
        site=site, status="open", listed=True, vulnerability__severity__in=("critical", "high")
    )
    for item in untreated.select_related("asset", "vulnerability").order_by("asset__name", "pk"):
        how = "affected" if item.match == "affected" else "possibly affected (firmware unverified)"
        yield Problem(item, f"{item} ({item.vulnerability.severity}, CVSS {item.vulnerability.cvss_score}): "
                      f"{how}, no treatment"[:500])  # fmt: skip
