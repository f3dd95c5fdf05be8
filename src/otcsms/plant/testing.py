"""One object of each plant path at a site, for the access test (declared in plant/registry.py)."""

from __future__ import annotations

from otcsms.org.models import Site
from otcsms.plant.models import Asset, Conduit, ProtocolEndpoint, SystemUnderConsideration, Zone


def access_objects(site: Site) -> dict[str, int]:
    zone = Zone.objects.create(site=site, name="Control A", sl_t=2)
    dmz = Zone.objects.create(site=site, name="DMZ A")
    asset = Asset.objects.create(site=site, name="PLC A", zone=zone)
    system = SystemUnderConsideration.objects.create(site=site, name="SUC A")
    system.zones.add(zone)
    return {
        "zones": zone.pk,
        "conduits": Conduit.objects.create(site=site, name="DMZ-Control A", zone_a=dmz, zone_b=zone).pk,
        "assets": asset.pk,
        "endpoints": ProtocolEndpoint.objects.create(
            asset=asset, protocol="s7", host="10.0.0.1", port=102
        ).pk,
        "systems": system.pk,
    }
