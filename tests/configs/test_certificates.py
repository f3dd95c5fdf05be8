"""The standing certificate check: OPC UA server certificates seen by the latest collections, and otcsms's own
client certificate where the site has OPC UA servers; warned 30 days ahead, and when expired."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from otcsms.configs import checks, identity, services
from otcsms.configs.models import ClientIdentity
from otcsms.core.actor import Actor, acting_as
from otcsms.plant.models import Asset

LIVE = {"type": "live", "collectors": ["test"]}


def with_certificate(asset, days: int):
    not_after = (timezone.now() + dt.timedelta(days=days)).isoformat().replace("+00:00", "Z")
    config = {"opcua": {"certificate": {"thumbprint_sha256": f"{days:064x}", "not_after": not_after}}}
    services.record_snapshot(asset, config=config, volatile={}, source=LIVE)


def test_server_certificates_expiring_within_30_days_or_expired_are_reported(site_a, zone_sl2):
    soon = Asset.objects.create(site=site_a, name="OPC-SOON", zone=zone_sl2)
    late = Asset.objects.create(site=site_a, name="OPC-LATE", zone=zone_sl2)
    gone = Asset.objects.create(site=site_a, name="OPC-GONE", zone=zone_sl2)
    renewed = Asset.objects.create(site=site_a, name="OPC-RENEWED", zone=zone_sl2)
    with_certificate(soon, 12)
    with_certificate(late, 200)
    with_certificate(gone, -3)
    with_certificate(renewed, 5)
    with_certificate(renewed, 400)  # only the latest version counts
    Asset.objects.create(site=site_a, name="PLC-NO-OPCUA", zone=zone_sl2)
    problems = {p.object.name: p.message for p in checks.certificate_expiring(site_a)}
    assert set(problems) == {"OPC-SOON", "OPC-GONE"}
    assert "expires on" in problems["OPC-SOON"] and "in 12 days" in problems["OPC-SOON"]
    assert "expired on" in problems["OPC-GONE"]


def test_our_client_certificate_is_checked_where_the_site_reads_opc_ua(site_a, zone_sl2):
    plc = Asset.objects.create(site=site_a, name="PLC-1", zone=zone_sl2)
    plc.endpoints.create(protocol="opc-ua", host="127.0.0.1", port=4840)
    (missing,) = checks.certificate_expiring(site_a)
    assert missing.object == site_a and "no OPC UA client certificate" in missing.message
    services.ensure_client_identity()  # as otcsms init does
    assert list(checks.certificate_expiring(site_a)) == []  # valid ten years
    cert, _key = identity.generate(days=20)
    with acting_as(Actor(kind="system", label="test")):
        stored = ClientIdentity.objects.get()
        stored.certificate_pem = cert.decode()
        stored.save()
    (problem,) = checks.certificate_expiring(site_a)
    assert problem.object == site_a and "client certificate expires on" in problem.message


def test_the_identity_command_shows_and_renews_the_certificate(initialised_instance):
    instance = initialised_instance
    shown = instance.run("config", "identity", "--json")
    first = json.loads(shown.stdout)
    assert first["key_bits"] == 2048 and not first["renewed"]
    assert "certificate_pem" not in first and "PRIVATE" not in shown.stdout
    pem = instance.run("config", "identity", "--pem")
    assert pem.stdout.startswith("-----BEGIN CERTIFICATE-----") and "PRIVATE" not in pem.stdout
    again = json.loads(instance.run("config", "identity", "--renew", "--json").stdout)
    assert again["renewed"] and again["thumbprint_sha256"] != first["thumbprint_sha256"]
    assert (
        json.loads(instance.run("config", "identity", "--json").stdout)["thumbprint_sha256"]
        == again["thumbprint_sha256"]
    )
