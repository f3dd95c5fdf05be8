"""Continuous improvement of the demo operator: a KPI history over the last six months (so the trends show), a
held management review with its inputs and two decisions on the roadmap, the next one planned, and a
nonconformity from the internal audit with its corrective action on the roadmap.

The history is made from today's measured values: each earlier weekly value is today's moved back along a
steady improvement (worse in the past, by up to 40 %), so the demo shows what a real program's trend looks like.
It is marked as the demo's in the documentation (docs/improvement.md), never mistaken for measurements.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from otcsms.checks.engine import run_checks
from otcsms.core.registry import DemoSummary
from otcsms.improvement import services
from otcsms.improvement.models import KpiSnapshot, ManagementReview, Nonconformity
from otcsms.tenancy.models import Site

WEEKS = 26


def _past(value: float, better: str, unit: str, weeks_ago: int) -> float:
    """Today's value moved back ``weeks_ago`` weeks along a steady improvement."""
    share = weeks_ago / WEEKS
    if better == "higher":
        past = value * (1 - 0.4 * share)
    else:
        past = value * (1 + 0.6 * share) + (2 * share if unit == "count" else 0)
    if unit == "count":
        return float(round(past))
    return round(min(past, 100.0) if unit == "%" else past, 1)


def load_demo_improvement(summary: DemoSummary) -> None:
    """KPI history, management reviews and a nonconformity; nothing when any KPI snapshot exists."""
    if KpiSnapshot.objects.exists():
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    sites = list(Site.objects.order_by("pk"))
    report = services.capture(sites, at=now)
    kpis = {k.key: k for k in services.kpi_definitions()}
    measured = list(KpiSnapshot.objects.filter(captured_at=now))
    history = [
        KpiSnapshot(site_id=snap.site_id, kpi=snap.kpi, series=snap.series,
                    value=_past(snap.value, kpis[snap.kpi].better, kpis[snap.kpi].unit, weeks),
                    captured_at=now - dt.timedelta(weeks=weeks))
        for snap in measured if snap.kpi in kpis
        for weeks in range(1, WEEKS + 1)
    ]  # fmt: skip
    KpiSnapshot.objects.bulk_create(history)
    del report
    _reviews()
    _nonconformity()
    # The checks ran (step 900) before the roadmap's and these actions existed: run them again, as the hourly
    # job would, so the demo's findings match its data and a second load of the demo opens none.
    run_checks()


def _reviews() -> None:
    site = Site.objects.filter(code="cedar-ridge-sub").first()
    if site is None:
        return
    today = timezone.localdate()
    held = ManagementReview.objects.create(
        site=site, title="CSMS management review Q3", planned_on=today - dt.timedelta(days=30),
        attendees="Plant manager, CIP senior manager, OT security lead, operations supervisor",
        drill_results="Ransomware tabletop at the control centre: detection in 40 min, containment in 3 h; the "
        "backup restore of the EMS took longer than planned.",
        audit_results="Internal CIP-004 audit: two access records without a current training record.",
        threat_changes="New DNP3 outstations in the substation yard; advisories for the RTU firmware in use.",
        summary="The CSMS is effective but access governance and backup restore need attention.",
    )  # fmt: skip
    services.gather_inputs(held, None)
    services.add_decision(held, None, text="Tie PLC and RTU engineering access to current training records",
                          due_on=today + dt.timedelta(days=60))  # fmt: skip
    services.add_decision(held, None, text="Test the EMS backup restore every quarter",
                          due_on=today + dt.timedelta(days=90))  # fmt: skip
    services.hold(held, None, held_on=today - dt.timedelta(days=30))
    ManagementReview.objects.create(site=site, title="CSMS management review Q4",
                                    planned_on=today + dt.timedelta(days=60))  # fmt: skip


def _nonconformity() -> None:
    site = Site.objects.filter(code="riverside-wtp").first()
    if site is None:
        return
    today = timezone.localdate()
    nc = Nonconformity.objects.create(
        site=site, title="Firewall rule changes not reviewed", source=Nonconformity.Source.INTERNAL_AUDIT,
        grade=Nonconformity.Grade.MINOR, requirement="SR 5.1", detected_on=today - dt.timedelta(days=20),
        description="Three rule changes on the plant firewall in the last quarter have no recorded review.",
        root_cause="The change procedure does not name who reviews firewall rule changes.",
        correction="The three changes were reviewed after the audit.",
        corrective_action="Name the reviewer of firewall changes in the change procedure and train the team.",
        due_on=today + dt.timedelta(days=45),
    )  # fmt: skip
    services.raise_corrective_action(nc, None)
    Nonconformity.objects.create(
        site=site, title="Removable media log incomplete", source=Nonconformity.Source.INTERNAL_AUDIT,
        grade=Nonconformity.Grade.OBSERVATION, detected_on=today - dt.timedelta(days=20),
        description="The removable media log at the filter gallery misses entries for two weeks.",
        due_on=today - dt.timedelta(days=2),
    )  # fmt: skip
