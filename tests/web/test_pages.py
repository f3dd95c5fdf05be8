"""The web UI: login and throttling, scoping on every page, site switcher, history, audit verification."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.core.models import AuditEvent
from otcsms.org.models import CsmsRole, Person, Responsibility, RoleAssignment
from otcsms.tenancy.models import Site
from tests.conftest import PASSWORD


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login(client, site_a):
    r = client.get("/")
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")


def test_login_with_password_then_dashboard_counts(client, a_contributor, site_a):
    Person.objects.create(organisation=site_a.organisation, site=site_a, name="Ann")
    r = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert r.status_code == 302
    page = client.get("/").content.decode()
    assert "Plant A" in page and "Substation B" not in page
    assert '<span class="num">1</span> sites' in page


def test_login_is_throttled_after_repeated_failures(client, a_contributor):
    for _ in range(5):
        r = client.post("/accounts/login/", {"username": "alice", "password": "wrong-password"})
        assert r.status_code in (200, 429)
    r = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert r.status_code == 429
    assert "_auth_user_id" not in client.session


def test_passwords_are_argon2(a_contributor):
    assert a_contributor.password.startswith("argon2")


@pytest.mark.parametrize(
    "url_name,kind",
    [("web:site_detail", "site"), ("web:person_detail", "person"), ("web:roleassignment_detail", "assignment"),
     ("web:raci", "site"), ("web:scope", "site"), ("web:site_edit", "site"), ("web:person_edit", "person")],
)  # fmt: skip
def test_pages_of_another_site_are_not_found(url_name, kind, b_viewer, outsider, site_a):
    role = CsmsRole.objects.create(name="OT engineer")
    person = Person.objects.create(organisation=site_a.organisation, site=site_a, name="Ann")
    assignment = RoleAssignment.objects.create(site=site_a, role=role, person=person)
    pk = {"site": site_a.pk, "person": person.pk, "assignment": assignment.pk}[kind]
    for user in (b_viewer, outsider):
        assert logged_in(user).get(reverse(url_name, args=[pk])).status_code == 404


def test_lists_show_only_permitted_sites(b_viewer, site_a, site_b):
    Person.objects.create(organisation=site_a.organisation, site=site_a, name="Hidden Ann")
    Person.objects.create(organisation=site_b.organisation, site=site_b, name="Visible Bo")
    page = logged_in(b_viewer).get(reverse("web:person_list")).content.decode()
    assert "Visible Bo" in page and "Hidden Ann" not in page


def test_history_of_invisible_object_is_not_found(b_viewer, site_a):
    assert logged_in(b_viewer).get(reverse("web:history", args=["org.site", site_a.pk])).status_code == 404
    assert logged_in(b_viewer).get(reverse("web:history", args=["core.auditevent", 1])).status_code == 404
    assert logged_in(b_viewer).get(reverse("web:history", args=["nonsense", 1])).status_code == 404


def test_site_switcher_narrows_lists_and_refuses_foreign_sites(org_admin, a_contributor, site_a, site_b):
    Person.objects.create(organisation=site_a.organisation, site=site_a, name="Ann A")
    Person.objects.create(organisation=site_b.organisation, site=site_b, name="Bo B")
    admin = logged_in(org_admin)
    admin.post(reverse("web:switch_site"), {"site": site_b.pk, "next": "/people/"})
    page = admin.get(reverse("web:person_list")).content.decode()
    assert "Bo B" in page and "Ann A" not in page
    contributor = logged_in(a_contributor)
    contributor.post(reverse("web:switch_site"), {"site": site_b.pk})
    assert contributor.session.get("otcsms_site_id") is None


def test_contributor_edits_role_assignment_and_history_shows_it(a_contributor, site_a):
    role = CsmsRole.objects.create(name="OT engineer")
    other_role = CsmsRole.objects.create(name="Incident commander")
    person = Person.objects.create(organisation=site_a.organisation, site=site_a, name="Ann")
    assignment = RoleAssignment.objects.create(site=site_a, role=role, person=person)
    client = logged_in(a_contributor)
    r = client.post(
        reverse("web:roleassignment_edit", args=[assignment.pk]),
        {"site": site_a.pk, "role": other_role.pk, "person": person.pk, "note": "night shift"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    page = client.get(reverse("web:history", args=["org.roleassignment", assignment.pk])).content.decode()
    assert "alice" in page and "night shift" not in page  # who and when; the values are for auditors
    from tests.conftest import make_user

    auditor = logged_in(make_user("audra", roles={site_a: "auditor"}))
    page = auditor.get(reverse("web:history", args=["org.roleassignment", assignment.pk])).content.decode()
    assert "night shift" in page and "alice" in page
    event = AuditEvent.objects.filter(object_type="org.roleassignment", action="update").get()
    assert event.actor_kind == "user" and event.actor_label == "alice"


def test_viewer_cannot_post_edits(b_viewer, site_b):
    r = logged_in(b_viewer).post(reverse("web:site_edit", args=[site_b.pk]), {"name": "Renamed"})
    assert r.status_code == 403
    assert Site.objects.get(pk=site_b.pk).name == "Substation B"


def test_raci_cell_edit(a_contributor, site_a):
    role = CsmsRole.objects.create(name="OT engineer")
    from otcsms.org.models import CsmsActivity

    activity = CsmsActivity.objects.create(name="Patch management")
    client = logged_in(a_contributor)
    url = reverse("web:raci", args=[site_a.pk])
    client.post(url, {"activity": activity.pk, "role": role.pk, "raci": "A"})
    assert Responsibility.objects.get(site=site_a).raci == "A"
    client.post(url, {"activity": activity.pk, "role": role.pk, "raci": ""})
    assert not Responsibility.objects.exists()
    assert client.post(url, {"activity": activity.pk, "role": role.pk, "raci": "Z"}).status_code == 403


def test_audit_page_verifies_chain(org_admin, site_a):
    page = logged_in(org_admin).post(reverse("web:audit")).content.decode()
    assert "Chain intact" in page


def test_tokens_page_shows_secret_once(a_contributor):
    client = logged_in(a_contributor)
    first = client.post(reverse("web:tokens"), {"name": "export script"}).content.decode()
    assert "otc_" in first and "copy it now" in first
    again = client.get(reverse("web:tokens")).content.decode()
    assert "copy it now" not in again and "export script" in again


def test_pages_use_only_local_assets(org_admin, site_a):
    page = logged_in(org_admin).get("/").content.decode()
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page
    assert logged_in(org_admin).get("/static/otcsms/htmx.min.js").status_code == 200


def test_api_docs_are_served_offline(org_admin):
    client = logged_in(org_admin)
    page = client.get("/api/v1/docs").content.decode()
    # Nothing loaded from elsewhere: no absolute or protocol-relative URL in any src/href (a bare "cdn" search
    # also matched the page's random CSRF token now and then).
    assert not re.findall(r"""(?:src|href)\s*=\s*["'](?:[a-z]+:)?//""", page, flags=re.I)
    assert "jsdelivr" not in page and "unpkg" not in page and "cdnjs" not in page
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "otcsms API"
