"""The plant forms a new user meets first: SL-T as seven labelled selects, and dropdowns that offer only zones
the save would accept (the record's own site; never the zone itself or a zone inside it)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import audit_count

from otcsms.plant.models import Asset, Conduit, Zone


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tree(site_a):
    """Plant > Area > Cell at site A, and a zone beside them."""
    plant = Zone.objects.create(site=site_a, name="Plant", sl_t=1)
    area = Zone.objects.create(site=site_a, name="Area", parent=plant)
    cell = Zone.objects.create(site=site_a, name="Cell", parent=area)
    beside = Zone.objects.create(site=site_a, name="Beside")
    return plant, area, cell, beside


def options(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select, select_id
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def zone_data(zone: Zone, **values) -> dict:
    data = {"name": zone.name, "kind": zone.kind, "parent": zone.parent_id or "", "sl_t_reason": "",
            "description": "", **{f"sl_t_{fr}": "" for fr in range(1, 8)}}  # fmt: skip
    data.update(values)
    return data


def test_sl_t_is_one_row_of_seven_labelled_selects(a_contributor, tree):
    plant = tree[0]
    html = logged_in(a_contributor).get(reverse("web:zone_edit", args=[plant.pk])).content.decode()
    fieldset = re.search(r'<fieldset class="field field-row">(.*?)</fieldset>', html, re.S).group(1)
    assert "<legend>Target security level (SL-T)</legend>" in fieldset
    labels = re.findall(r'<label for="id_sl_t_(\d)">(FR\d)</label>', fieldset)
    assert labels == [(str(fr), f"FR{fr}") for fr in range(1, 8)]
    for fr in range(1, 8):
        assert options(fieldset, f"id_sl_t_{fr}") == ["–", "0", "1", "2", "3", "4"]
        assert re.search(rf'id="id_sl_t_{fr}"[^>]*>.*?<option value="1" selected>', fieldset, re.S)
    assert 'title="FR1 Identification and authentication control"' in fieldset
    assert 'type="number"' not in html


def test_a_level_outside_the_choices_is_refused_naming_them(a_contributor, tree):
    plant = tree[0]
    before = audit_count()
    levels = {f"sl_t_{fr}": "2" for fr in range(1, 8)} | {"sl_t_4": "7"}
    r = logged_in(a_contributor).post(reverse("web:zone_edit", args=[plant.pk]), zone_data(plant, **levels))
    assert r.status_code == 200
    assert r.context["form"].errors["sl_t_4"] == [
        "FR4: 7 is not a level; choose – (not set), 0, 1, 2, 3 or 4"
    ]
    assert "FR4: 7 is not a level" in r.content.decode()
    assert audit_count() == before and Zone.objects.get(pk=plant.pk).sl_t == (1,) * 7


def test_a_partial_vector_is_refused_under_the_row(a_contributor, tree):
    plant = tree[0]
    r = logged_in(a_contributor).post(reverse("web:zone_edit", args=[plant.pk]), zone_data(plant, sl_t_2="3"))
    assert "missing: FR1, FR3, FR4, FR5, FR6, FR7" in r.content.decode()
    r = logged_in(a_contributor).post(reverse("web:zone_edit", args=[plant.pk]),
                                      zone_data(plant, **{f"sl_t_{fr}": str(fr % 5) for fr in range(1, 8)}))  # fmt: skip
    assert r.status_code == 302 and Zone.objects.get(pk=plant.pk).sl_t == (1, 2, 3, 4, 0, 1, 2)


def test_the_parent_dropdown_offers_the_sites_zones_but_not_the_zone_or_those_inside_it(
    a_contributor, tree, site_b
):
    Zone.objects.create(site=site_b, name="Foreign")
    plant, area, cell, beside = tree
    html = logged_in(a_contributor).get(reverse("web:zone_edit", args=[area.pk])).content.decode()
    assert options(html, "id_parent") == ["---------", "Beside", "Plant"]
    html = logged_in(a_contributor).get(reverse("web:zone_edit", args=[plant.pk])).content.decode()
    assert options(html, "id_parent") == ["---------", "Beside"]


@pytest.mark.parametrize(
    "parent,reason",
    [
        ("itself", "a zone cannot be its own parent"),
        ("child", "'Area' is inside 'Plant': a zone cannot be the child of one of its sub-zones"),
        ("grandchild", "'Cell' is inside 'Plant': a zone cannot be the child of one of its sub-zones"),
        ("other site", "the parent zone belongs to another site (Substation B); choose a zone of Plant A"),
        ("unknown", "choose a zone of Plant A other than Plant and the zones inside it"),
    ],
)
def test_a_refused_parent_is_a_form_error_and_changes_nothing(parent, reason, org_admin, tree, site_b):
    plant, area, cell, _ = tree
    foreign = Zone.objects.create(site=site_b, name="Foreign")
    chosen = {"itself": plant.pk, "child": area.pk, "grandchild": cell.pk, "other site": foreign.pk,
              "unknown": 10**30}[parent]  # fmt: skip
    before = audit_count()
    r = logged_in(org_admin).post(reverse("web:zone_edit", args=[plant.pk]), zone_data(plant, parent=chosen))
    assert r.status_code == 200
    assert r.context["form"].errors["parent"] == [reason]
    assert audit_count() == before and Zone.objects.get(pk=plant.pk).parent_id is None


def test_the_api_refuses_the_same_parents_and_changes_nothing(api, a_contributor, tree, site_b):
    plant, area, cell, _ = tree
    foreign = Zone.objects.create(site=site_b, name="Foreign")
    client = api(a_contributor)
    before = audit_count()
    for parent, fragment in ((plant, "its own parent"), (cell, "loops"), (foreign, "no zone with id")):
        r = client.patch(f"/zones/{plant.pk}", {"parent_id": parent.pk})
        assert r.status_code == 422 and fragment in str(r.json()["detail"]), r.content
    assert audit_count() == before and Zone.objects.get(pk=plant.pk).parent_id is None


def test_new_records_offer_the_zones_of_the_chosen_site(org_admin, site_a, site_b):
    Zone.objects.create(site=site_a, name="A Control")
    Zone.objects.create(site=site_b, name="B Control")
    client = logged_in(org_admin)
    for name, select in (("web:asset_create", "id_zone"), ("web:conduit_create", "id_zone_a"),
                         ("web:zone_create", "id_parent")):  # fmt: skip
        html = client.get(reverse(name), {"site": site_a.pk}).content.decode()
        assert options(html, select) == ["---------", "A Control"], name
        assert 'data-reload-param="site"' in html
        # without a site chosen, every zone the user sees, each naming its site
        html = client.get(reverse(name)).content.decode()
        assert options(html, select) == ["---------", "A Control (Plant A)", "B Control (Substation B)"]


def test_a_site_the_user_may_not_write_is_not_preselected(a_contributor, site_a, site_b):
    Zone.objects.create(site=site_a, name="A Control")
    html = logged_in(a_contributor).get(reverse("web:asset_create"), {"site": site_b.pk}).content.decode()
    # a_contributor writes only at site A: that is the only site, so its zones are offered
    assert options(html, "id_zone") == ["---------", "A Control"]
    assert options(html, "id_site") == ["---------", "Plant A"]
    assert re.search(rf'<option value="{site_a.pk}" selected>Plant A</option>', html)


def test_an_asset_or_conduit_cannot_take_a_zone_of_another_site(org_admin, site_a, site_b):
    a = Zone.objects.create(site=site_a, name="A Control")
    a2 = Zone.objects.create(site=site_a, name="A DMZ")
    b = Zone.objects.create(site=site_b, name="B Control")
    client = logged_in(org_admin)
    before = audit_count()
    r = client.post(reverse("web:asset_create"), {"site": site_a.pk, "name": "PLC-1", "zone": b.pk})
    assert r.context["form"].errors["zone"] == [
        "zone 'B Control' belongs to another site (Substation B); choose a zone of Plant A"
    ]
    r = client.post(
        reverse("web:conduit_create"), {"site": site_a.pk, "name": "C", "zone_a": a.pk, "zone_b": b.pk}
    )
    assert "zone_b" in r.context["form"].errors and "zone_a" not in r.context["form"].errors
    assert audit_count() == before and not Asset.objects.exists() and not Conduit.objects.exists()
    conduit = Conduit.objects.create(site=site_a, name="C", zone_a=a, zone_b=a2)
    html = client.get(reverse("web:conduit_edit", args=[conduit.pk])).content.decode()
    assert options(html, "id_zone_b") == ["---------", "A Control", "A DMZ"]


def test_a_value_outside_a_choice_list_is_refused_naming_the_accepted_values(a_contributor, tree):
    plant = tree[0]
    before = audit_count()
    r = logged_in(a_contributor).post(
        reverse("web:zone_edit", args=[plant.pk]), zone_data(plant, kind="tunnel")
    )
    assert r.context["form"].errors["kind"] == [
        "tunnel is not one of: enterprise, dmz, control, safety, field, remote, other"
    ]
    assert audit_count() == before
