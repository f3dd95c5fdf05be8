"""C1 through the REST API: CRUD with personas, versioned scope, bad input changes nothing."""

from __future__ import annotations

import pytest

from otcsms.core.models import AuditEvent
from otcsms.org.models import CsmsRole, Person, RoleAssignment, ScopeStatement
from otcsms.tenancy.models import Site
from tests.conftest import audit_count


@pytest.fixture
def role(org):
    return CsmsRole.objects.create(name="Site security lead")


@pytest.fixture
def person_a(site_a):
    return Person.objects.create(organisation=site_a.organisation, site=site_a, name="Tom Baker")


@pytest.fixture
def person_b(site_b):
    return Person.objects.create(organisation=site_b.organisation, site=site_b, name="Priya Raman")


def test_contributor_assigns_a_role_and_sees_it_in_history(api, a_contributor, site_a, role, person_a):
    client = api(a_contributor)
    r = client.post("/role-assignments", {"site_id": site_a.pk, "role_id": role.pk, "person_id": person_a.pk})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = client.patch(f"/role-assignments/{pk}", {"note": "covers night shift"})
    assert r.status_code == 200 and r.json()["note"] == "covers night shift"
    history = client.get(f"/role-assignments/{pk}/history").json()
    assert [e["action"] for e in history["items"]] == ["update", "create"]
    update = history["items"][0]
    assert update["actor_kind"] == "token" and update["actor_label"].startswith("alice")
    # the values are the audit trail's content: a contributor sees that it changed, an auditor what changed
    assert update["values_visible"] is False and update["after"] is None
    from tests.conftest import make_user

    auditor = make_user("audra", roles={site_a: "auditor"})
    update = api(auditor).get(f"/role-assignments/{pk}/history").json()["items"][0]
    assert update["before"]["note"] == "" and update["after"]["note"] == "covers night shift"


def test_viewer_reads_but_cannot_write(api, b_viewer, site_b, role, person_b):
    client = api(b_viewer)
    assert client.get(f"/sites/{site_b.pk}").status_code == 200
    before = audit_count()
    r = client.post("/role-assignments", {"site_id": site_b.pk, "role_id": role.pk, "person_id": person_b.pk})
    assert r.status_code == 403 and "detail" in r.json()
    assert audit_count() == before


def test_person_of_another_site_cannot_be_assigned(api, a_contributor, site_a, role, person_b):
    client = api(a_contributor)
    before = audit_count()
    r = client.post("/role-assignments", {"site_id": site_a.pk, "role_id": role.pk, "person_id": person_b.pk})
    assert r.status_code == 422 and "person_id" in str(r.json()["detail"])
    assert audit_count() == before and not RoleAssignment.objects.exists()


def test_org_wide_person_can_be_assigned_anywhere(api, a_contributor, site_a, role, org):
    staff = Person.objects.create(organisation=org, name="Elena Marsh")
    r = api(a_contributor).post(
        "/role-assignments", {"site_id": site_a.pk, "role_id": role.pk, "person_id": staff.pk}
    )
    assert r.status_code == 201


def test_only_org_admins_create_sites_and_org_wide_data(api, org_admin, a_contributor):
    r = api(a_contributor).post("/sites", {"name": "New plant", "code": "new-plant"})
    assert r.status_code == 403
    r = api(a_contributor).post("/csms-roles", {"name": "Vendor liaison"})
    assert r.status_code == 403
    r = api(org_admin).post("/sites", {"name": "New plant", "code": "new-plant", "sector": "chemical"})
    assert r.status_code == 201 and Site.objects.filter(code="new-plant").exists()


def test_site_delete_is_refused_while_referenced(api, org_admin, site_a, person_a):
    r = api(org_admin).delete(f"/sites/{site_a.pk}")
    assert r.status_code == 409 and "people" in r.json()["detail"]
    assert Site.objects.filter(pk=site_a.pk).exists()


def test_delete_records_the_reason(api, a_contributor, site_a, role, person_a):
    ra = RoleAssignment.objects.create(site=site_a, role=role, person=person_a)
    r = api(a_contributor).delete(f"/role-assignments/{ra.pk}", reason="moved to another plant")
    assert r.status_code == 204
    event = AuditEvent.objects.filter(object_type="org.roleassignment", action="delete").get()
    assert event.payload["reason"] == "moved to another plant"


def test_site_delete_records_the_reason_through_its_hook(api, org_admin, a_contributor, org):
    site = Site.objects.create(organisation=org, name="Closed plant", code="closed")
    assert api(a_contributor).delete(f"/sites/{site.pk}").status_code in (403, 404)
    r = api(org_admin).delete(f"/sites/{site.pk}", reason="plant closed")
    assert r.status_code == 204
    event = AuditEvent.objects.filter(
        object_type="tenancy.site", object_id=str(site.pk), action="delete"
    ).get()
    assert event.payload["reason"] == "plant closed"


