"""Group -> role mappings: the API (/api/v1/directory-mappings) and the Directory sign-in page, organisation
admins only, audited, hostile input refused with nothing changed. No directory server needed."""

from __future__ import annotations

import pytest
from django.test import Client

from otcsms.core.models import AuditEvent
from otcsms.core.registry import DemoSummary
from otcsms.directory.client import DirectoryConfig, DirectoryError, Refused, check_username
from otcsms.directory.demo import DEMO_MAPPINGS, load_demo_directory
from otcsms.directory.dn import BadDn, dn_key
from otcsms.directory.models import GroupMapping
from otcsms.directory.services import mapped_roles, save_mapping
from otcsms.tenancy.models import Site

ENGINEERS = "CN=Plant-A-Engineers,OU=Groups,DC=corp,DC=example"


def audit_count() -> int:
    return AuditEvent.objects.count()


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_org_admins_manage_mappings_through_the_api_audited(api, org_admin, site_a):
    client = api(org_admin)
    response = client.post(
        "/directory-mappings", {"group_dn": ENGINEERS, "site_id": site_a.pk, "role": "contributor"}
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    event = AuditEvent.objects.filter(object_type="directory.groupmapping", object_id=str(pk)).get()
    assert event.action == "create" and event.actor_user_id == org_admin.pk
    assert [m["group_dn"] for m in client.get("/directory-mappings").json()["items"]] == [ENGINEERS]
    assert client.patch(f"/directory-mappings/{pk}", {"role": "approver"}).json()["role"] == "approver"
    assert client.delete(f"/directory-mappings/{pk}", reason="group retired").status_code == 204
    assert not GroupMapping.objects.exists()
    assert AuditEvent.objects.filter(object_type="directory.groupmapping", object_id=str(pk)).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"group_dn": "not a dn", "site_id": 1, "role": "viewer"},
        {"group_dn": "CN=x,DC=y", "role": "viewer"},  # a site role with no site
        {"group_dn": "CN=x,DC=y", "site_id": 1, "role": "org-admin"},  # org admin is not per site
        {"group_dn": "CN=x,DC=y", "site_id": 1, "role": "superuser"},
        {"group_dn": "CN=x,DC=y", "site_id": 99999, "role": "viewer"},
        {"group_dn": "CN=x,DC=y", "site_id": 1, "role": "viewer", "is_org_admin": True},
        {"group_dn": "CN=x\x00,DC=y", "site_id": 1, "role": "viewer"},
        {"group_dn": "CN=" + "x" * 600, "site_id": 1, "role": "viewer"},
        # the same group as an existing mapping, typed with another case and spacing
        {"group_dn": "cn=plant-a-engineers, ou=groups, dc=corp, dc=example", "site_id": 1, "role": "viewer"},
    ],
)
def test_bad_mappings_are_refused_with_nothing_changed(api, org_admin, site_a, body):
    save_mapping(GroupMapping(group_dn=ENGINEERS, site=site_a, role="contributor"))
    body = {**body, "site_id": site_a.pk} if body.get("site_id") == 1 else body
    client = api(org_admin)
    before = audit_count()
    response = client.post("/directory-mappings", body)
    assert response.status_code in (400, 422) and "detail" in response.json()
    assert audit_count() == before and GroupMapping.objects.count() == 1


@pytest.mark.django_db
def test_only_org_admins_see_or_change_mappings(api, org_admin, a_contributor, auditor, site_a):
    mapping = save_mapping(GroupMapping(group_dn=ENGINEERS, site=site_a, role="site-admin"))
    clients = {user: api(user) for user in (a_contributor, auditor)}
    before = audit_count()
    for user, client in clients.items():
        assert client.get("/directory-mappings").json()["items"] == []
        assert client.get(f"/directory-mappings/{mapping.pk}").status_code == 404
        body = {"group_dn": "CN=Mine,DC=x", "site_id": site_a.pk, "role": "site-admin"}
        assert client.post("/directory-mappings", body).status_code == 403
        assert client.patch(f"/directory-mappings/{mapping.pk}", {"role": "viewer"}).status_code in (403, 404)
        assert client.delete(f"/directory-mappings/{mapping.pk}", reason="x").status_code in (403, 404)
        assert client.get("/directory-accounts").json()["items"] == []
        page = browser(user)
        assert page.get("/directory/").status_code == 403
        assert (
            page.post(
                "/directory/", {"group_dn": "CN=Mine,DC=x", "site": site_a.pk, "role": "site-admin"}
            ).status_code
            == 403
        )
        assert page.post(f"/directory/mappings/{mapping.pk}/delete/", {"reason": "x"}).status_code == 403
    assert audit_count() == before and GroupMapping.objects.get().role == "site-admin"


