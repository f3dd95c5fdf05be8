"""The import service against a real database: all or nothing, every problem reported, round trips."""

from __future__ import annotations

import json

import pytest
from tests.conftest import audit_count
from tests.plant.conftest import SAMPLES

from otcsms.core.audit import verify_chain
from otcsms.core.models import AuditEvent
from otcsms.org.models import Person
from otcsms.plant import services
from otcsms.plant.importfiles import ImportRejected
from otcsms.plant.models import Asset, Conduit, ProtocolEndpoint, Zone
from otcsms.tenancy.models import Site


def counts() -> tuple[int, ...]:
    return (
        Zone.objects.count(), Conduit.objects.count(), Asset.objects.count(),
        ProtocolEndpoint.objects.count(), Site.objects.count(), Person.objects.count(), audit_count(),
    )  # fmt: skip


def rejected(kind, data, filename, site):
    before = counts()
    with pytest.raises(ImportRejected) as caught:
        services.import_file(kind, data, filename, site)
    assert counts() == before, "a rejected import wrote something"
    return [(p.row, p.column, p.reason) for p in caught.value.problems]


ZONES_CSV = SAMPLES / "zones.csv"


def test_sample_files_import_with_parents_references_endpoints_and_audit(site_a):
    summary = services.import_file("zones", ZONES_CSV, "zones.csv", site_a)
    assert (summary.kind, summary.created, summary.site_id) == ("zones", 4, site_a.pk)
    control = Zone.objects.get(site=site_a, name="Control")
    assert control.sl_t == (2, 2, 1, 3, 1, 1, 2)
    assert Zone.objects.get(name="Safety").parent == control
    assert Zone.objects.get(name="Enterprise").sl_t == (1,) * 7

    services.import_file("conduits", SAMPLES / "conduits.csv", "conduits.csv", site_a)
    dmz = Conduit.objects.get(name="DMZ to Control")
    assert (dmz.zone_a.name, dmz.zone_b.name) == ("Plant DMZ", "Control")
    assert dmz.protocols == ["opc-ua", "modbus-tcp"] and dmz.security_device == "FW-02"

    summary = services.import_file("assets", SAMPLES / "assets.csv", "assets.csv", site_a)
    plc = Asset.objects.get(name="PLC-101")
    assert (plc.zone, plc.type, plc.criticality, plc.mac) == (control, "plc", "critical", "00:1d:9c:aa:bb:01")
    uris = sorted(e.uri for e in plc.endpoints.all())
    assert uris == ["modbus+tcp://10.20.1.11:502?unit=1", "opc.tcp://10.20.1.11:4840/ua"]
    rtu = Asset.objects.get(name="RTU-7").endpoints.get()
    assert (rtu.protocol, rtu.params, rtu.role) == ("dnp3", {"outstation": 7, "master": 1}, "outstation")
    assert summary.endpoints == ProtocolEndpoint.objects.count()

    # one audit event per created row, attributed to the acting actor, in the site's trail
    events = AuditEvent.objects.filter(object_type="plant.asset", action="create")
    assert events.count() == Asset.objects.count()
    assert {e.site_id for e in events} == {site_a.pk} and {e.actor_label for e in events} == {"pytest"}
    endpoint_events = AuditEvent.objects.filter(object_type="plant.protocolendpoint")
    assert endpoint_events.count() == ProtocolEndpoint.objects.count()
    assert {e.site_id for e in endpoint_events} == {site_a.pk}
    assert verify_chain().ok


def test_every_bad_row_is_reported_and_nothing_is_written(site_a):
    services.import_file("zones", ZONES_CSV, "zones.csv", site_a)
    data = (
        b"name,zone,type,criticality,ip,endpoints\n"
        b"PLC-1,Control,plc,high,10.0.0.1,modbus+tcp://10.0.0.1:502?unit=1\n"
        b"PLC-2,Nowhere,plc,high,10.0.0.2,\n"
        b"plc-1,Control,plc,extreme,10.0.0.300,modbus+tcp://10.0.0.3:502\n"
    )
    problems = rejected("assets", data, "assets.csv", site_a)
    assert problems == [
        (3, "zone", "unknown zone 'Nowhere' in this site"),
        (4, "name", "duplicate asset 'plc-1': also in row 2"),
        (4, "criticality", "'extreme' is not one of: low, medium, high, critical"),
        (4, "ip", "'10.0.0.300' is not an IPv4 or IPv6 address"),
        (4, "endpoints", "'modbus+tcp://10.0.0.3:502': a modbus-tcp endpoint needs ?unit=N"),
    ]


@pytest.mark.parametrize(
    "kind,data,expected",
    [
        ("zones", "name,sl_t\nZ1,5\n", (2, "sl_t", "level 1 must be one of 0, 1, 2, 3, 4, got '5'")),
        ("zones", 'name,sl_t\nZ1,"1,2,3"\n', (2, "sl_t", "an SL vector has one level for all FRs or seven "
                                                          "levels FR1..FR7, got 3 levels")),
        ("zones", "name\nControl\n", (2, "name", "zone 'Control' already exists")),
        ("zones", "name\nNew\nnew\n", (3, "name", "duplicate zone 'new': also in row 2")),
        ("conduits", "name,zones\nLoop,Control;control\n", (2, "zones", "a conduit joins two different zones")),
        ("conduits", "name,zones\nC,Control;Mars\n", (2, "zones", "unknown zone 'Mars' in this site")),
        ("assets", "name,zone\nA,Elsewhere\n", (2, "zone", "unknown zone 'Elsewhere' in this site")),
    ],
)  # fmt: skip
def test_bad_input_rules_reject_the_file(site_a, kind, data, expected):
    services.import_file("zones", b"name\nControl\nDMZ\n", "z.csv", site_a)
    assert expected in rejected(kind, data.encode(), f"{kind}.csv", site_a)


