"""Continuous checks of the plant model (registered in the core check registry; see docs/checks.md)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q

from otcsms.checks.engine import Problem, check
from otcsms.plant.models import SL_T_FIELDS, Asset, Zone


@check(
    id="plant.zone-sl-t-reason",
    title="Zone with an SL-T but no reason for it",
    severity="medium",
    requirements=(("iec62443-3-2", "ZCR 5.6"), ("iec62443-3-2", "ZCR 6.4")),
    remediation="Write down why the zone needs these levels (the risk assessment and consequences behind "
    "them) in the zone's 'reason for the SL-T'.",
)
def zones_without_sl_t_reason(site) -> Iterator[Problem]:
    # A target level nobody can justify at an audit is a guess; only zones with an SL-T have one to justify.
    zones = Zone.objects.filter(site=site, sl_t_1__isnull=False, sl_t_reason__regex=r"^\s*$")
    for zone in zones.order_by("name"):
        yield Problem(zone, f"zone {zone.name} has {zone.sl_t_label()} but no reason recorded for it")


def _in_demanding_zone() -> Q:
    """Zones whose SL-T asks for level 2 or more in any foundational requirement."""
    condition = Q()
    for name in SL_T_FIELDS:
        condition |= Q(**{f"zone__{name}__gte": 2})
    return condition


@check(
    id="plant.asset-without-endpoints",
    title="Asset without protocol endpoints in a zone with SL-T 2 or more",
    severity="high",
    requirements=(("iec62443-3-3", "SR 7.8"), ("iec62443-3-3", "SR 5.1"), ("iec62443-2-1-2024", "CM 1.1")),
    remediation="Record the protocols the asset speaks (endpoints such as modbus+tcp://10.0.0.5:502?unit=1) so the "
    "conduit rule sets can be checked against what really talks to it.",
)
def assets_without_endpoints(site) -> Iterator[Problem]:
    # SL 2 means protection against intentional attack: an asset whose communications are unknown cannot be
    # covered by the conduit rule sets that are meant to restrict what reaches it.
    assets = (
        Asset.objects.filter(site=site, endpoints__isnull=True)
        .filter(_in_demanding_zone())
        .select_related("zone")
        .order_by("name")
    )
    for asset in assets:
        zone = asset.zone
        assert zone is not None  # the query selects assets in a zone
        yield Problem(
            asset,
            f"asset {asset.name} in zone {zone.name} ({zone.sl_t_label()}) has no protocol "
            "endpoints recorded",
        )