@pytest.mark.django_db
def test_the_directory_page_adds_edits_and_deletes_mappings(org_admin, site_a, settings):
    settings.LDAP_URL = "ldaps://dc1.corp.example"
    page = browser(org_admin)
    shown = page.get("/directory/")
    assert shown.status_code == 200 and b"ldaps://dc1.corp.example" in shown.content
    response = page.post(
        "/directory/",
        {"group_dn": ENGINEERS, "site": site_a.pk, "role": "contributor", "reason": "new plant team"},
    )
    assert response.status_code == 302
    mapping = GroupMapping.objects.get()
    assert mapping.dn_key == "cn=plant-a-engineers,ou=groups,dc=corp,dc=example"
    # the same group again (another spelling): the form says why, nothing is written
    before = audit_count()
    again = page.post("/directory/", {"group_dn": ENGINEERS.lower(), "site": site_a.pk, "role": "viewer"})
    assert again.status_code == 400 and audit_count() == before
    bad = page.post("/directory/", {"group_dn": "CN=Admins,DC=corp", "site": site_a.pk, "role": "org-admin"})
    assert bad.status_code == 400 and audit_count() == before
    edited = page.post(
        f"/directory/mappings/{mapping.pk}/edit/",
        {"group_dn": ENGINEERS, "site": site_a.pk, "role": "approver"},
    )
    assert edited.status_code == 302 and GroupMapping.objects.get().role == "approver"
    assert (
        page.post(f"/directory/mappings/{mapping.pk}/delete/", {"reason": "team merged"}).status_code == 302
    )
    assert not GroupMapping.objects.exists()
    deleted = AuditEvent.objects.filter(object_type="directory.groupmapping", action="delete").get()
    assert '"team merged"' in deleted.data and deleted.actor_user_id == org_admin.pk


@pytest.mark.django_db
def test_groups_map_to_the_strongest_role_per_site(site_a, site_b):
    save_mapping(GroupMapping(group_dn="CN=A,DC=x", site=site_a, role="auditor"))
    save_mapping(GroupMapping(group_dn="CN=B,DC=x", site=site_a, role="contributor"))
    save_mapping(GroupMapping(group_dn="CN=B,DC=x", site=site_b, role="viewer"))
    save_mapping(GroupMapping(group_dn="CN=Admins,DC=x", role="org-admin"))
    assert mapped_roles(["cn=a,dc=x", "CN=B, DC=x", "not a dn"]) == (
        False,
        {site_a.pk: "contributor", site_b.pk: "viewer"},
    )
    assert mapped_roles(["CN=Admins,DC=X"])[0] is True


def test_dn_keys_and_refused_values():
    assert dn_key(" CN=Plant A , OU=Groups,DC=Corp ") == "cn=plant a,ou=groups,dc=corp"
    assert dn_key("cn=b+uid=a,dc=x") == dn_key("UID=A+CN=B,DC=X")
    for bad in ("", "   ", "no equals sign", "=x,dc=y"):
        with pytest.raises(BadDn):
            dn_key(bad)
    for name in ("", " ", "a\x00b", "tab\there", "x" * 151):
        with pytest.raises(Refused):
            check_username(name)


def test_plain_ldap_is_refused_unless_insecure():
    assert DirectoryConfig(url="ldaps://dc", user_base="dc=x").transport() == "ldaps"
    assert DirectoryConfig(url="ldap://dc", user_base="dc=x").transport() == "starttls"
    with pytest.raises(DirectoryError):
        DirectoryConfig(url="ldap://dc", user_base="dc=x", start_tls=False).transport()
    assert (
        DirectoryConfig(url="ldap://dc", user_base="dc=x", start_tls=False, insecure=True).transport()
        == "plain"
    )
    with pytest.raises(DirectoryError):
        DirectoryConfig(url="http://dc", user_base="dc=x").transport()


@pytest.mark.django_db
def test_the_demo_mappings_load_once(org):
    for code in {m[1] for m in DEMO_MAPPINGS if m[1]}:
        Site.objects.create(organisation=org, name=code.title(), code=code)
    load_demo_directory(DemoSummary(password="x"))
    assert GroupMapping.objects.count() == len(DEMO_MAPPINGS)
    before = audit_count()
    load_demo_directory(DemoSummary(password="x"))
    assert audit_count() == before
