"""The risk API: scenarios CRUD with filters and pagination, the matrix (org admins), advisory upload, the
vulnerability status workflow, a scenario from a vulnerability, the heat map and a zone's justified SL-T."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from otcsms.core.models import ApiToken, AuditEvent
from otcsms.risk.models import Advisory, AssetVulnerability, RiskMatrix, ThreatScenario
from tests.conftest import audit_count
from tests.risk.conftest import DATA, DEMO_ADVISORY

pytestmark = pytest.mark.django_db


def body(plant, **fields) -> dict:
    return {"site_id": plant.cell.site_id, "title": "Ransomware on the HMIs", "zone_id": plant.cell.pk,
            "threat_source": "criminal", "vector": "it-network", "techniques": ["T0866", "T0828"],
            "inherent_likelihood": 4, "inherent_consequences": {"production": 5, "safety": 2},
            "owner_id": plant.ann.pk, "review_date": str(timezone.localdate() + timedelta(days=90))} | fields  # fmt: skip


_SECRETS: dict[int, str] = {}


def upload(user, path, site_id, name=None):
    """POST the file to /advisories as ``user`` (one token per user, issued once: issuing is audited)."""
    if user.pk not in _SECRETS or not ApiToken.objects.filter(user=user).exists():
        _SECRETS[user.pk] = ApiToken.issue(user, "t")[1]
    data = path if isinstance(path, bytes) else path.read_bytes()
    return Client().post(f"/api/v1/advisories?site_id={site_id}",
                         {"file": SimpleUploadedFile(name or "advisory.json", data, "application/json")},
                         headers={"Authorization": f"Bearer {_SECRETS[user.pk]}"})  # fmt: skip


def test_scenario_crud_with_scores_filters_and_history(api, plant, a_contributor, b_viewer):
    client = api(a_contributor)
    r = client.post("/threat-scenarios", body(plant))
    assert r.status_code == 201, r.json()
    created = r.json()
    assert (created["inherent_score"], created["inherent_level"], created["residual_level"]) == (
        20,
        "critical",
        "",
    )
    r = client.patch(f"/threat-scenarios/{created['id']}",
                     {"residual_likelihood": 2, "residual_consequences": {"production": 3}, "treatment": "mitigate"})  # fmt: skip
    assert r.status_code == 200 and r.json()["residual_level"] == "medium"
    client.post("/threat-scenarios", body(plant, title="Insider setpoint change", inherent_likelihood=2,
                                          inherent_consequences={"safety": 2}))  # fmt: skip
    assert [
        s["title"] for s in client.get("/threat-scenarios", inherent_level="critical").json()["items"]
    ] == ["Ransomware on the HMIs"]
    assert client.get("/threat-scenarios", residual_level="medium").json()["count"] == 1
    assert client.get("/threat-scenarios", q="insider").json()["count"] == 1
    page = client.get("/threat-scenarios", limit=1, offset=1).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    history = client.get(f"/threat-scenarios/{created['id']}/history").json()["items"]
    assert [e["action"] for e in history][:2] in (["update", "create"], ["create", "update"])
    assert api(b_viewer).get(f"/threat-scenarios/{created['id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "word"),
    [
        ({"inherent_likelihood": 0}, 422, "inherent_likelihood"),
        ({"inherent_consequences": {"weather": 2}}, 422, "inherent_consequences"),
        ({"techniques": ["T9"]}, 422, "techniques"),
        ({"techniques": ["T0999"]}, 422, "unknown"),
        ({"treatment": "accept"}, 422, "acceptance"),
        ({"title": "x" * 201}, 422, "title"),
        ({"title": "bad\u202eone"}, 422, "title"),
        ({"colour": "red"}, 422, "colour"),
        ({"zone_id": "1; drop table"}, 422, "zone_id"),
        ({"inherent_likelihood": 7}, 422, "a level from 1 to 5"),
    ],
)
def test_bad_scenarios_are_refused_and_write_nothing(api, plant, a_contributor, change, status, word):
    client = api(a_contributor)
    before = audit_count()
    r = client.post("/threat-scenarios", body(plant, **change))
    assert r.status_code == status and word in str(r.json()["detail"])
    assert audit_count() == before


def test_writes_need_a_role(api, plant, b_viewer, auditor, site_a):
    for user in (b_viewer, auditor):
        assert api(user).post("/threat-scenarios", body(plant)).status_code == 403
    assert not ThreatScenario.objects.exists()


def test_the_matrix_is_read_by_members_and_changed_by_org_admins(api, org, plant, org_admin, a_contributor):
    bands = [{"level": "low", "min": 1, "max": 2}, {"level": "medium", "min": 3, "max": 4},
             {"level": "high", "min": 6, "max": 6}, {"level": "critical", "min": 8, "max": 9}]  # fmt: skip
    payload = {"organisation_id": org.pk, "likelihood_labels": ["Low", "Medium", "High"],
               "consequence_labels": ["Minor", "Serious", "Severe"], "bands": bands}  # fmt: skip
    assert api(a_contributor).post("/risk-matrix", payload).status_code == 403
    r = api(org_admin).post("/risk-matrix", payload)
    assert r.status_code == 201, r.json()
    matrix = r.json()
    assert api(a_contributor).get(f"/risk-matrix/{matrix['id']}").json()["likelihood_labels"][0] == "Low"
    r = api(org_admin).patch(f"/risk-matrix/{matrix['id']}", {"bands": bands[:3]})
    assert r.status_code == 422 and "score 9" in str(r.json()["detail"])
    assert api(org_admin).post("/risk-matrix", payload).status_code == 409
    assert RiskMatrix.objects.get().n_likelihood == 3


def test_heat_map_and_zone_risk(api, plant, a_contributor, b_viewer):
    client = api(a_contributor)
    client.post(
        "/threat-scenarios", body(plant, residual_likelihood=2, residual_consequences={"production": 4})
    )
    cells = client.get("/threat-scenarios/heat-map").json()["items"]
    hot = {(c["likelihood"], c["consequence"]): c for c in cells}
    assert (
        hot[(4, 5)]["inherent"] == 1 and hot[(2, 4)]["residual"] == 1 and hot[(4, 5)]["level"] == "critical"
    )
    assert sum(c["inherent"] for c in api(b_viewer).get("/threat-scenarios/heat-map").json()["items"]) == 0
    zone = client.get(f"/risk-zones/{plant.cell.pk}").json()
    assert (zone["worst_level"], zone["justified_sl_t"], zone["recorded_sl_t"], zone["gap"]) == (
        "medium",
        2,
        2,
        False,
    )
    assert "critical -> SL 4" in zone["convention"]
    assert api(b_viewer).get(f"/risk-zones/{plant.cell.pk}").status_code == 404


def test_attack_list_carries_the_notice(api, a_contributor, outsider):
    data = api(a_contributor).get("/attack-ics").json()
    assert "The MITRE Corporation" in data["notice"] and len(data["techniques"]) >= 30
    assert api(outsider).get("/attack-ics").status_code == 403


def test_advisory_upload_status_changes_and_scenario(api, plant, a_contributor, a_approver, b_viewer, site_a):
    r = upload(a_contributor, DEMO_ADVISORY, site_a.pk)
    assert r.status_code == 201, r.json()
    assert r.json()[0]["affected"] == 2 and r.json()[0]["possibly_affected"] == 1
    assert upload(a_contributor, DEMO_ADVISORY, site_a.pk).status_code == 200  # the same version again
    assert (
        upload(
            a_contributor, DATA / "icsa-23-227-01.json", site_a.pk, name="..\\..//etc/evil.json"
        ).status_code
        == 201
    )
    assert Advisory.objects.get(tracking_id="ICSA-23-227-01").filename == "evil.json"
    client = api(a_contributor)
    items = client.get("/asset-vulnerabilities", match="affected", severity="high").json()["items"]
    assert len(items) == 2 and {i["status"] for i in items} == {"open"}
    item = next(i for i in items if i["asset_id"] == plant.plc.pk)
    url = f"/asset-vulnerabilities/{item['id']}"
    assert client.post(f"{url}/status", {"status": "accepted", "note": "x", "accepted_by_id": plant.ben.pk,
                       "accepted_until": str(timezone.localdate() + timedelta(days=30))}).status_code == 403  # fmt: skip
    r = api(a_approver).post(f"{url}/status", {"status": "accepted", "note": "until the outage in spring",
                             "accepted_by_id": plant.ben.pk, "accepted_until": str(timezone.localdate() + timedelta(days=30))})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert client.post(f"{url}/status", {"status": "not-affected", "note": "x"}).status_code == 409
    assert client.post(f"{url}/status", {"status": "patched"}).status_code == 422
    assert (
        client.post(f"{url}/status", {"status": "patched", "note": "33.017 flashed"}).json()["status"]
        == "patched"
    )
    r = client.post(f"{url}/scenario")
    assert r.status_code == 201 and r.json()["asset_id"] == plant.plc.pk
    assert client.post(f"{url}/scenario").status_code == 201  # a second scenario, its own link
    assert api(b_viewer).post(f"{url}/status", {"status": "open", "note": "x"}).status_code == 404
    vulns = client.get("/vulnerabilities", cve="CVE-2024-6207").json()
    assert vulns["count"] == 1 and vulns["items"][0]["cvss_score"] in ("7.5", 7.5)
    advisories = client.get("/advisories").json()["items"]
    assert [a["tracking_id"] for a in advisories] == ["ICSA-23-227-01", "ICSA-24-284-20"]  # newest first


def test_bad_advisory_uploads_are_422_with_the_path_and_write_nothing(plant, a_contributor, b_viewer, site_a):
    upload(a_contributor, b"", site_a.pk)
    upload(b_viewer, b"", site_a.pk)
    before = audit_count()
    r = upload(a_contributor, b'{"document": {"category": 5}}', site_a.pk)
    assert r.status_code == 422 and r.json()["detail"].startswith("/document/category: expected a string")
    r = upload(a_contributor, b"[" * 50_000, site_a.pk, name="../../etc/passwd")
    assert r.status_code == 422 and "deeper than" in r.json()["detail"]
    upload(a_contributor, DATA / "icsa-24-107-03-v2.json", site_a.pk)
    after_v2 = audit_count()
    r = upload(a_contributor, DATA / "icsa-24-107-03-v1.json", site_a.pk)
    assert r.status_code == 422 and "older than version 2" in r.json()["detail"]
    assert audit_count() == after_v2 > before
    assert upload(b_viewer, DEMO_ADVISORY, site_a.pk).status_code == 404
    assert audit_count() == after_v2
    assert not AssetVulnerability.objects.filter(
        vulnerability__advisory__tracking_id="ICSA-24-284-20"
    ).exists()
    event = AuditEvent.objects.filter(object_type="risk.advisory").last()
    assert event is not None and event.actor_label.startswith(f"{a_contributor.username} (token")
