"""The configuration API: imports, baselines, deviations, drift, compare and rule overrides; who may do what."""

from __future__ import annotations

import base64
import datetime as dt
import json

from django.utils import timezone

from otcsms.configs.models import Baseline, Snapshot
from otcsms.core.models import AuditEvent


def b64(document: dict) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def items(response):
    return response.json()["items"]


def test_import_baseline_drift_compare(api, plc, a_contributor, org_admin):
    alice, olivia = api(a_contributor), api(org_admin)
    r = alice.post(
        f"/config-assets/{plc.pk}/import",
        {"name": "plc.json", "content": b64({"firmware": "1.0", "users": {}})},
    )
    assert r.status_code == 201 and r.json()["new_version"] is True
    first = r.json()["snapshot"]
    again = alice.post(
        f"/config-assets/{plc.pk}/import",
        {"name": "plc.json", "content": b64({"users": {}, "firmware": "1.0"})},
    )
    assert again.status_code == 200 and again.json()["snapshot"]["id"] == first["id"]
    # a contributor records configurations but does not approve them
    before = AuditEvent.objects.count()
    refused = alice.post("/config-baselines", {"snapshot_id": first["id"], "reason": "ok"})
    assert refused.status_code == 403 and AuditEvent.objects.count() == before
    approved = olivia.post("/config-baselines", {"snapshot_id": first["id"], "reason": "commissioning"})
    assert approved.status_code == 201 and approved.json()["approved_by_id"] == org_admin.pk
    event = AuditEvent.objects.get(object_type="configs.baseline", object_id=str(approved.json()["id"]))
    assert event.actor_label.startswith("olivia")

    alice.post(
        f"/config-assets/{plc.pk}/import",
        {"name": "plc.json", "content": b64({"firmware": "1.1", "users": {"vendor": {"level": 15}}})},
    )
    (row,) = items(alice.get("/config-drift"))
    assert row["status"] == "drifted" and row["site_id"] == plc.site_id and row["severity"] == "high"
    assert {(c["path"], c["kind"], c["rule"]) for c in row["changes"]} == {
        ("/firmware", "changed", "firmware.changed"),
        ("/users/vendor", "added", ""),  # a PLC: the user rule is for devices with local accounts
    }
    assert alice.get(f"/config-assets/{plc.pk}/drift").json()["status"] == "drifted"

    latest = Snapshot.objects.get(asset=plc, version=2)
    compared = alice.get(f"/config-snapshots/{latest.pk}/compare").json()
    assert compared["before_id"] == first["id"] and len(compared["changes"]) == 2
    first_only = alice.get(f"/config-snapshots/{first['id']}/compare")
    assert first_only.status_code == 404 and "detail" in first_only.json()

    deviation = olivia.post(
        "/config-deviations",
        {
            "asset_id": plc.pk,
            "path_pattern": "/firmware",
            "expected": "1.1",
            "ticket": "CHG-9",
            "expires_at": (timezone.now() + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert deviation.status_code == 201, deviation.json()
    (row,) = items(alice.get("/config-drift"))
    assert [c["path"] for c in row["changes"]] == ["/users/vendor"] and row["approved_changes"] == 1


def test_hostile_and_invalid_input(api, plc, a_contributor, org_admin):
    alice, olivia = api(a_contributor), api(org_admin)
    before = AuditEvent.objects.count()
    assert (
        alice.post(f"/config-assets/{plc.pk}/import", {"name": "x.json", "content": "%%%"}).status_code == 422
    )
    bad = alice.post(
        f"/config-assets/{plc.pk}/import", {"name": "../../etc/passwd", "content": b64({})[:-2] + "=="}
    )
    assert bad.status_code == 422 and "detail" in bad.json()
    unknown = alice.post(
        f"/config-assets/{plc.pk}/import", {"name": "x.json", "content": b64({}), "site_id": 1}
    )
    assert unknown.status_code == 422
    assert (
        olivia.post(
            "/config-deviations",
            {
                "asset_id": plc.pk,
                "path_pattern": "no-slash",
                "expected": 1,
                "ticket": "T",
                "expires_at": "2099-01-01T00:00:00Z",
            },
        ).status_code
        == 422
    )
    assert (
        olivia.post("/config-rule-overrides", {"name": "x", "rules": "rules: [{id: x}]"}).status_code == 422
    )
    assert AuditEvent.objects.count() == before


def test_rule_overrides_are_org_admin_business_and_change_severities(api, plc, a_contributor, org_admin):
    alice, olivia = api(a_contributor), api(org_admin)
    rules = "rules:\n  - {id: site.users, path: /users/**, severity: critical}\n"
    assert alice.post("/config-rule-overrides", {"name": "ours", "rules": rules}).status_code == 403
    assert olivia.post("/config-rule-overrides", {"name": "ours", "rules": rules}).status_code == 201
    assert alice.get("/config-rules").json()[0]["id"] == "site.users"
    alice.post(f"/config-assets/{plc.pk}/import", {"name": "a.json", "content": b64({"users": {}})})
    Baseline.objects.create(
        site=plc.site,
        asset=plc,
        snapshot=Snapshot.objects.get(asset=plc),
        approved_at=timezone.now(),
        approved_by_label="test",
        reason="test",
    )
    alice.post(f"/config-assets/{plc.pk}/import", {"name": "a.json", "content": b64({"users": {"x": {}}})})
    (row,) = items(alice.get("/config-drift"))
    assert row["changes"][0]["severity"] == "critical" and row["changes"][0]["rule"] == "site.users"


def test_credentials_are_write_only(api, plc, a_contributor, org_admin):
    assert (
        api(a_contributor)
        .call("PUT", f"/config-assets/{plc.pk}/credential", {"username": "u", "password": "p"})
        .status_code
        == 403
    )
    r = api(org_admin).call(
        "PUT", f"/config-assets/{plc.pk}/credential", {"username": "eng", "password": "pw-123"}
    )
    assert r.status_code == 200 and r.json() == {"asset_id": plc.pk, "username": "eng"}


def test_pages_render_for_a_reader_and_not_for_others(client, plc, a_contributor, b_viewer):
    from otcsms.configs import services

    v1, _ = services.record_snapshot(plc, config={"firmware": "1"}, volatile={}, source={"type": "file"})
    services.approve_baseline(v1, by=None, reason="commissioning")
    v2, _ = services.record_snapshot(plc, config={"firmware": "2"}, volatile={}, source={"type": "file"})
    client.force_login(a_contributor)
    page = client.get("/configs/drift/")
    assert page.status_code == 200 and b"PLC-CHM-01" in page.content and b"drifted" in page.content
    assert b"/firmware" in client.get(f"/configs/assets/{plc.pk}/").content
    assert b"/firmware" in client.get(f"/configs/snapshots/{v2.pk}/compare/").content
    assert (
        client.post(f"/configs/assets/{plc.pk}/baseline/", {"snapshot": v2.pk, "reason": "x"}).status_code
        == 403
    )
    client.force_login(b_viewer)
    assert b"PLC-CHM-01" not in client.get("/configs/drift/").content
    assert client.get(f"/configs/assets/{plc.pk}/").status_code == 404
    assert client.get(f"/configs/snapshots/{v2.pk}/compare/").status_code == 404


def test_deviation_and_credential_forms(client, plc, org_admin, a_contributor):
    from otcsms.configs import services
    from otcsms.configs.models import Deviation, DeviceCredential

    v1, _ = services.record_snapshot(plc, config={"firmware": "1"}, volatile={}, source={"type": "file"})
    services.approve_baseline(v1, by=None, reason="commissioning")
    services.record_snapshot(plc, config={"firmware": "2"}, volatile={}, source={"type": "file"})
    client.force_login(a_contributor)
    form = {
        "path_pattern": "/firmware",
        "expected": '"2"',
        "ticket": "CHG-1",
        "reason": "patch",
        "expires_at": "2099-01-01T00:00:00Z",
    }
    assert client.post(f"/configs/assets/{plc.pk}/deviations/", form).status_code == 403
    client.force_login(org_admin)
    before = AuditEvent.objects.count()
    for bad in (
        {**form, "expected": "2 and more"},
        {**form, "expires_at": "tomorrow"},
        {**form, "path_pattern": "firmware"},
        {**form, "ticket": "CHG\u202e1"},
        {**form, "expires_at": "2001-01-01T00:00:00Z"},
    ):
        page = client.post(f"/configs/assets/{plc.pk}/deviations/", bad, follow=True)
        assert page.status_code == 200 and b"Deviation not approved" in page.content
    assert AuditEvent.objects.count() == before and not Deviation.objects.exists()
    page = client.post(f"/configs/assets/{plc.pk}/deviations/", form, follow=True)
    assert b"Deviation approved" in page.content and b"CHG-1" in page.content
    assert Deviation.objects.get().approved_by == org_admin
    assert services.drift(plc.__class__.objects.filter(pk=plc.pk))[0].result.status == "in_baseline"
    client.post(f"/configs/assets/{plc.pk}/credential/", {"username": "eng", "password": "pw-123"})
    assert DeviceCredential.objects.get(asset=plc).username == "eng"
    assert b"pw-123" not in client.get(f"/configs/assets/{plc.pk}/").content


def test_members_read_our_client_certificate_outsiders_do_not(api, a_contributor, outsider):
    from otcsms.configs import services

    assert api(a_contributor).get("/config-identity").status_code == 404  # before otcsms init made it
    services.ensure_client_identity()
    found = api(a_contributor).get("/config-identity")
    assert found.status_code == 200
    body = found.json()
    assert (
        body["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
        and len(body["thumbprint_sha256"]) == 64
    )
    assert "PRIVATE" not in json.dumps(body)
    assert api(outsider).get("/config-identity").status_code in (403, 404)
