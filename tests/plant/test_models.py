"""The plant models on their own: SL-T vector, cross-site rules, database constraints, scoping, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from otcsms.core.models import AuditEvent
from otcsms.plant.models import (
    Asset,
    Conduit,
    ProtocolEndpoint,
    SystemUnderConsideration,
    SystemZone,
    Zone,
    canonical_mac,
    normalised_protocols,
)


def errors_of(obj) -> dict:
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


def test_sl_t_is_seven_levels_or_none(site_a):
    zone = Zone(site=site_a, name="Control", sl_t="1,2,2,3,1,1,2")
    assert zone.sl_t == (1, 2, 2, 3, 1, 1, 2) and (zone.sl_t_1, zone.sl_t_4) == (1, 3)
    zone.sl_t = 3
    assert zone.sl_t == (3,) * 7
    zone.sl_t = None
    assert zone.sl_t is None and zone.sl_t_7 is None
    with pytest.raises(ValueError, match="got 3 levels"):
        zone.sl_t = [1, 2, 3]
    zone.save()
    assert Zone.objects.filter(sl_t_4__gte=0).count() == 0  # not set is not level 0
    Zone.objects.create(site=site_a, name="Safety", sl_t=[3, 3, 4, 2, 3, 2, 4])
    assert list(Zone.objects.filter(sl_t_3=4).values_list("name", flat=True)) == ["Safety"]


def test_sl_t_rules_in_clean_and_in_the_database(site_a):
    half = Zone(site=site_a, name="Half", sl_t_1=2, sl_t_2=2)
    assert "FR3" in errors_of(half)["sl_t_1"][0]
    high = Zone(site=site_a, name="High", sl_t=2)
    high.sl_t_5 = 5
    assert "sl_t_5" in errors_of(high)
    for bad in (high, half):
        with pytest.raises(IntegrityError), transaction.atomic():
            bad.save()
    assert not Zone.objects.exists()


def test_zone_names_are_unique_per_site_ignoring_case(site_a, site_b):
    Zone.objects.create(site=site_a, name="Control")
    assert "already exists" in str(errors_of(Zone(site=site_a, name="CONTROL")))
    with pytest.raises(IntegrityError), transaction.atomic():
        Zone.objects.create(site=site_a, name="control")
    Zone.objects.create(site=site_b, name="Control")


def test_zone_parent_rules(site_a, site_b):
    plant = Zone.objects.create(site=site_a, name="Plant")
    area = Zone.objects.create(site=site_a, name="Area", parent=plant)
    cell = Zone.objects.create(site=site_a, name="Cell", parent=area)
    plant.parent = cell
    assert "loops" in errors_of(plant)["parent"][0]
    plant.parent = plant
    assert "its own parent" in errors_of(plant)["parent"][0]
    foreign = Zone.objects.create(site=site_b, name="B")
    assert "another site" in errors_of(Zone(site=site_a, name="X", parent=foreign))["parent"][0]


def test_conduit_rules(site_a, site_b):
    a = Zone.objects.create(site=site_a, name="A")
    b = Zone.objects.create(site=site_a, name="B")
    foreign = Zone.objects.create(site=site_b, name="Foreign")
    assert "zone_b" in errors_of(Conduit(site=site_a, name="Loop", zone_a=a, zone_b=a))
    assert "another site" in errors_of(Conduit(site=site_a, name="X", zone_a=a, zone_b=foreign))["zone_b"][0]
    assert "another site" in errors_of(Conduit(site=site_b, name="Y", zone_a=foreign, zone_b=a))["zone_b"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Conduit.objects.create(site=site_a, name="Loop", zone_a=a, zone_b=a)
    conduit = Conduit(
        site=site_a, name="Link", zone_a=a, zone_b=b, protocols=["Modbus TCP", "GOOSE", "modbus"]
    )
    conduit.full_clean()
    assert conduit.protocols == ["modbus-tcp", "iec-61850-goose"]
    conduit.protocols = ["modbus-tcp", "telnet?"]
    assert "unknown protocol" in errors_of(conduit)["protocols"][0]


def test_normalised_protocols():
    assert normalised_protocols(("OPC UA", "EtherNet/IP", "IEC 104")) == [
        "opc-ua",
        "ethernet-ip",
        "iec-60870-5-104",
    ]
    for bad in ("opc-ua", [1], ["x"] * 40):
        with pytest.raises(ValueError):
            normalised_protocols(bad)


def test_asset_rules(site_a, site_b):
    foreign = Zone.objects.create(site=site_b, name="Foreign")
    asset = Asset(site=site_a, name="PLC", zone=foreign, ip="FD00:0::1", mac="AABB.CCDD.EEFF")
    assert "another site" in errors_of(asset)["zone"][0]
    asset.zone = None
    asset.full_clean()
    assert (asset.ip, asset.mac) == ("fd00::1", "aa:bb:cc:dd:ee:ff")
    asset.ip, asset.mac = "010.0.0.1", "aa:bb"
    assert set(errors_of(asset)) == {"ip", "mac"}
    assert canonical_mac("00-1D-9C-AA-BB-01") == "00:1d:9c:aa:bb:01" and canonical_mac("00:1d:9c") is None


def test_endpoints_belong_to_their_assets_site(site_a, site_b, a_contributor, b_viewer):
    asset = Asset.objects.create(site=site_a, name="RTU-7")
    endpoint = ProtocolEndpoint(asset=asset)
    endpoint.set_uri("dnp3+tcp://10.0.0.7:20000?outstation=7&master=1")
    endpoint.full_clean()
    endpoint.save()
    assert endpoint.uri == "dnp3+tcp://10.0.0.7:20000?outstation=7&master=1"
    event = AuditEvent.objects.get(object_type="plant.protocolendpoint", object_id=str(endpoint.pk))
    assert event.site_id == site_a.pk and event.object_repr == endpoint.uri
    assert list(ProtocolEndpoint.objects.for_user(a_contributor)) == [endpoint]
    assert not ProtocolEndpoint.objects.for_user(b_viewer).exists()
    assert list(ProtocolEndpoint.objects.for_site(site_a.pk)) == [endpoint]
    twin = ProtocolEndpoint(asset=asset)
    twin.set_uri("DNP3+tcp://10.0.0.7:20000?master=1&outstation=7")
    assert "already has" in errors_of(twin)["host"][0]


def test_endpoint_uri_is_canonical_whatever_order_the_database_keeps(site_a):
    asset = Asset.objects.create(site=site_a, name="RTU")
    endpoint = ProtocolEndpoint(asset=asset, protocol="dnp3", host="10.0.0.7", port=20000,
                                params={"master": 1, "outstation": 7})  # fmt: skip
    assert endpoint.uri == "dnp3+tcp://10.0.0.7:20000?outstation=7&master=1"
    bad = ProtocolEndpoint(asset=asset, protocol="modbus-tcp", host="10.0.0.1", port=502, params={})
    assert "needs ?unit=N" in errors_of(bad)["host"][0]


def test_deleting_an_asset_records_its_endpoints_deletion(site_a):
    asset = Asset.objects.create(site=site_a, name="PLC")
    ProtocolEndpoint.objects.create(asset=asset, protocol="s7", host="10.0.0.1", port=102)
    asset.delete()
    deleted = AuditEvent.objects.filter(action="delete").values_list("object_type", "site_id")
    assert sorted(deleted) == [("plant.asset", site_a.pk), ("plant.protocolendpoint", site_a.pk)]


def test_system_zones_are_audited_and_scoped(site_a, a_contributor, b_viewer):
    zone = Zone.objects.create(site=site_a, name="Control")
    system = SystemUnderConsideration.objects.create(site=site_a, name="SUC")
    system.zones.add(zone)
    membership = SystemZone.objects.get()
    assert membership.audit_site_id() == site_a.pk
    assert AuditEvent.objects.filter(
        object_type="plant.systemzone", action="create", site_id=site_a.pk
    ).exists()
    assert SystemZone.objects.for_user(a_contributor).count() == 1
    assert SystemZone.objects.for_user(b_viewer).count() == 0
    zone.delete()  # the membership goes with the zone, and says so in the trail
    assert AuditEvent.objects.filter(object_type="plant.systemzone", action="delete").exists()
