"""One object of each plant path at a site, for the access test (declared in plant/registry.py).

It also builds the platform's site objects that need records to point at: a link between two zones, the
finding a plant check opens on one of them and the check run that opened it (/links, /findings, /check-runs).
"""

from __future__ import annotations

from otcsms.checks.engine import run_checks
from otcsms.checks.models import Finding
from otcsms.links.services import create_link
from otcsms.plant.models import Asset, Conduit, ProtocolEndpoint, SystemUnderConsideration, Zone
from otcsms.tenancy.models import Site


def access_objects(site: Site) -> dict[str, int]:
    # Django's Model() takes a property's name (sl_t sets the seven levels); the django plugin knows only fields.
    zone = Zone.objects.create(site=site, name="Control A", sl_t=2)  # type: ignore[misc]
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
        **platform_objects(site),
    }


def platform_objects(site: Site) -> dict[str, int]:
    zone = Zone.objects.create(site=site, name="Zone without reason", sl_t=2)  # type: ignore[misc]  # as above
    other = Zone.objects.create(site=site, name="Linked zone")
    link = create_link(site_id=site.pk, source_type="plant.zone", source_id=zone.pk, target_type="plant.zone",
                       target_id=other.pk, kind="relates-to", note="same cabinet")  # fmt: skip
    run = run_checks(site).sites[0]
    finding = Finding.objects.get(site=site, check_id="plant.zone-sl-t-reason", object_id=zone.pk)
    return {"links": link.pk, "findings": finding.pk, "check-runs": run.run_id}