def test_zones_of_another_site_are_unknown_here(site_a, site_b):
    services.import_file("zones", b"name\nB Control\nB DMZ\n", "z.csv", site_b)
    services.import_file("zones", b"name\nA Control\n", "z.csv", site_a)
    assert rejected("conduits", b"name,zones\nX,A Control;B DMZ\n", "c.csv", site_a) == [
        (2, "zones", "unknown zone 'B DMZ' in this site")
    ]
    assert rejected("assets", b"name,zone\nPLC,B Control\n", "a.csv", site_a) == [
        (2, "zone", "unknown zone 'B Control' in this site")
    ]
    # the same names are free in another site
    services.import_file("zones", b"name\nB Control\n", "z.csv", site_a)


def test_a_name_taken_between_check_and_write_rejects_everything(site_a):
    plan = services.plan_import("assets", b"name\nPLC-1\nPLC-2\n", "a.csv", site_a)
    Asset.objects.create(site=site_a, name="plc-2")
    before = counts()
    with pytest.raises(ImportRejected) as caught:
        services.write_plan(plan, site_a)
    assert "nothing was written" in str(caught.value)
    assert counts() == before


def test_zone_parents_are_created_first_whatever_the_file_order(site_a):
    services.import_file("zones", b"name\nPlant\n", "z.csv", site_a)
    data = b"name,parent\nCell 1,Area 1\nArea 1,Plant\nCell 2,area 1\nLine,cell 2\n"
    services.import_file("zones", data, "z.csv", site_a)
    parents = dict(Zone.objects.filter(site=site_a).values_list("name", "parent__name"))
    assert parents == {
        "Plant": None,
        "Area 1": "Plant",
        "Cell 1": "Area 1",
        "Cell 2": "Area 1",
        "Line": "Cell 2",
    }


def test_sites_and_people(org, site_a):
    summary = services.import_file("sites", SAMPLES / "sites.csv", "sites.csv", None)
    assert summary.created == 3
    refinery = Site.objects.get(name="Bayport Refinery")
    assert (refinery.sector, refinery.code, refinery.organisation) == ("oil-gas", "bayport-refinery", org)
    assert Site.objects.get(name="Riverside Substation").nerc_impact == "medium"
    assert rejected("sites", b"name\nplant a\n", "s.csv", None) == [
        (2, "name", "site 'Plant A' already exists")
    ]

    services.import_file("people", SAMPLES / "people.csv", "people.csv", site_a)
    ana = Person.objects.get(name="Ana Ruiz")
    assert (ana.site.name, ana.job_title, ana.organisation) == (
        "North Water Treatment Plant",
        "OT engineer",
        org,
    )
    vendor = Person.objects.get(name="Chris Vendor")
    assert vendor.site == site_a and vendor.employer == "Acme Integration"
    assert Person.objects.get(name="Ben Okafor").email == "Ben.Okafor@example.org"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_imports_into_another_site_unchanged(plant_a, site_b, fmt):
    for kind in ("zones", "conduits", "assets"):
        data = services.export(kind, plant_a, fmt)
        services.import_file(kind, data, f"{kind}.{fmt}", site_b)
    for kind in ("zones", "conduits", "assets"):
        assert services.export_rows(kind, site_b) == services.export_rows(kind, plant_a), kind
    assert services.export("assets", site_b, fmt) == services.export("assets", plant_a, fmt) or fmt == "xlsx"


def test_json_export_is_the_documented_format(plant_a):
    rows = json.loads(services.export("conduits", plant_a, "json"))
    assert rows[0] == {
        "name": "Control to Safety", "zones": "Control;Safety", "protocols": "ethernet-ip",
        "security_device": "DIODE-01", "rule_set": "", "description": "",
    }  # fmt: skip
    assets = {row["name"]: row for row in json.loads(services.export("assets", plant_a, "json"))}
    assert assets["RTU-7"]["endpoints"] == "dnp3+tcp://10.20.1.70:20000?outstation=7&master=1"


def test_unknown_kind_or_missing_site_is_a_programming_error(site_a):
    with pytest.raises(ValueError, match="unknown import kind"):
        services.import_file("accounts", b"username\nx\n", "a.csv", site_a)
    with pytest.raises(ValueError, match="needs a target site"):
        services.import_file("zones", b"name\nx\n", "z.csv", None)


def test_progress_is_reported_while_checking_and_writing(site_a):
    rows = "\n".join(f"PLC-{i}" for i in range(2500))
    seen = []
    services.import_file("assets", f"name\n{rows}\n".encode(), "a.csv", site_a,
                         progress=lambda stage, done, total: seen.append((stage, done, total)))  # fmt: skip
    assert ("checking", 2500, 2500) in seen and ("writing", 2500, 2500) in seen
    assert ("writing", 1000, 2500) in seen


def test_diagram_draws_zones_assets_and_conduits(plant_a):
    svg = services.diagram_for(plant_a)
    assert svg.startswith("<svg") and "Plant DMZ" in svg and "PLC-101" in svg
    assert "opc-ua, modbus-tcp" in svg and "via FW-02" in svg
    control = Zone.objects.filter(name__in=["Control", "Safety"])
    partial = services.diagram_for(plant_a, control)
    assert "<title>Enterprise</title>" not in partial and "<title>Control to Safety</title>" in partial
    assert "DMZ to Control" not in partial
