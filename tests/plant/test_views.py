"""The plant pages: scoping, forms with the API's rules, import page, diagram page, list query counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from tests.conftest import audit_count
from tests.plant.conftest import SAMPLES

from otcsms.core.models import AuditEvent
from otcsms.plant.models import Asset, Conduit, ProtocolEndpoint, SystemUnderConsideration, Zone


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def plant_urls(site) -> list[str]:
    zone = Zone.objects.get(site=site, name="Control")
    conduit = Conduit.objects.get(site=site, name="DMZ to Control")
    asset = Asset.objects.get(site=site, name="PLC-101")
    system = SystemUnderConsideration.objects.create(site=site, name="Treatment")
    system.zones.add(zone)
    urls = [reverse("web:plant_diagram"), f"{reverse('web:plant_diagram')}?site={site.pk}",
            reverse("web:plant_import")]  # fmt: skip
    for base, obj in (("zone", zone), ("conduit", conduit), ("asset", asset), ("system", system)):
        urls += [reverse(f"web:{base}_list"), reverse(f"web:{base}_detail", args=[obj.pk])]
        urls.append(reverse("web:history", args=[obj._meta.label_lower, obj.pk]))
    return urls


@pytest.mark.parametrize("persona", ["org_admin", "a_contributor", "auditor"])
def test_every_plant_page_renders(request, persona, plant_a):
    client = logged_in(request.getfixturevalue(persona))
    for url in plant_urls(plant_a):
        page(client, url)


def test_edit_pages_render_for_writers_only(a_contributor, auditor, plant_a):
    zone = Zone.objects.get(name="Control")
    for url in (reverse("web:zone_edit", args=[zone.pk]), reverse("web:asset_create"),
                reverse("web:conduit_create"), reverse("web:system_create"), reverse("web:zone_create")):  # fmt: skip
        page(logged_in(a_contributor), url)
        page(logged_in(auditor), url, 403)


@pytest.mark.parametrize("kind", ["zone", "conduit", "asset", "system"])
def test_pages_of_another_site_are_not_found(kind, b_viewer, outsider, plant_a):
    obj = {
        "zone": Zone.objects.get(name="Control"),
        "conduit": Conduit.objects.first(),
        "asset": Asset.objects.first(),
        "system": SystemUnderConsideration.objects.create(site=plant_a, name="Hidden SUC"),
    }[kind]
    for user in (b_viewer, outsider):
        client = logged_in(user)
        for view in ("detail", "edit", "delete"):
            page(client, reverse(f"web:{kind}_{view}", args=[obj.pk]), 404)
        assert obj.name not in page(client, reverse(f"web:{kind}_list"))


def test_diagram_and_export_of_another_site_reveal_nothing(b_viewer, plant_a):
    client = logged_in(b_viewer)
    page(client, f"{reverse('web:plant_diagram')}?site={plant_a.pk}", 404)
    r = client.get(reverse("web:plant_export"), {"site": plant_a.pk, "kind": "assets", "format": "csv"})
    assert r.status_code == 400 and b"PLC-101" not in r.content


def test_diagram_page_inlines_the_svg(a_contributor, plant_a):
    html = page(logged_in(a_contributor), reverse("web:plant_diagram"))  # the only site the user has
    assert "<svg" in html and 'class="node zone"' in html and "DMZ to Control" in html and "PLC-101" in html


def test_zone_detail_shows_sl_t_chips_assets_and_conduits(a_contributor, plant_a):
    control = Zone.objects.get(name="Control")
    control.sl_t_reason = "Loss of treatment endangers public health"
    control.save()
    html = page(logged_in(a_contributor), reverse("web:zone_detail", args=[control.pk]))
    for code, level in zip(
        ("FR1", "FR2", "FR3", "FR4", "FR5", "FR6", "FR7"), (2, 2, 1, 3, 1, 1, 2), strict=True
    ):
        assert f'<span class="fr">{code}</span><span class="lvl">{level}</span>' in html
    assert "Loss of treatment endangers public health" in html
    assert "PLC-101" in html and "DMZ to Control" in html and "Control to Safety" in html


def zone_form(site, **values) -> dict:
    data = {"site": site.pk, "name": "Dosing", "kind": "control", "description": "", "sl_t_reason": ""}
    data.update({f"sl_t_{fr}": "" for fr in range(1, 8)})
    data.update(values)
    return data


@pytest.mark.parametrize(
    "values,field",
    [
        ({f"sl_t_{fr}": "2" for fr in range(1, 7)}, "sl_t_1"),  # FR7 missing
        ({**{f"sl_t_{fr}": "2" for fr in range(1, 8)}, "sl_t_3": "5"}, "sl_t_3"),
        ({"name": "control"}, "__all__"),
    ],
)
def test_zone_form_applies_the_same_rules_as_the_api(a_contributor, plant_a, values, field):
    before = audit_count()
    r = logged_in(a_contributor).post(reverse("web:zone_create"), zone_form(plant_a, **values))
    assert r.status_code == 200 and r.context["form"].errors.get(field), r.context["form"].errors
    assert audit_count() == before


def test_zone_form_cannot_pick_a_parent_of_another_site(org_admin, plant_a, zone_b):
    r = logged_in(org_admin).post(reverse("web:zone_create"), zone_form(plant_a, parent=zone_b.pk))
    assert "another site" in str(r.context["form"].errors["parent"])
    r = logged_in(org_admin).post(
        reverse("web:zone_create"), zone_form(plant_a, **{f"sl_t_{fr}": "3" for fr in range(1, 8)})
    )
    assert r.status_code == 302
    assert Zone.objects.get(site=plant_a, name="Dosing").sl_t == (3,) * 7


def test_conduit_form_refuses_a_zone_joined_to_itself(a_contributor, plant_a):
    control = Zone.objects.get(name="Control")
    data = {"site": plant_a.pk, "name": "Loop", "zone_a": control.pk, "zone_b": control.pk,
            "protocols": ["modbus-tcp"], "security_device": "", "rule_set": "", "description": ""}  # fmt: skip
    r = logged_in(a_contributor).post(reverse("web:conduit_create"), data)
    assert "different zones" in str(r.context["form"].errors)
    data["zone_b"] = Zone.objects.get(name="Safety").pk
    assert logged_in(a_contributor).post(reverse("web:conduit_create"), data).status_code == 302
    assert Conduit.objects.get(name="Loop").protocols == ["modbus-tcp"]


def asset_form(site, **values) -> dict:
    data = {"site": site.pk, "name": "PLC-200", "zone": "", "type": "plc", "vendor": "Siemens", "model": "S7-1500",
            "firmware": "V3.0", "serial": "", "criticality": "high", "ip": "10.0.0.200", "mac": "", "profile": "",
            "description": "", "endpoints": "s7://10.0.0.200:102\nopc.tcp://10.0.0.200:4840"}  # fmt: skip
    data.update(values)
    return data


def test_asset_form_saves_endpoints_and_refuses_bad_ones(a_contributor, plant_a):
    client = logged_in(a_contributor)
    before = audit_count()
    r = client.post(reverse("web:asset_create"), asset_form(plant_a, endpoints="modbus+tcp://10.0.0.200:502"))
    assert "needs ?unit=N" in str(r.context["form"].errors["endpoints"])
    r = client.post(reverse("web:asset_create"), asset_form(plant_a, ip="10.0.0.300"))
    assert "ip" in r.context["form"].errors
    assert audit_count() == before
    r = client.post(reverse("web:asset_create"), asset_form(plant_a))
    assert r.status_code == 302
    asset = Asset.objects.get(name="PLC-200")
    assert sorted(e.uri for e in asset.endpoints.all()) == [
        "opc.tcp://10.0.0.200:4840",
        "s7://10.0.0.200:102",
    ]
    edit = page(client, reverse("web:asset_edit", args=[asset.pk]))
    assert "s7://10.0.0.200:102" in edit
    r = client.post(
        reverse("web:asset_edit", args=[asset.pk]), asset_form(plant_a, endpoints="s7://10.0.0.200:102")
    )
    assert r.status_code == 302 and asset.endpoints.count() == 1
    assert AuditEvent.objects.filter(object_type="plant.protocolendpoint", action="delete").count() == 1


def test_asset_form_refuses_a_zone_of_another_site(org_admin, plant_a, zone_b):
    r = logged_in(org_admin).post(reverse("web:asset_create"), asset_form(plant_a, zone=zone_b.pk))
    assert "another site" in str(r.context["form"].errors["zone"])


def test_system_form_keeps_zones_in_the_site(org_admin, plant_a, zone_b):
    client = logged_in(org_admin)
    control = Zone.objects.get(name="Control")
    data = {"site": plant_a.pk, "name": "SUC", "description": "", "zones": [control.pk, zone_b.pk]}
    r = client.post(reverse("web:system_create"), data)
    assert "another site" in str(r.context["form"].errors["zones"])
    data["zones"] = [control.pk]
    assert client.post(reverse("web:system_create"), data).status_code == 302
    assert list(SystemUnderConsideration.objects.get(name="SUC").zones.all()) == [control]


def test_asset_list_filters(a_contributor, plant_a):
    client = logged_in(a_contributor)

    def names(**params) -> set[str]:
        html = client.get(reverse("web:asset_list"), params).content.decode()
        return {a.name for a in Asset.objects.all() if f">{a.name}</a>" in html}

    assert names(type="plc") == {"PLC-101"}
    assert names(protocol="dnp3") == {"RTU-7"}
    assert names(criticality="high") == {"RTU-7", "EWS-1"}
    assert names(q="aveva") == {"HMI-1"}
    assert names(zone=Zone.objects.get(name="Control").pk, protocol="rdp") == {"EWS-1"}


def test_asset_list_queries_do_not_grow_with_the_rows(a_contributor, site_a, django_assert_max_num_queries):
    from tests.plant.test_api import grow_plant

    client = logged_in(a_contributor)
    grow_plant(site_a, 0, 3)
    client.get(reverse("web:asset_list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("web:asset_list"))
    grow_plant(site_a, 3, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("web:asset_list")).content.decode()
    assert "A42" in html


def upload(client: Client, site, kind: str, name: str, data: bytes):
    return client.post(reverse("web:plant_import"), {"site": site.pk, "kind": kind,
                                                     "file": SimpleUploadedFile(name, data)})  # fmt: skip


def test_import_page_imports_or_lists_every_problem(a_contributor, site_a):
    client = logged_in(a_contributor)
    html = upload(client, site_a, "zones", "zones.csv", (SAMPLES / "zones.csv").read_bytes()).content.decode()
    assert "Imported 4 zones into Plant A" in html
    before = (audit_count(), Asset.objects.count(), ProtocolEndpoint.objects.count())
    bad = b"name,zone,endpoints\nPLC-1,Mars,\nPLC-1,Control,modbus+tcp://10.0.0.1:502\n"
    html = upload(client, site_a, "assets", "assets.csv", bad).content.decode()
    assert "3 problems" in html and "Nothing was written" in html
    assert "<td>2</td><td>zone</td><td>unknown zone &#x27;Mars&#x27; in this site</td>" in html
    assert "<td>3</td><td>name</td>" in html and "<td>3</td><td>endpoints</td>" in html
    assert (audit_count(), Asset.objects.count(), ProtocolEndpoint.objects.count()) == before


def test_viewers_export_but_cannot_import(b_viewer, site_b, zone_b):
    client = logged_in(b_viewer)
    html = page(client, reverse("web:plant_import"))
    assert 'id="import-form"' not in html and 'id="export-form"' in html
    r = upload(client, site_b, "zones", "zones.csv", b"name\nZ\n")
    assert r.status_code == 403 and not Zone.objects.filter(name="Z").exists()
    r = client.get(reverse("web:plant_export"), {"site": site_b.pk, "kind": "zones", "format": "json"})
    assert r.status_code == 200 and r.json() == [
        {"name": "B Control", "kind": "", "sl_t": "2", "sl_t_reason": "", "parent": "", "description": ""}
    ]


def test_contributors_cannot_import_sites(a_contributor, site_a):
    r = upload(logged_in(a_contributor), site_a, "sites", "sites.csv", b"name\nNew plant\n")
    assert r.status_code == 403
