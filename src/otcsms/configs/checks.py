"""Continuous checks of device configurations: drift from the baseline becomes a finding (docs/checks.md).

A check has one severity, so drift is reported by three checks: critical, high, and the rest. An asset is
reported by the one matching the highest severity among its unapproved changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from otcsms.checks.engine import Problem, check
from otcsms.configs import services
from otcsms.configs.models import Baseline, Snapshot
from otcsms.plant.models import Asset

# Drift is an unauthorised change of a baseline configuration: IEC 62443 SR 7.6 and CM 1.1; NERC CIP-010 R1.2
# (changes that deviate from the baseline are authorised) and R2.1 (monitoring for changes to the baseline).
REQUIREMENTS = (
    ("iec62443-3-3", "SR 7.6"),
    ("iec62443-2-1-2024", "CM 1.1"),
    ("nerc-cip", "CIP-010-4 R1.2"),
    ("nerc-cip", "CIP-010-4 R2.1"),
)
REMEDIATION = ("Compare the running configuration with the baseline (the asset's configuration page): restore "
               "the approved one, or approve the change as the new baseline or as a deviation with a ticket.")  # fmt: skip


def _reported(site, wanted) -> Iterator[tuple[Asset, services.DriftRow]]:
    """The rows ``wanted`` accepts, each with its asset (one query for all of them)."""
    rows = [row for row in services.drift(Asset.objects.filter(site=site)) if wanted(row)]
    assets = Asset.objects.in_bulk([row.asset.pk for row in rows])
    for row in rows:
        yield assets[row.asset.pk], row


def _drifted(site, severities: tuple[str, ...]) -> Iterator[Problem]:
    for asset, row in _reported(
        site, lambda r: r.result.status == "drifted" and r.result.severity in severities
    ):
        worst = [c for c in row.result.changes if c.severity == row.result.severity]
        paths = ", ".join(c.change.path for c in worst[:3]) + (" ..." if len(worst) > 3 else "")
        message = (f"{asset.name}: {len(row.result.changes)} unapproved configuration change(s) since baseline "
                   f"v{row.baseline_version}; {row.result.severity}: {paths}")  # fmt: skip
        yield Problem(asset, message[:500])


@check(id="configs.drift-critical", title="Critical configuration drift", severity="critical",
       requirements=REQUIREMENTS, remediation=REMEDIATION)  # fmt: skip
def critical_drift(site) -> Iterator[Problem]:
    yield from _drifted(site, ("critical",))


@check(id="configs.drift-high", title="High configuration drift", severity="high",
       requirements=REQUIREMENTS, remediation=REMEDIATION)  # fmt: skip
def high_drift(site) -> Iterator[Problem]:
    yield from _drifted(site, ("high",))


@check(id="configs.drift", title="Configuration drift", severity="medium",
       requirements=REQUIREMENTS, remediation=REMEDIATION)  # fmt: skip
def other_drift(site) -> Iterator[Problem]:
    yield from _drifted(site, ("medium", "low", "info"))


@check(id="configs.unreachable", title="Device unreachable for configuration collection", severity="medium",
       requirements=(("iec62443-3-3", "SR 7.6"), ("nerc-cip", "CIP-010-4 R2.1")),
       remediation="Check the device and its endpoint (address, port, conduit rules): its configuration "
                   "cannot be compared with the baseline while it cannot be read.")  # fmt: skip
def unreachable(site) -> Iterator[Problem]:
    for asset, _row in _reported(site, lambda r: r.result.status == "unreachable"):
        yield Problem(asset, f"{asset.name}: the last collection could not reach the device")


def _expiry(not_after: str | None, today: dt.date) -> tuple[dt.date, int] | None:
    try:
        day = dt.date.fromisoformat(str(not_after)[:10])
    except ValueError:
        return None
    return day, (day - today).days


def _in_words(day: dt.date, days: int) -> str:
    return f"expired on {day}" if days < 0 else f"expires on {day} (in {days} days)"


@check(id="configs.certificate-expiring", title="Device or collector certificate expiring", severity="high",
       requirements=(("iec62443-3-3", "SR 1.8"), ("iec62443-3-3", "SR 1.9")),
       remediation="Renew the certificate before it expires (the device's, from its vendor tooling; otcsms's own "
                   "with `otcsms config identity --renew`) and make the peers trust the new one.")  # fmt: skip
def certificate_expiring(site) -> Iterator[Problem]:
    """The OPC UA server certificates the latest collections saw, and otcsms's own client certificate where
    the site has OPC UA servers to read: expired, or expiring within 30 days."""
    today = timezone.now().date()
    latest = Snapshot.objects.filter(asset=OuterRef("pk")).order_by("-version").values("pk")[:1]
    rows = (
        Asset.objects.filter(site=site)
        .annotate(latest_id=Subquery(latest))
        .filter(latest_id__isnull=False)
        .values_list("pk", "latest_id")
    )
    latest_ids = {latest_id: pk for pk, latest_id in rows}
    seen = Snapshot.objects.filter(pk__in=list(latest_ids)).values_list(
        "pk", "config__opcua__certificate__not_after"
    )
    expiring = {}
    for snapshot_id, not_after in seen:
        found = _expiry(not_after, today) if not_after else None
        if found and found[1] < services.EXPIRY_WARNING_DAYS:
            expiring[latest_ids[snapshot_id]] = found
    assets = Asset.objects.in_bulk(list(expiring))
    for pk, (day, days) in sorted(expiring.items()):
        yield Problem(assets[pk], f"{assets[pk].name}: the OPC UA server certificate {_in_words(day, days)}")
    if Asset.objects.filter(site=site, endpoints__protocol="opc-ua").exists():
        summary = services.identity_summary()
        if summary is None:
            yield Problem(site, "otcsms has no OPC UA client certificate: run otcsms init")
            return
        found = _expiry(summary["not_after"], today)
        if found and found[1] < services.EXPIRY_WARNING_DAYS:
            yield Problem(site, f"otcsms's OPC UA client certificate {_in_words(*found)}")


@check(id="configs.asset-without-baseline", title="Asset without an approved configuration baseline",
       severity="medium",
       requirements=(("nerc-cip", "CIP-010-4 R1.1"), ("iec62443-2-1-2024", "CM 1.1"), ("iec62443-3-3", "SR 7.6")),
       remediation="Collect or import the asset's configuration, compare it with what it should be, and approve it "
       "as the baseline (the asset's configuration page).")  # fmt: skip
def asset_without_baseline(site) -> Iterator[Problem]:
    """Assets whose configuration is collected, and high or critical assets, with no baseline: drift cannot be
    told from them (one query)."""
    has_baseline = Baseline.objects.filter(asset=OuterRef("pk"))
    has_snapshot = Snapshot.objects.filter(asset=OuterRef("pk"))
    assets = (
        Asset.objects.filter(site=site)
        .filter(Q(Exists(has_snapshot)) | Q(criticality__in=("high", "critical")))
        .exclude(Exists(has_baseline))
        .order_by("name")
    )
    for asset in assets:
        why = "its configuration is collected" if asset.criticality not in ("high", "critical") else (
            f"it is of {asset.criticality} criticality")  # fmt: skip
        yield Problem(asset, f"{asset.name} has no approved configuration baseline, and {why}")
