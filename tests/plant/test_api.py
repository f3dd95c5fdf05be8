"""C2 through the REST API: CRUD with personas, the bad-input rules, import/export/diagram, query counts."""

from __future__ import annotations

import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.conftest import audit_count, token_client
from tests.plant.conftest import SAMPLES

from otcsms.core.models import AuditEvent
from otcsms.plant.importfiles import MAX_FILE_BYTES
from otcsms.plant.models import Asset, Conduit, ProtocolEndpoint, SystemUnderConsideration, SystemZone, Zone


def plant_counts() -> tuple[int, ...]:
    return (
        Zone.objects.count(), Conduit.objects.count(), Asset.objects.count(), ProtocolEndpoint.objects.count(),
        SystemUnderConsideration.objects.count(), SystemZone.objects.count(), audit_count(),
    )  # fmt: skip


def refused(response, status: int, *fragments: str):
    assert response.status_code == status, response.content
    detail = json.dumps(response.json()["detail"])
    for fragment in fragments:
        assert fragment in detail, detail
    return response


# --- zones ----------------------------------------------------------------------------------------


def test_contributor_creates_a_zone_with_sl_t_and_sees_it_in_history(api, a_contributor, site_a):
    client = api(a_contributor)
    r = client.post("/zones", {"site_id": site_a.pk, "name": "Control", "kind": "control",
                               "sl_t": [2, 2, 1, 3, 1, 1, 2], "sl_t_reason": "Consequence: loss of treatment"})  # fmt: skip
    assert r.status_code == 201, r.content
    zone = r.json()
    assert zone["sl_t"] == [2, 2, 1, 3, 1, 1, 2] and zone["kind"] == "control"
    stored = Zone.objects.get(pk=zone["id"])
    assert (stored.sl_t_1, stored.sl_t_4, stored.sl_t_7) == (2, 3, 2)
    r = client.patch(f"/zones/{zone['id']}", {"sl_t": [3, 3, 3, 3, 3, 3, 3]})
    assert r.json()["sl_t"] == [3] * 7
    assert client.patch(f"/zones/{zone['id']}", {"sl_t": None}).json()["sl_t"] is None
    history = client.get(f"/zones/{zone['id']}/history").json()["items"]
    assert [e["action"] for e in history] == ["update", "update", "create"]
    assert all(e["values_visible"] is False for e in history)  # values: the site's auditors
    from tests.conftest import make_user

    auditor = make_user("audra", roles={site_a: "auditor"})
    history = api(auditor).get(f"/zones/{zone['id']}/history").json()["items"]
    assert history[1]["before"]["sl_t_4"] == 3 - 0 and history[1]["after"]["sl_t_4"] == 3
    assert history[0]["actor_kind"] == "token" and history[0]["actor_label"].startswith("alice")


@pytest.mark.parametrize(
    "sl_t",
    [
        [5, 2, 2, 2, 2, 2, 2],
        [-1, 2, 2, 2, 2, 2, 2],
        [2, 2, 2],
        [2] * 8,
        "2",
        [2, 2, 2, 2, 2, 2, "x"],
        [True] * 7,
    ],
)
def test_sl_outside_0_to_4_or_not_seven_levels_is_refused(api, a_contributor, site_a, sl_t):
    client = api(a_contributor)
    before = plant_counts()
    refused(client.post("/zones", {"site_id": site_a.pk, "name": "Z", "sl_t": sl_t}), 422, "sl_t")
    assert plant_counts() == before


def test_the_database_itself_refuses_an_sl_above_4(site_a):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Zone.objects.create(site=site_a, name="Z", sl_t_1=5, sl_t_2=1, sl_t_3=1, sl_t_4=1, sl_t_5=1, sl_t_6=1,
                            sl_t_7=1)  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Zone.objects.create(site=site_a, name="Half", sl_t_1=2)