def test_scope_statement_versions_and_approval(api, org_admin, a_contributor, site_a):
    contributor = api(a_contributor)
    r = contributor.post("/scope-statements", {"site_id": site_a.pk, "statement": "Process control system"})
    assert r.status_code == 201 and r.json()["version"] == 1 and r.json()["status"] == "draft"
    v1 = r.json()["id"]
    assert contributor.post(f"/scope-statements/{v1}/approve").status_code == 403
    assert api(org_admin).post(f"/scope-statements/{v1}/approve").json()["status"] == "approved"
    r = contributor.patch(f"/scope-statements/{v1}", {"statement": "Rewritten"})
    assert r.status_code == 409
    r = contributor.post(
        "/scope-statements", {"site_id": site_a.pk, "statement": "Wider", "bcp_title": "BCP"}
    )
    v2 = r.json()["id"]
    assert r.json()["version"] == 2
    api(org_admin).post(f"/scope-statements/{v2}/approve")
    statuses = dict(ScopeStatement.objects.values_list("version", "status"))
    assert statuses == {1: "superseded", 2: "approved"}
    assert contributor.delete(f"/scope-statements/{v1}").status_code in (404, 405)


def test_list_pagination_search_and_max_page_size(api, org_admin, org):
    for i in range(12):
        CsmsRole.objects.create(name=f"Role {i:02d}")
    client = api(org_admin)
    page = client.get("/csms-roles", limit=5, offset=5).json()
    assert page["count"] == 12 and [r["name"] for r in page["items"]] == [
        f"Role {i:02d}" for i in range(5, 10)
    ]
    assert client.get("/csms-roles", q="Role 1").json()["count"] == 2
    assert len(client.get("/csms-roles", limit=500).json()["items"]) == 12
    assert client.get("/csms-roles", limit=501).status_code == 422
    assert client.get("/csms-roles", limit=0).status_code == 422


# --- bad input: a 4xx with a JSON detail, nothing written ----------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        '{"name": "x", "code": "x", "unexpected": 1}',
        '{"name": 12, "code": "ok"}',
        '{"name": "x", "code": "../../etc/passwd"}',
        '{"name": "", "code": "empty-name"}',
        '{"name": "x", "code": "x", "sector": "casino"}',
        '{"name": "' + "A" * 5000 + '", "code": "long"}',
        "[1, 2, 3]",
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>',
        "",
    ],
)
def test_malformed_site_payloads_are_rejected_and_change_nothing(api, org_admin, body):
    client = api(org_admin)
    before = (audit_count(), Site.objects.count())
    r = client.call("POST", "/sites", body)
    assert 400 <= r.status_code < 500, r.content
    assert "detail" in r.json()
    assert (audit_count(), Site.objects.count()) == before


def test_oversized_body_gets_413(api, org_admin, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = api(org_admin)
    before = audit_count()
    r = client.call("POST", "/csms-roles", '{"name": "' + "x" * 20_000 + '"}')
    assert r.status_code == 413 and r.json()["detail"] == "request body too large"
    assert audit_count() == before


def test_duplicate_name_is_a_conflict_with_detail(api, org_admin, role):
    client = api(org_admin)
    before = audit_count()
    r = client.post("/csms-roles", {"name": role.name})
    assert r.status_code == 422 and "name" in r.json()["detail"]
    assert audit_count() == before


def test_session_post_without_csrf_token_is_refused(session_api, org_admin):
    before = audit_count()
    r = session_api(org_admin).post("/csms-roles", {"name": "Via CSRF"})
    assert r.status_code == 403 and "detail" in r.json()
    assert audit_count() == before and not CsmsRole.objects.filter(name="Via CSRF").exists()


def test_session_get_works_without_token(session_api, b_viewer, site_b):
    r = session_api(b_viewer).get("/sites")
    assert r.status_code == 200 and [s["id"] for s in r.json()["items"]] == [site_b.pk]


def test_auditor_reads_everything_granted_and_writes_nothing(api, auditor, site_a, site_b, role, person_a):
    client = api(auditor)
    assert {s["id"] for s in client.get("/sites").json()["items"]} == {site_a.pk, site_b.pk}
    before = audit_count()
    r = client.post("/role-assignments", {"site_id": site_a.pk, "role_id": role.pk, "person_id": person_a.pk})
    assert r.status_code == 403
    assert client.patch(f"/people/{person_a.pk}", {"name": "Renamed"}).status_code == 403
    assert audit_count() == before
    assert client.get("/audit/events").json()["count"] > 0


def test_site_admin_grants_roles_on_own_site_only(api, site_a, site_b, outsider):
    from tests.conftest import make_user

    admin_a = make_user("sam", roles={site_a: "site-admin"})
    client = api(admin_a)
    r = client.post("/memberships", {"site_id": site_a.pk, "user_id": outsider.pk, "role": "viewer"})
    assert r.status_code == 201
    r = client.post("/memberships", {"site_id": site_b.pk, "user_id": outsider.pk, "role": "viewer"})
    missing = client.post("/memberships", {"site_id": 10**9, "user_id": outsider.pk, "role": "viewer"})
    # site B is invisible to this admin: the same answer as a site that does not exist
    assert r.status_code == missing.status_code == 403
    assert r.json()["detail"] == missing.json()["detail"]
    assert client.post("/sites", {"name": "Mine", "code": "mine"}).status_code == 403
    assert client.delete(f"/sites/{site_a.pk}").status_code == 403


def test_contributor_cannot_grant_access(api, a_contributor, site_a, outsider):
    r = api(a_contributor).post(
        "/memberships", {"site_id": site_a.pk, "user_id": outsider.pk, "role": "viewer"}
    )
    assert r.status_code == 403
