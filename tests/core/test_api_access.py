"""Every API route, enumerated from the API itself: an outsider and a user of another site get nothing.

A new route fails ``test_every_route_is_classified`` until its objects are added to ``SITE_A_OBJECTS``
(site data), ``ORG_WIDE`` (organisation reference data) or ``SELF_SERVICE`` (the caller's own account).
"""

from __future__ import annotations

import re

import pytest

from otcsms.api import api as ninja_api
from otcsms.core.models import AuditEvent
from otcsms.org.models import (
    CsmsActivity,
    CsmsRole,
    Person,
    Responsibility,
    RoleAssignment,
    ScopeStatement,
    SiteMembership,
)

SELF_SERVICE = {"/version", "/me", "/me/password", "/tokens", "/tokens/{pk}/revoke", "/organisation"}
ORG_WIDE = {"csms-roles", "csms-activities", "users", "audit", "frameworks", "requirements", "mapping-sets",
            "schedules", "job-runs"}  # fmt: skip


def all_routes() -> list[tuple[str, str]]:
    routes = []
    for prefix, router in ninja_api._routers:
        for path, view in router.path_operations.items():
            full = "/" + "/".join(p for p in (prefix.strip("/"), path.strip("/")) if p)
            full = re.sub(r"\{(?:int|id):(\w+)\}", r"{\1}", full)
            for op in view.operations:
                for method in op.methods:
                    routes.append((method, full))
    return sorted(set(routes))


@pytest.fixture
def site_a_objects(site_a, a_contributor):
    role = CsmsRole.objects.create(name="OT engineer")
    activity = CsmsActivity.objects.create(name="Incident response")
    person = Person.objects.create(organisation=site_a.organisation, site=site_a, name="Ann Site-A")
    return {
        "sites": site_a.pk,
        "memberships": SiteMembership.objects.get(user=a_contributor, site=site_a).pk,
        "people": person.pk,
        "role-assignments": RoleAssignment.objects.create(site=site_a, role=role, person=person).pk,
        "responsibilities": Responsibility.objects.create(
            site=site_a, activity=activity, role=role, raci="A"
        ).pk,
        "scope-statements": ScopeStatement.objects.create(site=site_a, version=1, statement="Scope A").pk,
        "csms-roles": role.pk,
        "csms-activities": activity.pk,
        **plant_objects(site_a),
        **assessment_objects(site_a),
    }


def assessment_objects(site) -> dict[str, int]:
    from otcsms.assessments.models import Assessment, Response
    from otcsms.catalogs.models import Framework, Requirement

    framework = Framework.objects.create(key="t", version="1", name="T", edition="1", publisher="t", licence="t",
                                         origin="shipped", content_hash="t")  # fmt: skip
    requirement = Requirement.objects.create(
        framework=framework, ref="T-1", title="t", assessable=True, kind="x"
    )
    assessment = Assessment.objects.create(site=site, framework=framework, name="Assessment A")
    response = Response.objects.create(
        site=site, assessment=assessment, requirement=requirement, status="met"
    )
    return {"assessments": assessment.pk, "responses": response.pk}


def plant_objects(site) -> dict[str, int]:
    from otcsms.plant.models import Asset, Conduit, ProtocolEndpoint, SystemUnderConsideration, Zone

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


def resource_of(path: str) -> str:
    return path.strip("/").split("/")[0]


def test_every_route_is_classified(site_a_objects):
    for _method, path in all_routes():
        kind = resource_of(path)
        assert path in SELF_SERVICE or kind in ORG_WIDE or kind in site_a_objects, (
            f"{path} is not covered by the access test: add its objects to site_a_objects"
        )


def body_for(kind: str, site_a) -> dict:
    return {"site_id": site_a.pk, "name": "Intruder", "statement": "x", "role": "viewer", "user_id": 1}


def items(response) -> list[dict]:
    data = response.json()
    return data["items"] if isinstance(data, dict) and "items" in data else data


@pytest.mark.parametrize("persona", ["outsider", "b_viewer"])
def test_no_route_reveals_or_changes_site_a(
    request, api, persona, site_a, site_a_objects, b_viewer, outsider
):
    user = request.getfixturevalue(persona)
    client = api(user)
    events_before = AuditEvent.objects.count()
    for method, path in all_routes():
        kind = resource_of(path)
        if path in SELF_SERVICE or (kind in ORG_WIDE and persona == "b_viewer" and method == "GET"):
            continue
        url = path.replace("{pk}", str(site_a_objects.get(kind, 1)))
        if method == "GET":
            r = client.get(url)
            if "{pk}" in path:
                assert r.status_code in (403, 404), f"{persona} GET {url} -> {r.status_code}"
            else:
                assert r.status_code in (200, 403), f"{persona} GET {url} -> {r.status_code}"
                if r.status_code == 200:
                    leaked = [
                        i
                        for i in items(r)
                        if i.get("site_id") == site_a.pk or (kind == "sites" and i["id"] == site_a.pk)
                    ]
                    if kind in ORG_WIDE or kind == "audit":
                        leaked = items(r) if persona == "outsider" else leaked
                    assert not leaked, f"{persona} GET {url} leaked {leaked[:2]}"
        else:
            r = client.call(method, url, body_for(kind, site_a) if method in ("POST", "PATCH") else None)
            assert r.status_code in (401, 403, 404, 405, 422), f"{persona} {method} {url} -> {r.status_code}"
            assert "detail" in r.json()
    assert AuditEvent.objects.count() == events_before, "a refused request wrote something"


def test_auditor_reads_the_trail_of_granted_sites_only(api, auditor, site_a, site_b, org):
    other = org.sites.create(name="Hidden plant", code="hidden")
    Person.objects.create(organisation=org, site=other, name="Hidden person")
    Person.objects.create(organisation=org, site=site_a, name="Visible person")
    events = items(api(auditor).get("/audit/events", limit=500))
    sites = {e["site_id"] for e in events}
    assert site_a.pk in sites and other.pk not in sites


def test_outsider_and_anonymous_see_no_audit_trail(api, outsider, client, site_a):
    assert items(api(outsider).get("/audit/events")) == []
    assert client.get("/api/v1/audit/events").status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer otc_deadbeef_nonsense",
        "Bearer",
        "Bearer " + "x" * 5000,
        "Basic YWRtaW46YWRtaW4=",
        "Bearer \x00",
    ],
)
def test_malformed_tokens_are_refused(client, header, site_a):
    r = client.get("/api/v1/sites", headers={"Authorization": header})
    assert r.status_code == 401 and "detail" in r.json()
