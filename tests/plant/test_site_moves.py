"""No plant record moves to another site, and no reference crosses sites, through the UI or the API.

The user is a contributor on both sites: they may write on each, so only the site rule stands between them and
a conduit joining zones of two sites, an asset in a zone of another site, or site A's history shown to site B.
Every refusal leaves the audit trail (and so every row) as it was.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from tests.conftest import audit_count, make_user

from otcsms.plant.models import Asset, Conduit, SystemUnderConsideration, Zone


@pytest.fixture
def carol(site_a, site_b):
    return make_user("carol", roles={site_a: "contributor", site_b: "contributor"})


@pytest.fixture
def plant(plant_a, zone_b):
    """Site A's sample plant with a system under consideration; site B with two zones."""
    control = Zone.objects.get(site=plant_a, name="Control")
    system = SystemUnderConsideration.objects.create(site=plant_a, name="Treatment")
    system.zones.add(control)
    return {
        "zone": control,
        "conduit": Conduit.objects.get(site=plant_a, name="DMZ to Control"),
        "asset": Asset.objects.get(site=plant_a, name="PLC-101"),
        "system": system,
        "zone_b": zone_b,
        "dmz_b": Zone.objects.create(site=zone_b.site, name="B DMZ"),
    }


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_url(obj) -> str:
    return reverse(
        f"web:{obj._meta.model_name.replace('systemunderconsideration', 'system')}_edit", args=[obj.pk]
    )


def form_data(client: Client, url: str) -> dict:
    """What the edit page's form holds now, as a browser would post it (a disabled field is not sent)."""
    form = client.get(url).context["form"]
    data = {}
    for field in form:
        if field.field.disabled:
            continue
        value = field.value()
        data[field.name] = "" if value is None else value
    return data


def site_select(html: str) -> str:
    """The opening tag of the form's site field."""
    before, _, after = html.partition('id="id_site"')
    return before[before.rindex("<") :] + after.split(">", 1)[0]


def refused_in_form(response, field: str, fragment: str) -> None:
    assert response.status_code == 200, response.status_code
    errors = response.context["form"].errors
    assert fragment in str(errors.get(field)), errors


def snapshot(obj) -> tuple:
    obj.refresh_from_db()
    zones = tuple(obj.zones.values_list("pk", flat=True)) if isinstance(obj, SystemUnderConsideration) else ()
    return (audit_count(), obj.site_id, zones, *(getattr(obj, f) for f in ("zone_id", "zone_a_id", "parent_id")
                                                  if hasattr(obj, f)))  # fmt: skip


# --- the UI --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["zone", "conduit", "asset", "system"])
def test_edit_page_shows_the_site_read_only_and_saves_without_it(kind, carol, plant):
    client, obj = logged_in(carol), plant[kind]
    html = client.get(edit_url(obj)).content.decode()
    assert "disabled" in site_select(html) and "stays on its site" in html
    data = form_data(client, edit_url(obj))
    data["description"] = "edited in place"
    assert client.post(edit_url(obj), data).status_code == 302
    obj.refresh_from_db()
    assert obj.description == "edited in place" and obj.site_id == plant["zone"].site_id


@pytest.mark.parametrize("kind", ["zone", "conduit", "asset", "system"])
def test_a_move_to_another_site_is_refused_in_the_form(kind, carol, plant):
    client, obj = logged_in(carol), plant[kind]
    data = form_data(client, edit_url(obj))
    data["site"] = plant["zone_b"].site_id
    before = snapshot(obj)
    refused_in_form(client.post(edit_url(obj), data), "site", "stays on the site it was created on")
    assert snapshot(obj) == before


def test_a_whole_conduit_move_with_its_zones_is_refused(carol, plant):
    client, conduit = logged_in(carol), plant["conduit"]
    data = form_data(client, edit_url(conduit))
    data.update(site=plant["zone_b"].site_id, zone_a=plant["dmz_b"].pk, zone_b=plant["zone_b"].pk)
    before = snapshot(conduit)
    response = client.post(edit_url(conduit), data)
    refused_in_form(response, "site", "stays on the site")
    refused_in_form(response, "zone_a", "belongs to another site")
    assert snapshot(conduit) == before


@pytest.mark.parametrize(
    "kind,field,fragment",
    [
        ("conduit", "zone_a", "belongs to another site"),
        ("conduit", "zone_b", "belongs to another site"),
        ("asset", "zone", "belongs to another site"),
        ("zone", "parent", "parent zone belongs to another site"),
        ("system", "zones", "belongs to another site"),
    ],
)
def test_an_edit_cannot_point_at_a_zone_of_another_site(kind, field, fragment, carol, plant):
    client, obj = logged_in(carol), plant[kind]
    data = form_data(client, edit_url(obj))
    data[field] = [plant["zone"].pk, plant["zone_b"].pk] if field == "zones" else plant["zone_b"].pk
    before = snapshot(obj)
    refused_in_form(client.post(edit_url(obj), data), field, fragment)
    assert snapshot(obj) == before


