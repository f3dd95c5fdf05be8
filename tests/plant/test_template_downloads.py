"""Import templates served by the app: downloadable by every signed-in user, and importable as they are."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from otcsms.plant.importfiles import COLUMNS, KINDS
from otcsms.plant.models import Asset, Conduit, Zone


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def template_url(kind: str, fmt: str) -> str:
    return f"{reverse('web:plant_import_template')}?kind={kind}&format={fmt}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_csv_and_an_xlsx_template(kind, b_viewer):
    client = logged_in(b_viewer)  # a viewer reads templates too: they hold no data
    csv = client.get(template_url(kind, "csv"))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv["Content-Disposition"] == f'attachment; filename="otcsms-{kind}-template.csv"'
    assert csv.content.decode("utf-8-sig").splitlines()[0] == ",".join(f'"{c}"' for c in COLUMNS[kind].all)
    xlsx = client.get(template_url(kind, "xlsx"))
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]
    sheets = openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert sheets == [kind, "about"]


@pytest.mark.parametrize(
    "kind,fmt", [("accounts", "csv"), ("zones", "json"), ("zones", "xls"), ("..", "csv")]
)
def test_unknown_templates_are_not_found(kind, fmt, a_contributor):
    assert logged_in(a_contributor).get(template_url(kind, fmt)).status_code == 404


def test_templates_need_a_signed_in_user(client, site_a):
    r = client.get(template_url("zones", "csv"))
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")


def test_the_import_page_links_every_template_and_explains_the_columns(a_contributor):
    html = logged_in(a_contributor).get(reverse("web:plant_import")).content.decode()
    for kind in KINDS:
        for fmt in ("csv", "xlsx"):
            assert f'href="{template_url(kind, fmt).replace("&", "&amp;")}"' in html
    assert "one of: enterprise, dmz, control, safety, field, remote, other" in html
    assert "docs/plant-import.md" not in html  # the installed package has no docs folder


def upload(client: Client, site, kind: str, name: str, content: bytes):
    file = SimpleUploadedFile(name, content)
    return client.post(reverse("web:plant_import"), {"site": site.pk, "kind": kind, "file": file})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_downloaded_templates_import_as_they_are(fmt, a_contributor, site_a):
    client = logged_in(a_contributor)
    for kind in ("zones", "assets"):
        data = client.get(template_url(kind, fmt)).content
        r = upload(client, site_a, kind, f"{kind}.{fmt}", data)
        assert r.status_code == 200 and r.context["summary"] is not None, r.context["problems"]
    control = Zone.objects.get(site=site_a, name="Control")
    assert (control.kind, control.sl_t) == ("control", (2, 2, 2, 1, 2, 1, 2))
    assert control.sl_t_reason == "Loss of dosing control could harm public health"
    assert Asset.objects.get(site=site_a, name="PLC-101").zone == control


def test_zone_kind_reason_parent_and_rule_set_import_through_the_page(a_contributor, site_a):
    client = logged_in(a_contributor)
    zones = (b'name,kind,parent,sl_t,sl_t_reason\nPlant DMZ,DMZ,,2,"Remote access, vendor links"\n'
             b"Control,control,Plant DMZ,3,Dosing\n")  # fmt: skip
    assert upload(client, site_a, "zones", "z.csv", zones).context["summary"].created == 2
    control = Zone.objects.get(name="Control")
    assert (control.kind, control.parent.name, control.sl_t_reason) == ("control", "Plant DMZ", "Dosing")
    conduits = b'name,zones,rule_set\nDMZ to Control,Plant DMZ;Control,"allow opc-ua 4840\ndeny all"\n'
    assert upload(client, site_a, "conduits", "c.csv", conduits).context["summary"].created == 1
    assert Conduit.objects.get().rule_set == "allow opc-ua 4840\ndeny all"
    bad = b"name,kind\nField,tunnel\n"
    problems = upload(client, site_a, "zones", "bad.csv", bad).context["problems"]
    assert [(p.row, p.column) for p in problems] == [(2, "kind")]
    assert "one of: enterprise, dmz, control, safety, field, remote, other" in problems[0].reason
