"""Choice lists of every form: the direct select widget writes Django's markup, and objects that belong to a site
are offered only for the record's own site once it is known (ui.generic.ScopedModelForm)."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from otcsms.access.models import AccessSystem
from otcsms.plant.models import Asset, Zone
from otcsms.risk.models import ThreatScenario
from otcsms.ui.widgets import DirectSelect, DirectSelectMultiple
from tests.conftest import audit_count

HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"
CHOICES = [
    ("", "---------"),
    ("1", HOSTILE),
    ("Group <b>", [("2", "two"), ("3", "three & more")]),
    (4, "four"),
]


def tags_only(html: str) -> str:
    """The markup without the white space between tags (Django's templates leave blank lines there)."""
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize(
    ("stock", "direct", "value"),
    [(forms.Select, DirectSelect, "3"), (forms.SelectMultiple, DirectSelectMultiple, ["1", "4"])],
)
def test_the_direct_widget_writes_what_django_writes(stock, direct, value):
    attrs = {"id": "id_x", "class": "wide", "required": True, "disabled": False, "data-note": 'a "b" <c>'}
    expected = tags_only(stock(attrs=attrs, choices=CHOICES).render("x", value))
    assert tags_only(direct(attrs=attrs, choices=CHOICES).render("x", value)) == expected
    assert "<script>" not in expected and "&lt;script&gt;" in expected


def options(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select, select_id
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


@pytest.fixture
def plants(site_a, site_b):
    za, zb = (
        Zone.objects.create(site=site_a, name="A Control"),
        Zone.objects.create(site=site_b, name="B Control"),
    )
    aa = Asset.objects.create(site=site_a, name="A PLC", zone=za)
    ab = Asset.objects.create(site=site_b, name="B RTU", zone=zb)
    return za, zb, aa, ab


def test_forms_of_every_app_offer_the_records_site_once_it_is_known(org_admin, site_a, site_b, plants):
    client = Client()
    client.force_login(org_admin)
    for url, select, a_name in (("/risk/scenarios/new/", "id_asset", "A PLC"),
                                ("/access/systems/new/", "id_zone", "A Control"),
                                ("/documents/new/", "id_covered_assets", "A PLC")):  # fmt: skip
        html = client.get(url, {"site": site_a.pk}).content.decode()
        assert a_name in options(html, select) and "B RTU" not in options(html, select), url
        assert "B Control" not in options(html, select), url
        assert 'data-reload-param="site"' in html, url
        everything = options(client.get(url).content.decode(), select)  # no site chosen: all the user sees
        assert a_name in everything and any(o in everything for o in ("B RTU", "B Control")), url
    system = AccessSystem.objects.create(site=site_b, name="B historian", zone=plants[1])
    html = client.get(reverse("web:accesssystem_edit", args=[system.pk])).content.decode()
    assert options(html, "id_zone") == ["---------", "B Control"]


def test_an_object_of_another_site_is_refused_and_nothing_changes(org_admin, site_a, plants):
    client = Client()
    client.force_login(org_admin)
    before = audit_count()
    response = client.post("/risk/scenarios/new/", {"site": site_a.pk, "title": "Spoofed write", "asset": plants[3].pk,
                                                    "inherent_likelihood": 3})  # fmt: skip
    assert response.status_code == 200 and "asset" in response.context["form"].errors
    assert audit_count() == before and not ThreatScenario.objects.exists()