def test_zone_parents_stay_in_the_site_and_never_loop(api, org_admin, site_a, zone_b):
    client = api(org_admin)
    top = client.post("/zones", {"site_id": site_a.pk, "name": "Plant"}).json()
    refused(client.post("/zones", {"site_id": site_a.pk, "name": "Cell", "parent_id": zone_b.pk}), 422,
            "another site")  # fmt: skip
    child = client.post("/zones", {"site_id": site_a.pk, "name": "Area", "parent_id": top["id"]}).json()
    refused(client.patch(f"/zones/{top['id']}", {"parent_id": child["id"]}), 422, "loops")
    refused(client.patch(f"/zones/{top['id']}", {"parent_id": top["id"]}), 422, "its own parent")
    refused(client.post("/zones", {"site_id": site_a.pk, "name": "plant"}), 422, "already exists")


def test_zone_in_use_cannot_be_deleted(api, a_contributor, plant_a):
    control = Zone.objects.get(site=plant_a, name="Control")
    r = api(a_contributor).delete(f"/zones/{control.pk}")
    assert r.status_code == 409 and "assets" in r.json()["detail"]


def test_zone_filters(api, a_contributor, plant_a):
    client = api(a_contributor)
    names = lambda **f: [z["name"] for z in client.get("/zones", **f).json()["items"]]  # noqa: E731
    assert names(sl_t_gte=3) == ["Control", "Safety"]
    assert names(q="dmz") == ["Plant DMZ"]
    safety = Zone.objects.get(name="Safety")
    assert names(parent_id=safety.parent_id) == ["Safety"]


# --- conduits -------------------------------------------------------------------------------------


def test_conduit_joins_two_zones_of_its_site(api, org_admin, a_contributor, site_a, plant_a, zone_b):
    control = Zone.objects.get(site=site_a, name="Control")
    dmz = Zone.objects.get(site=site_a, name="Plant DMZ")
    contributor, admin = api(a_contributor), api(org_admin)
    before = plant_counts()
    body = {"site_id": site_a.pk, "name": "Loop", "zone_a_id": control.pk, "zone_b_id": control.pk}
    refused(contributor.post("/conduits", body), 422, "different zones")
    body = {"site_id": site_a.pk, "name": "Across", "zone_a_id": control.pk, "zone_b_id": zone_b.pk}
    refused(admin.post("/conduits", body), 422, "another site")
    # a contributor of site A cannot even name a zone of site B
    refused(contributor.post("/conduits", body), 422, "no zone with id")
    assert plant_counts() == before
    body = {"site_id": site_a.pk, "name": "DMZ link", "zone_a_id": dmz.pk, "zone_b_id": control.pk,
            "protocols": ["OPC UA", "Modbus TCP", "opc-ua"], "security_device": "FW-02",
            "rule_set": "permit tcp 10.10.0.5 -> 10.20.1.11:4840"}  # fmt: skip
    r = contributor.post("/conduits", body)
    assert r.status_code == 201, r.content
    assert r.json()["protocols"] == ["opc-ua", "modbus-tcp"] and r.json()["zone_a"] == "Plant DMZ"
    refused(contributor.patch(f"/conduits/{r.json()['id']}", {"protocols": ["carrier pigeon"]}), 422,
            "unknown protocol")  # fmt: skip
    refused(contributor.patch(f"/conduits/{r.json()['id']}", {"zone_b_id": dmz.pk}), 422, "different")


def test_conduit_filters(api, a_contributor, plant_a):
    client = api(a_contributor)
    names = lambda **f: [c["name"] for c in client.get("/conduits", **f).json()["items"]]  # noqa: E731
    assert names(protocol="OPC UA") == ["DMZ to Control"]
    assert names(protocol="ethernet-ip") == ["Control to Safety"]
    assert names(protocol="ip") == []
    control = Zone.objects.get(name="Control")
    assert names(zone_id=control.pk) == ["Control to Safety", "DMZ to Control"]


# --- assets and endpoints -------------------------------------------------------------------------


