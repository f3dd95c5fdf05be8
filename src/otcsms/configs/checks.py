"""Continuous checks of device configurations: drift from the baseline becomes a finding (docs/checks.md).

A check has one severity, so drift is reported by three checks: critical, high, and the rest. An asset is
reported by the one matching the highest severity among its unapproved changes.
"""

from __future__ import annotations

from collections.abc import Iterator

from otcsms.checks.engine import Problem, check
from otcsms.configs import services
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
