"""Findings, check runs and the check registry through the API: scoping per site, accepting, running now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otcsms.checks.engine import run_checks
from otcsms.checks.models import CheckRun, Finding
from otcsms.plant.models import Zone
from tests.conftest import audit_count, make_user


@pytest.fixture
def found(site_a, site_b):
    """Open findings on both sites: a zone without an SL-T reason on each."""
    zones = {
        "a": Zone.objects.create(site=site_a, name="Control A", sl_t=2),
        "b": Zone.objects.create(site=site_b, name="Control B", sl_t=3),
    }
    run_checks()
    return {
        key: Finding.objects.get(object_id=zone.pk, check_id="plant.zone-sl-t-reason")
        for key, zone in zones.items()
    }


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def test_findings_are_listed_per_site_with_filters(api, a_contributor, b_viewer, auditor, org_admin, found):
    # other checks report these zones too (e.g. evidence.zone-without-diagram): look at one check's findings
    only = {"check": "plant.zone-sl-t-reason"}
    assert ids(api(a_contributor).get("/findings", **only)) == [found["a"].pk]
    assert ids(api(b_viewer).get("/findings", **only)) == [found["b"].pk]
    assert set(ids(api(auditor).get("/findings", **only))) == {found["a"].pk, found["b"].pk}
    admin = api(org_admin)
    item = admin.get(f"/findings/{found['a'].pk}").json()
    assert (item["check"], item["severity"], item["status"], item["object_type"]) == (
        "plant.zone-sl-t-reason",
        "medium",
        "open",
        "plant.zone",
    )
    assert item["title"] and item["remediation"] and ["iec62443-3-2", "ZCR 5.6"] in item["requirements"]
    assert ids(admin.get("/findings", site_id=found["b"].site_id, **only)) == [found["b"].pk]
    assert ids(admin.get("/findings", object_type="plant.zone", object_id=found["a"].object_id, **only)) == [
        found["a"].pk
    ]
    assert ids(admin.get("/findings", severity="high")) == []
    assert ids(admin.get("/findings", check="no.such-check")) == []
    assert admin.get("/findings", status="maybe").status_code == 422
    assert api(b_viewer).get(f"/findings/{found['a'].pk}").status_code == 404
    assert api(b_viewer).get(f"/findings/{found['a'].pk}/history").status_code == 404


def test_approvers_accept_the_risk_others_are_refused(api, site_a, a_contributor, b_viewer, found):
    approver = api(make_user("ada", roles={site_a: "approver"}))
    alice, bob = api(a_contributor), api(b_viewer)
    url = f"/findings/{found['a'].pk}/accept"
    until = (timezone.now() + timedelta(days=90)).isoformat()
    before = audit_count()
    assert alice.post(url, {"reason": "fine", "until": until}).status_code == 403
    assert bob.post(url, {"reason": "fine", "until": until}).status_code == 404
    for bad in [{"reason": "", "until": until}, {"reason": "ok", "until": "2020-01-01T00:00:00Z"},
                {"reason": "ok", "until": "2030-01-01T00:00:00"}, {"reason": "ok"}, {"reason": "ok", "until": until, "x": 1}]:  # fmt: skip
        r = approver.post(url, bad)
        assert r.status_code == 422 and r.json()["detail"], bad
    assert audit_count() == before
    r = approver.post(
        url, {"reason": "Mitigated by the DMZ firewall until the 2027 upgrade.", "until": until}
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert approver.post(url, {"reason": "again", "until": until}).status_code == 409
    history = approver.get(f"/findings/{found['a'].pk}/history").json()["items"]
    assert history[0]["actor_kind"] == "token" and history[0]["action"] == "update"


def test_findings_cannot_be_written_through_crud(api, org_admin, found):
    admin = api(org_admin)
    assert admin.patch(f"/findings/{found['a'].pk}", {"status": "closed"}).status_code == 405
    assert admin.delete(f"/findings/{found['a'].pk}").status_code == 405
    assert admin.post("/findings", {"check": "x"}).status_code == 405


def test_the_registry_is_listed_to_members_only(api, b_viewer, outsider):
    listed = api(b_viewer).get("/checks").json()["items"]
    by_id = {c["id"]: c for c in listed}
    assert by_id["plant.asset-without-endpoints"]["severity"] == "high"
    assert ["iec62443-3-3", "SR 7.8"] in by_id["plant.asset-without-endpoints"]["requirements"]
    assert api(outsider).get("/checks").status_code == 403


def test_running_now_site_admins_their_site_org_admins_everything(
    api, site_a, site_b, org_admin, a_contributor
):
    Zone.objects.create(site=site_a, name="Control", sl_t=2)
    admin_a = api(make_user("sam", roles={site_a: "site-admin"}))
    alice = api(a_contributor)
    before = audit_count()
    assert alice.post("/checks/run", {"site_id": site_a.pk}).status_code == 403
    assert admin_a.post("/checks/run", {"site_id": site_b.pk}).status_code == 403
    assert admin_a.post("/checks/run", {}).status_code == 403
    assert audit_count() == before and not CheckRun.objects.exists()
    r = admin_a.post("/checks/run", {"site_id": site_a.pk})
    # every check that reports the zone opens one finding (the SL-T reason; the evidence checks too)
    opened = Finding.objects.filter(site=site_a, status="open")
    assert (
        r.status_code == 200
        and r.json()["opened"] == opened.count()
        and opened.filter(check_id="plant.zone-sl-t-reason").count() == 1
        and [s["site_id"] for s in r.json()["sites"]] == [site_a.pk]
    )
    everything = api(org_admin).post("/checks/run", {}).json()
    assert {s["site_id"] for s in everything["sites"]} == {site_a.pk, site_b.pk} and everything["opened"] == 0
    runs = api(a_contributor).get("/check-runs").json()["items"]
    assert {r["site_id"] for r in runs} == {site_a.pk} and len(runs) == 2
    assert all(o["status"] == "ok" for o in runs[0]["results"])
    assert api(org_admin).post("/checks/run", {"site_id": 2**62}).status_code == 422