def test_asset_with_endpoints_round_trips_through_the_api(api, a_contributor, plant_a):
    client = api(a_contributor)
    control = Zone.objects.get(site=plant_a, name="Control")
    body = {"site_id": plant_a.pk, "name": "RTU-9", "zone_id": control.pk, "type": "rtu", "vendor": "SEL",
            "criticality": "high", "ip": "FD00:0::9", "mac": "00-1D-9C-AA-BB-09",
            "endpoints": ["dnp3+tcp://10.20.1.90:20000?outstation=9&master=1", "https://10.20.1.90:443"]}  # fmt: skip
    r = client.post("/assets", body)
    assert r.status_code == 201, r.content
    asset = r.json()
    assert (asset["ip"], asset["mac"], asset["zone"]) == ("fd00::9", "00:1d:9c:aa:bb:09", "Control")
    assert asset["endpoints"] == [
        "dnp3+tcp://10.20.1.90:20000?outstation=9&master=1",
        "https://10.20.1.90:443",
    ]
    dnp3 = ProtocolEndpoint.objects.get(asset_id=asset["id"], protocol="dnp3")
    assert dnp3.role == "outstation" and dnp3.params == {"outstation": 9, "master": 1}
    kept = ProtocolEndpoint.objects.get(asset_id=asset["id"], protocol="https").pk
    r = client.patch(
        f"/assets/{asset['id']}", {"endpoints": ["https://10.20.1.90:443", "ssh://10.20.1.90:22"]}
    )
    assert r.json()["endpoints"] == ["https://10.20.1.90:443", "ssh://10.20.1.90:22"]
    assert ProtocolEndpoint.objects.filter(pk=kept).exists(), "an endpoint that stays keeps its row"
    deleted = AuditEvent.objects.filter(object_type="plant.protocolendpoint", action="delete").get()
    assert deleted.site_id == plant_a.pk and "dnp3" in deleted.object_repr


