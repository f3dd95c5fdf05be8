"""The plant workflows the pages and the API share: an asset with its endpoints, a system with its zones, and
who may import what. Plain values in, no request."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from tests.conftest import audit_count

from otcsms.plant import services
from otcsms.plant.models import Asset, ProtocolEndpoint, SystemUnderConsideration, SystemZone, Zone


def test_save_asset_makes_its_endpoints_exactly_those_given(site_a):
    uris = ["opc.tcp://10.0.0.5:4840", "modbus+tcp://10.0.0.5:502?unit=1"]
    asset = services.save_asset(Asset(site=site_a, name="PLC-1"), services.parse_endpoint_uris(uris))
    assert sorted(e.uri for e in asset.endpoints.all()) == sorted(uris)
    kept = ProtocolEndpoint.objects.get(asset=asset, protocol="opc-ua")
    services.save_asset(asset, services.parse_endpoint_uris(uris[:1]))
    assert list(asset.endpoints.all()) == [kept]  # the endpoint that stays keeps its row
    services.save_asset(asset)  # None: the endpoints are left as they are
    assert asset.endpoints.count() == 1


def test_save_asset_refused_writes_nothing(site_a):
    Asset.objects.create(site=site_a, name="PLC-1")
    before = audit_count()
    endpoints = services.parse_endpoint_uris(["opc.tcp://10.0.0.5:4840"])
    with pytest.raises(ValidationError):
        services.save_asset(Asset(site=site_a, name="PLC-1"), endpoints)  # the name is taken
    assert (Asset.objects.count(), ProtocolEndpoint.objects.count(), audit_count()) == (1, 0, before)


def test_save_system_refuses_a_zone_of_another_site_before_writing(site_a, zone_b):
    control = Zone.objects.create(site=site_a, name="Control")
    system = services.save_system(SystemUnderConsideration(site=site_a, name="SUC"), [control])
    assert list(system.zones.all()) == [control]
    before = audit_count()
    with pytest.raises(services.ForeignZoneError, match="'B Control' belongs to another site"):
        services.save_system(SystemUnderConsideration(site=site_a, name="SUC 2"), [zone_b])
    assert (SystemUnderConsideration.objects.count(), SystemZone.objects.count(), audit_count()) == (
        1, 1, before
    )  # fmt: skip
    assert services.foreign_zone_problem(site_a.pk, [control]) is None


def test_who_may_import_what(org_admin, a_contributor, b_viewer, site_a, site_b):
    assert services.import_refusal(a_contributor, "sites", site_a) == "only organisation admins import sites"
    assert services.import_refusal(a_contributor, "assets", site_a) is None
    assert (
        services.import_refusal(a_contributor, "zones", site_b) == "you may not import zones into this site"
    )
    assert services.import_refusal(b_viewer, "people", site_b) == "you may not import people into this site"
    assert services.import_refusal(org_admin, "sites", site_b) is None
