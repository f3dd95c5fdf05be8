"""Organisation records keep their site, and a role assignment names a person of its own site, in the UI and API.

The users hold the same role on both sites, so only the site rule (core.siterules, RoleAssignment.clean) stands
between them and a record moved from A to B. Every refusal leaves the audit trail as it was.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from otcsms.org.models import CsmsActivity, CsmsRole, Person, Responsibility, RoleAssignment
from otcsms.tenancy.models import SiteMembership
from tests.conftest import audit_count, make_user


@pytest.fixture
def carol(site_a, site_b):
    return make_user("carol", roles={site_a: "contributor", site_b: "contributor"})


@pytest.fixture
def sam(site_a, site_b):
    return make_user("sam", roles={site_a: "site-admin", site_b: "site-admin"})


@pytest.fixture
def records(site_a, site_b, outsider):
    role = CsmsRole.objects.create(name="OT engineer")
    activity = CsmsActivity.objects.create(name="Patch management")
    person_a = Person.objects.create(organisation=site_a.organisation, site=site_a, name="Ann A")
    person_b = Person.objects.create(organisation=site_b.organisation, site=site_b, name="Bo B")
    return {
        "role": role,
        "person": person_a,
        "person_b": person_b,
        "roleassignment": RoleAssignment.objects.create(site=site_a, role=role, person=person_a),
        "responsibility": Responsibility.objects.create(site=site_a, activity=activity, role=role, raci="A"),
        "membership": SiteMembership.objects.create(site=site_a, user=outsider, role="viewer"),
    }


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(client: Client, url: str) -> dict:
    """What the edit page's form holds now, as a browser would post it (a disabled field is not sent)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    data = {}
    for field in response.context["form"]:
        if not field.field.disabled:
            value = field.value()
            data[field.name] = "" if value is None else value
    return data


def state(obj) -> tuple:
    obj.refresh_from_db()
    return (audit_count(), obj.site_id, getattr(obj, "person_id", None), getattr(obj, "user_id", None))


# Responsibilities have no edit page: the RACI chart writes them, on the site of its URL.
@pytest.mark.parametrize("kind", ["person", "roleassignment", "membership"])
def test_a_move_to_another_site_is_refused_in_the_form(kind, carol, sam, records, site_b):
    user = sam if kind == "membership" else carol
    client, obj = logged_in(user), records[kind]
    url = reverse(f"web:{kind}_edit", args=[obj.pk])
    data = form_data(client, url) | {"site": site_b.pk}
    before = state(obj)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "stays on the site it was created on" in str(response.context["form"].errors["site"])
    assert state(obj) == before


@pytest.mark.parametrize("kind", ["person", "roleassignment", "membership"])
def test_an_edit_without_the_site_keeps_it(kind, carol, sam, records, site_a):
    client, obj = logged_in(sam if kind == "membership" else carol), records[kind]
    url = reverse(f"web:{kind}_edit", args=[obj.pk])
    assert client.post(url, form_data(client, url)).status_code == 302
    obj.refresh_from_db()
    assert obj.site_id == site_a.pk


def test_a_membership_keeps_its_user(sam, records, a_contributor):
    client, membership = logged_in(sam), records["membership"]
    url = reverse("web:membership_edit", args=[membership.pk])
    before = state(membership)
    response = client.post(url, form_data(client, url) | {"user": a_contributor.pk})
    assert "never changes" in str(response.context["form"].errors["user"])
    assert state(membership) == before


def test_a_role_assignment_names_a_person_of_its_site_in_the_form(carol, records, site_a):
    client, assignment = logged_in(carol), records["roleassignment"]
    url = reverse("web:roleassignment_edit", args=[assignment.pk])
    before = state(assignment)
    response = client.post(url, form_data(client, url) | {"person": records["person_b"].pk})
    assert "another site" in str(response.context["form"].errors), response.context["form"].errors
    assert state(assignment) == before
    count = RoleAssignment.objects.count()
    data = {"site": site_a.pk, "role": records["role"].pk, "person": records["person_b"].pk}
    response = client.post(reverse("web:roleassignment_create"), data)
    assert response.status_code == 200 and "another site" in str(response.context["form"].errors)
    assert (audit_count(), RoleAssignment.objects.count()) == (before[0], count)


def test_the_api_refuses_moves_and_persons_of_another_site(api, carol, records, site_a, site_b):
    client = api(carol)
    assignment, before = records["roleassignment"], None
    before = state(assignment)
    for path, obj in (("role-assignments", assignment), ("responsibilities", records["responsibility"]),
                      ("people", records["person"])):  # fmt: skip
        r = client.patch(f"/{path}/{obj.pk}", {"site_id": site_b.pk})
        assert r.status_code == 422, (path, r.content)
    r = client.patch(f"/role-assignments/{assignment.pk}", {"person_id": records["person_b"].pk})
    assert r.status_code == 422 and "another site" in str(r.json()["detail"])
    body = {"site_id": site_a.pk, "role_id": records["role"].pk, "person_id": records["person_b"].pk}
    assert client.post("/role-assignments", body).status_code == 422
    assert state(assignment) == before


@pytest.mark.parametrize("kind", ["roleassignment", "responsibility", "membership"])
def test_clean_refuses_a_changed_site_whatever_writes_it(kind, records, site_b):
    obj = records[kind]
    obj.site = site_b
    with pytest.raises(ValidationError) as refused:
        obj.full_clean()
    assert "stays on the site it was created on" in str(refused.value.message_dict["site"])