@pytest.mark.parametrize(
    "kind,values,field",
    [
        ("conduit", {"name": "Across", "zone_a": "zone", "zone_b": "zone_b", "protocols": ["modbus-tcp"]}, "zone_b"),
        ("asset", {"name": "PLC-X", "zone": "zone_b", "type": "plc", "endpoints": ""}, "zone"),
        ("zone", {"name": "Child", "parent": "zone_b"}, "parent"),
        ("system", {"name": "SUC-X", "zones": ["zone", "zone_b"]}, "zones"),
    ],
)  # fmt: skip
def test_a_new_record_cannot_point_at_a_zone_of_another_site(kind, values, field, carol, plant):
    def resolve(value):
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return plant[value].pk if value in plant else value

    data = {"site": plant["zone"].site_id, "description": ""} | {k: resolve(v) for k, v in values.items()}
    before = (audit_count(), Zone.objects.count(), Conduit.objects.count(), Asset.objects.count())
    response = logged_in(carol).post(reverse(f"web:{kind}_create"), data)
    refused_in_form(response, field, "another site")
    assert (audit_count(), Zone.objects.count(), Conduit.objects.count(), Asset.objects.count()) == before


# --- the API -------------------------------------------------------------------------------------------

API_PATHS = {"zone": "zones", "conduit": "conduits", "asset": "assets", "system": "systems"}


@pytest.mark.parametrize("kind", ["zone", "conduit", "asset", "system"])
def test_the_api_refuses_a_move(kind, api, carol, plant):
    obj = plant[kind]
    client = api(carol)  # its token is written (and audited) before the snapshot
    before = snapshot(obj)
    r = client.patch(f"/{API_PATHS[kind]}/{obj.pk}", {"site_id": plant["zone_b"].site_id})
    assert r.status_code == 422 and "site_id" in str(r.json()["detail"]), r.content
    assert snapshot(obj) == before


@pytest.mark.parametrize(
    "kind,body",
    [
        ("conduit", {"zone_a_id": "zone_b"}),
        ("conduit", {"zone_b_id": "zone_b"}),
        ("asset", {"zone_id": "zone_b"}),
        ("zone", {"parent_id": "zone_b"}),
        ("system", {"zone_ids": ["zone", "zone_b"]}),
    ],
)
def test_the_api_refuses_a_reference_to_another_site_on_update(kind, body, api, carol, plant):
    obj = plant[kind]
    payload = {k: [plant[z].pk for z in v] if isinstance(v, list) else plant[v].pk for k, v in body.items()}
    client = api(carol)  # its token is written (and audited) before the snapshot
    before = snapshot(obj)
    r = client.patch(f"/{API_PATHS[kind]}/{obj.pk}", payload)
    assert r.status_code == 422 and "another site" in str(r.json()["detail"]), r.content
    assert snapshot(obj) == before


@pytest.mark.parametrize(
    "kind,body",
    [
        ("conduit", {"name": "Across", "zone_a_id": "zone", "zone_b_id": "zone_b"}),
        ("asset", {"name": "PLC-X", "zone_id": "zone_b"}),
        ("zone", {"name": "Child", "parent_id": "zone_b"}),
        ("system", {"name": "SUC-X", "zone_ids": ["zone", "zone_b"]}),
    ],
)
def test_the_api_refuses_a_reference_to_another_site_on_create(kind, body, api, carol, plant):
    def resolve(value):
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return plant[value].pk if value in plant else value

    payload = {"site_id": plant["zone"].site_id} | {k: resolve(v) for k, v in body.items()}
    client = api(carol)
    before = (audit_count(), Zone.objects.count(), Conduit.objects.count(), Asset.objects.count())
    r = client.post(f"/{API_PATHS[kind]}", payload)
    assert r.status_code == 422 and "another site" in str(r.json()["detail"]), r.content
    assert (audit_count(), Zone.objects.count(), Conduit.objects.count(), Asset.objects.count()) == before


# --- the model rule both share ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["zone", "conduit", "asset", "system"])
def test_clean_refuses_a_changed_site_whatever_writes_it(kind, plant):
    obj = plant[kind]
    obj.site = plant["zone_b"].site
    with pytest.raises(ValidationError) as refused:
        obj.full_clean()
    assert "stays on the site it was created on" in str(refused.value.message_dict["site"])
