"""Every API route, enumerated from the API itself: an outsider and a user of another site get nothing.

What each route is comes from the app that declares it (core.registry.Contributions): its site objects
(``access_objects``), its organisation reference data (``org_wide_paths``) or the caller's own account
(``self_service_paths``). A route that none of them covers fails ``test_every_route_is_classified``.
"""

from __future__ import annotations

import re

import pytest

from otcsms.api import api as ninja_api
from otcsms.core import registry
from otcsms.core.models import AuditEvent
from otcsms.org.models import Person
from tests.conftest import site_objects

# /version is the platform's own route (otcsms/api.py), not an app's.
SELF_SERVICE = {"/version"} | {p for c in registry.registered().values() for p in c.self_service_paths}
ORG_WIDE = {kind for c in registry.registered().values() for kind in c.org_wide_paths}


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
    """{path kind: pk} of one site-A object per site-owned path, built by every app's ``access_objects``
    (with the site's personas in place, as the tests using it expect)."""
    return site_objects(site_a)


def resource_of(path: str) -> str:
    return path.strip("/").split("/")[0]


def test_every_route_is_classified(site_a_objects):
    for _method, path in all_routes():
        kind = resource_of(path)
        assert path in SELF_SERVICE or kind in ORG_WIDE or kind in site_a_objects, (
            f"{path} is not covered by the access test: declare it in its app's registry.py "
            "(access_objects, org_wide_paths or self_service_paths)"
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
    client = api(request.getfixturevalue(persona))
    events_before = AuditEvent.objects.count()
    for method, path in all_routes():
        check_refused(client, persona, method, path, site_a, site_a_objects)
    assert AuditEvent.objects.count() == events_before, "a refused request wrote something"


def check_refused(client, persona: str, method: str, path: str, site_a, objects: dict[str, int]) -> None:
    """``persona`` (the outsider or site B's viewer) neither reads nor changes site A through this route."""
    kind = resource_of(path)
    if path in SELF_SERVICE or (kind in ORG_WIDE and persona == "b_viewer" and method == "GET"):
        return
    url = path.replace("{pk}", str(objects.get(kind, 1)))
    if method != "GET":
        r = client.call(method, url, body_for(kind, site_a) if method in ("POST", "PATCH") else None)
        assert r.status_code in (401, 403, 404, 405, 422), f"{persona} {method} {url} -> {r.status_code}"
        assert "detail" in r.json()
        return
    r = client.get(url)
    if "{pk}" in path:
        assert r.status_code in (403, 404), f"{persona} GET {url} -> {r.status_code}"
        return
    assert r.status_code in (200, 403), f"{persona} GET {url} -> {r.status_code}"
    if r.status_code == 200:
        leaked = [
            i for i in items(r) if i.get("site_id") == site_a.pk or (kind == "sites" and i["id"] == site_a.pk)
        ]
        if kind in ORG_WIDE or kind == "audit":
            leaked = items(r) if persona == "outsider" else leaked
        assert not leaked, f"{persona} GET {url} leaked {leaked[:2]}"


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
