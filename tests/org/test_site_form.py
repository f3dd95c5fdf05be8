"""A new site in a few keystrokes: its code comes from its name when left empty; NERC is spelled NERC."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from otcsms.tenancy.models import Site, site_code_for
from tests.conftest import audit_count


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def site_data(**values) -> dict:
    data = {"name": "North Water Treatment Plant", "code": "", "sector": "water", "location": "",
            "nerc_registration": "", "nerc_impact": "", "description": ""}  # fmt: skip
    return data | values


def test_an_empty_code_is_made_from_the_name(org_admin):
    client = logged_in(org_admin)
    r = client.post(reverse("web:site_create"), site_data())
    assert r.status_code == 302
    assert Site.objects.get(name="North Water Treatment Plant").code == "north-water-treatment-plant"
    r = client.post(reverse("web:site_create"), site_data(name="North  water treatment plant!"))
    assert Site.objects.get(name="North  water treatment plant!").code == "north-water-treatment-plant-2"


def test_a_given_code_is_kept_and_an_edit_without_one_keeps_the_stored_code(org_admin):
    client = logged_in(org_admin)
    client.post(reverse("web:site_create"), site_data(code="north-wtp"))
    site = Site.objects.get(code="north-wtp")
    r = client.post(reverse("web:site_edit", args=[site.pk]), site_data(name="North WTP", code=""))
    assert r.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.code) == ("North WTP", "north-wtp")


def test_a_bad_code_is_refused_saying_what_a_code_is(org_admin):
    before = audit_count()
    r = logged_in(org_admin).post(reverse("web:site_create"), site_data(code="north wtp!"))
    assert "letters, digits, hyphens and underscores" in r.context["form"].errors["code"][0]
    assert "leave it empty" in r.context["form"].errors["code"][0]
    assert audit_count() == before


def test_the_api_makes_the_code_too(api, org_admin):
    r = api(org_admin).post("/sites", {"name": "Lakeside Pump Station"})
    assert r.status_code == 201 and r.json()["code"] == "lakeside-pump-station"


def test_codes_are_made_unique_and_never_empty():
    taken = {"plant", "plant-2"}
    assert site_code_for("Plant", taken) == "plant-3" and "plant-3" in taken
    assert site_code_for("!!!", taken) == "site"
    assert site_code_for("Ünïcode Wörks", set()) == "unicode-works"
    assert len(site_code_for("x" * 300, set())) <= 40


def test_nerc_is_spelled_in_capitals(org_admin, site_b):
    client = logged_in(org_admin)
    for url in (reverse("web:site_create"), reverse("web:site_edit", args=[site_b.pk]),
                reverse("web:site_detail", args=[site_b.pk])):  # fmt: skip
        html = client.get(url).content.decode()
        assert "NERC impact" in html and "Nerc" not in html, url