@pytest.mark.parametrize(
    "change,fragment",
    [
        ({"endpoints": ["modbus+tcp://10.0.0.1:502"]}, "needs ?unit=N"),
        ({"endpoints": ["opc.tcp://user:secret@10.0.0.1:4840"]}, "credentials"),
        ({"ip": "010.0.0.1"}, "ip"),
        ({"mac": "00:11:22"}, "mac"),
        ({"criticality": "extreme"}, "criticality"),
        ({"type": "toaster"}, "type"),
        ({"name": "x" * 201}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_asset_input_is_refused_and_changes_nothing(api, a_contributor, plant_a, change, fragment):
    client = api(a_contributor)
    before = plant_counts()
    body = {"site_id": plant_a.pk, "name": "New", **change}
    refused(client.post("/assets", body), 422, fragment)
    asset = Asset.objects.get(name="PLC-101")
    refused(client.patch(f"/assets/{asset.pk}", change), 422, fragment)
    assert plant_counts() == before


def test_asset_in_a_zone_of_another_site_is_refused(api, org_admin, plant_a, zone_b):
    client = api(org_admin)
    before = plant_counts()
    refused(client.post("/assets", {"site_id": plant_a.pk, "name": "X", "zone_id": zone_b.pk}), 422,
            "another site")  # fmt: skip
    asset = Asset.objects.get(name="PLC-101")
    refused(client.patch(f"/assets/{asset.pk}", {"zone_id": zone_b.pk}), 422, "another site")
    assert plant_counts() == before


def test_asset_filters_and_search(api, a_contributor, plant_a):
    client = api(a_contributor)
    names = lambda **f: [a["name"] for a in client.get("/assets", **f).json()["items"]]  # noqa: E731
    assert names(type="plc") == ["PLC-101"]
    assert names(criticality="high") == ["EWS-1", "RTU-7"]
    assert names(protocol="Modbus TCP") == ["PLC-101"]
    assert names(protocol="rdp") == ["EWS-1"]
    assert names(q="rockwell") == ["PLC-101"]
    assert names(q="10.20.1.70") == ["RTU-7"]
    assert names(zone_id=Zone.objects.get(name="Control").pk) == ["EWS-1", "HMI-1", "PLC-101", "RTU-7"]
    assert client.get("/assets", type="toaster").status_code == 422


def test_endpoints_are_created_on_the_asset_site_and_scoped(api, a_contributor, b_viewer, plant_a):
    plc = Asset.objects.get(name="PLC-101")
    contributor, viewer = api(a_contributor), api(b_viewer)
    before = plant_counts()
    refused(viewer.post("/endpoints", {"asset_id": plc.pk, "uri": "s7://10.20.1.11:102"}), 422, "asset_id")
    refused(contributor.post("/endpoints", {"asset_id": plc.pk, "uri": "s7://10.20.1.11"}), 422,
            "port is missing")  # fmt: skip
    refused(contributor.post("/endpoints", {"asset_id": plc.pk, "uri": "opc.tcp://10.20.1.11:4840/ua"}),
            422, "already has")  # fmt: skip
    assert plant_counts() == before
    r = contributor.post("/endpoints", {"asset_id": plc.pk, "uri": "S7comm://10.20.1.11:102"})
    assert r.status_code == 201, r.content
    assert (r.json()["protocol"], r.json()["role"], r.json()["site_id"]) == ("s7", "server", plant_a.pk)
    r = contributor.patch(f"/endpoints/{r.json()['id']}", {"role": "client", "uri": "s7://10.20.1.11:1102"})
    assert (r.json()["role"], r.json()["port"]) == ("client", 1102)
    dnp3 = contributor.get("/endpoints", protocol="DNP3").json()["items"]
    assert [e["uri"] for e in dnp3] == ["dnp3+tcp://10.20.1.70:20000?outstation=7&master=1"]
    assert viewer.get("/endpoints").json()["count"] == 0


# --- systems under consideration ------------------------------------------------------------------


def test_system_under_consideration_groups_zones_of_its_site(api, a_contributor, org_admin, plant_a, zone_b):
    client = api(a_contributor)
    control, safety, dmz = (Zone.objects.get(name=n) for n in ("Control", "Safety", "Plant DMZ"))
    r = client.post("/systems", {"site_id": plant_a.pk, "name": "Treatment SUC",
                                 "zone_ids": [control.pk, safety.pk]})  # fmt: skip
    assert r.status_code == 201, r.content
    suc = r.json()
    assert suc["zone_ids"] == sorted([control.pk, safety.pk])
    r = client.patch(f"/systems/{suc['id']}", {"zone_ids": [dmz.pk, control.pk]})
    assert r.json()["zone_ids"] == sorted([dmz.pk, control.pk])
    actions = list(AuditEvent.objects.filter(object_type="plant.systemzone").values_list("action", flat=True))
    assert sorted(actions) == ["create", "create", "create", "delete"]
    admin = api(org_admin)
    before = plant_counts()
    refused(admin.patch(f"/systems/{suc['id']}", {"zone_ids": [zone_b.pk]}), 422, "another site")
    refused(client.post("/systems", {"site_id": plant_a.pk, "name": "X", "zone_ids": [zone_b.pk]}), 422,
            "no zone with id")  # fmt: skip
    assert plant_counts() == before
    assert [s["name"] for s in client.get("/systems", zone_id=dmz.pk).json()["items"]] == ["Treatment SUC"]


# --- query counts ---------------------------------------------------------------------------------


def grow_plant(site, first: int, n: int) -> None:
    zones = [Zone.objects.create(site=site, name=f"Zone {i}", sl_t=i % 5) for i in range(first, first + n)]
    for i, zone in enumerate(zones, start=first):
        nxt = zones[(i - first + 1) % n]
        Conduit.objects.create(site=site, name=f"C{i}", zone_a=zone, zone_b=nxt, protocols=["opc-ua"])
        asset = Asset.objects.create(site=site, name=f"A{i}", zone=zone, type="plc")
        ProtocolEndpoint.objects.create(asset=asset, protocol="modbus-tcp", host=f"10.0.0.{i}", port=502,
                                        params={"unit": 1})  # fmt: skip
        suc = SystemUnderConsideration.objects.create(site=site, name=f"S{i}")
        SystemZone.objects.create(system=suc, zone=zone)
        SystemZone.objects.create(system=suc, zone=nxt)


# token lookup, count, page; assets and systems fetch their endpoints / zones in one more query
LIST_QUERIES = {"/zones": 3, "/conduits": 3, "/assets": 4, "/endpoints": 3, "/systems": 4}


@pytest.mark.parametrize("path", list(LIST_QUERIES))
@pytest.mark.parametrize("persona", ["org_admin", "a_contributor"])
def test_list_queries_are_pinned_and_do_not_grow_with_the_rows(
    request, path, persona, site_a, django_assert_max_num_queries
):
    client = token_client(request.getfixturevalue(persona))
    grow_plant(site_a, 0, 3)
    client.get(path)  # warm up: the token's last use is recorded once a minute
    with django_assert_max_num_queries(LIST_QUERIES[path]):
        r = client.get(path, limit=500)
    assert r.json()["count"] == 3
    grow_plant(site_a, 3, 40)
    with django_assert_max_num_queries(LIST_QUERIES[path]):
        r = client.get(path, limit=500)
    assert r.json()["count"] == 43


# --- import, export, diagram ----------------------------------------------------------------------


def upload(client, site, kind: str, name: str, data: bytes):
    return client.client.post(
        f"/api/v1/sites/{site.pk}/import/{kind}",
        {"file": SimpleUploadedFile(name, data)},
        headers=client.headers,
    )


def test_import_through_the_api(api, a_contributor, site_a):
    client = api(a_contributor)
    r = upload(client, site_a, "zones", "zones.csv", (SAMPLES / "zones.csv").read_bytes())
    assert r.status_code == 201, r.content
    assert r.json()["created"] == 4 and r.json()["site_id"] == site_a.pk
    r = upload(client, site_a, "assets", "assets.xlsx", (SAMPLES / "assets.xlsx").read_bytes())
    assert r.status_code == 201, r.content
    event = AuditEvent.objects.filter(object_type="plant.asset").first()
    assert event.actor_kind == "token" and event.actor_label.startswith("alice")


def test_a_bad_file_gets_422_with_every_problem_and_writes_nothing(api, a_contributor, plant_a):
    client = api(a_contributor)
    before = plant_counts()
    data = b"name,zone,criticallity\nPLC-101,Control,high\nNew,Mars,low\n"
    r = upload(client, plant_a, "assets", "assets.csv", data)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert [(p["row"], p["column"]) for p in detail] == [(1, "criticallity"), (2, "name"), (3, "zone")]
    assert detail[0]["message"].startswith("row 1, column criticallity: unknown column 'criticallity'")
    assert "did you mean 'criticality'" in detail[0]["reason"]
    assert plant_counts() == before


def test_import_rights(api, a_contributor, b_viewer, outsider, org_admin, site_a, site_b):
    data = (SAMPLES / "zones.csv").read_bytes()
    viewer, stranger, contributor = api(b_viewer), api(outsider), api(a_contributor)
    before = plant_counts()
    assert upload(viewer, site_b, "zones", "z.csv", data).status_code == 403
    assert upload(viewer, site_a, "zones", "z.csv", data).status_code == 404
    assert upload(stranger, site_a, "zones", "z.csv", data).status_code == 404
    sites = (SAMPLES / "sites.csv").read_bytes()
    assert upload(contributor, site_a, "sites", "s.csv", sites).status_code == 403
    assert upload(contributor, site_a, "widgets", "w.csv", data).status_code == 404
    anonymous = Client().post(
        f"/api/v1/sites/{site_a.pk}/import/zones", {"file": SimpleUploadedFile("z.csv", data)}
    )
    assert anonymous.status_code == 401
    assert plant_counts() == before
    assert upload(api(org_admin), site_a, "sites", "s.csv", sites).status_code == 201


def test_people_import_only_into_sites_the_user_may_change(api, a_contributor, site_a, site_b):
    data = f"name,site\nAnn,{site_a.name}\nBo,{site_b.name}\n".encode()
    client = api(a_contributor)
    before = audit_count()
    r = upload(client, site_a, "people", "p.csv", data)
    assert r.status_code == 403 and audit_count() == before
    r = upload(client, site_a, "people", "p.csv", b"name,site\nAnn,\nCy,plant a\n")
    assert r.status_code == 201 and r.json()["created"] == 2


def test_session_import_needs_the_csrf_token(session_api, a_contributor, site_a):
    client = session_api(a_contributor)
    before = plant_counts()
    r = client.client.post(f"/api/v1/sites/{site_a.pk}/import/zones",
                           {"file": SimpleUploadedFile("z.csv", b"name\nZ\n")})  # fmt: skip
    assert r.status_code == 403 and plant_counts() == before


def test_files_over_the_2_mb_body_limit_import_and_over_50_mb_get_413(api, a_contributor, site_a, settings):
    # few rows (each one is an audit event, slow on PostgreSQL), long descriptions: a 3 MB file
    text = "Pump station controller. " * 78
    rows = "".join(f"DEV-{i:05d},plc,high,{text}\n" for i in range(1_500))
    data = ("name,type,criticality,description\n" + rows).encode()
    # larger than the body limit, and than what Django keeps in memory (it goes to a temporary file)
    assert len(data) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert len(data) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    client = api(a_contributor)
    r = upload(client, site_a, "assets", "big.csv", data)
    assert r.status_code == 201, r.content[:500]
    assert Asset.objects.filter(site=site_a).count() == 1_500
    before = audit_count()
    huge = b"name\n" + b"x" * (MAX_FILE_BYTES + 1)
    r = upload(client, site_a, "assets", "huge.csv", huge)
    assert r.status_code == 413 and "50 MB" in r.json()["detail"]
    assert audit_count() == before


def test_an_oversized_body_is_refused_before_it_is_read(api, session_api, a_contributor, site_a):
    """The declared length decides: a 60 MB upload is answered 413 without reading (or parsing) it."""
    url = f"/api/v1/sites/{site_a.pk}/import/assets"
    for client in (api(a_contributor), session_api(a_contributor)):
        r = client.client.post(
            url, data=b"--x--", content_type="multipart/form-data; boundary=x", headers=client.headers,
            CONTENT_LENGTH=str(60 * 2**20),
        )  # fmt: skip
        assert r.status_code == 413 and "50 MB" in r.json()["detail"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_to_a_file_that_imports_into_another_site(api, org_admin, plant_a, site_b, fmt):
    client = api(org_admin)
    for kind in ("zones", "conduits", "assets"):
        r = client.get(f"/sites/{plant_a.pk}/export/{kind}", format=fmt)
        assert r.status_code == 200
        assert r["Content-Disposition"] == f'attachment; filename="plant-a-{kind}.{fmt}"'
        assert upload(client, site_b, kind, f"{kind}.{fmt}", r.content).status_code == 201
    assert (
        client.get(f"/sites/{site_b.pk}/export/assets", format="json").json()
        == client.get(f"/sites/{plant_a.pk}/export/assets", format="json").json()
    )
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(__import__("io").BytesIO(r.content)).worksheets[0]
        assert [c.value for c in sheet[1]][:3] == ["name", "zone", "type"]


def test_export_and_diagram_are_scoped(api, a_contributor, b_viewer, outsider, plant_a):
    assert api(a_contributor).get(f"/sites/{plant_a.pk}/export/assets").status_code == 200
    for user in (b_viewer, outsider):
        client = api(user)
        assert client.get(f"/sites/{plant_a.pk}/export/assets").status_code == 404
        assert client.get(f"/sites/{plant_a.pk}/export/zones", format="json").status_code == 404
        assert client.get(f"/sites/{plant_a.pk}/diagram.svg").status_code == 404
    assert api(a_contributor).get(f"/sites/{plant_a.pk}/export/assets", format="pdf").status_code == 422


def test_diagram_is_svg_with_zones_and_conduit_labels(api, a_contributor, plant_a):
    r = api(a_contributor).get(f"/sites/{plant_a.pk}/diagram.svg")
    assert r.status_code == 200 and r["Content-Type"].startswith("image/svg+xml")
    svg = r.content.decode()
    assert (
        svg.startswith("<svg") and 'class="node zone"' in svg and "DMZ to Control" in svg and "opc-ua" in svg
    )
    assert "<script" not in svg and "<!--" not in svg and "DOCTYPE" not in svg
