"""The plant model in a real browser: import zones, conduits and assets from CSV, then read the diagram."""

from __future__ import annotations

from pathlib import Path

import pytest

from otcsms.core.audit import verify_chain
from otcsms.plant.models import Asset, Zone
from otcsms.tenancy.models import Organisation, Site

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAMPLES = Path(__file__).parent.parent / "plant" / "samples"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def plant_site():
    from tests.conftest import make_user

    org = Organisation.objects.create(name="Test Utility")
    site = Site.objects.create(organisation=org, name="North Water Treatment Plant", code="north-wtp")
    make_user("carol", roles={site: "contributor"})
    return site


def login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def import_file(page, kind: str, path: Path) -> str:
    page.goto("/plant/import/")
    page.select_option("#id_kind", kind)
    page.set_input_files("#id_file", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_load_state("load")
    return page.locator("#import-summary, #import-problems").inner_text()


def test_import_zones_and_assets_then_see_them_on_the_diagram(page, plant_site, tmp_path):
    login(page, "carol")
    assert "Imported 4 zones" in import_file(page, "zones", SAMPLES / "zones.csv")
    assert "Imported 3 conduits" in import_file(page, "conduits", SAMPLES / "conduits.csv")

    # a bad file: every problem is listed, nothing is written
    bad = tmp_path / "assets.csv"
    bad.write_text("name,zone,criticality\nPLC-9,Nowhere,high\nPLC-9,Control,extreme\n", encoding="utf-8")
    assert "3 problems" in import_file(page, "assets", bad)
    rows = page.locator("table.problems tbody tr").all_inner_texts()
    assert rows[0].split("\t")[:2] == ["2", "zone"] and len(rows) == 3
    assert not Asset.objects.exists()

    assert "Imported 5 assets with 6 endpoints" in import_file(page, "assets", SAMPLES / "assets.csv")
    assert Asset.objects.get(name="PLC-101").zone == Zone.objects.get(name="Control")

    page.click("nav.subnav >> text=Diagram")
    page.wait_for_url("**/plant/diagram/**")
    diagram = page.locator("#diagram svg")
    zone = diagram.locator("g.zone", has_text="Plant DMZ")
    assert zone.count() == 1 and zone.locator("path").first.is_visible()
    # SVG elements have text content, not inner text
    control = diagram.locator("g.zone", has_text="SL-T 2·2·1·3·1·1·2")  # drawn around its child zone Safety
    assert "Control" in control.text_content()
    assert "PLC-101" in diagram.locator("g.zone-own").text_content()  # the assets in Control itself
    label = diagram.locator("g.conduit", has_text="DMZ to Control")
    assert label.locator("text").first.is_visible() and "opc-ua, modbus-tcp" in label.text_content()
    assert verify_chain().ok
