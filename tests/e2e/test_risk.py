"""A plant manager imports a vendor's CSAF advisory in the browser, sees which PLC it hits and why, opens the
vulnerability, seeds a threat scenario from it, and opens the heat map where the new scenario's cell links back
to the register."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from otcsms.org.models import Person
from otcsms.plant.models import Asset, Zone
from otcsms.risk.models import AssetVulnerability, ThreatScenario
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADVISORY = Path(__file__).resolve().parents[2] / "src" / "otcsms" / "risk" / "samples" / "icsa-24-284-20.json"


def test_import_an_advisory_see_the_plc_and_open_the_heat_map(page, site_a):
    make_user("maria", roles={site_a: "contributor"})
    Person.objects.create(organisation=site_a.organisation, site=site_a, name="Maria")
    cell = Zone.objects.create(site=site_a, name="Filtration")
    Asset.objects.create(site=site_a, zone=cell, name="PLC-FLT-01", type="plc", vendor="Rockwell Automation",
                         model="ControlLogix 5580 (1756-L83E)", firmware="33.011", criticality="critical")  # fmt: skip
    Asset.objects.create(site=site_a, zone=cell, name="PLC-FLT-02", type="plc", vendor="Rockwell Automation",
                         model="ControlLogix 5580 (1756-L83E)", firmware="36.011")  # fmt: skip

    page.goto("/accounts/login/")
    page.fill("#id_username", "maria")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/risk/advisories/")
    page.set_input_files("#advisory-file", str(ADVISORY))
    page.click("#advisory-import button[type=submit]")
    page.wait_for_url("**/risk/advisories/*/")
    expect(page.locator("h1")).to_contain_text("ICSA-24-284-20")
    rows = page.locator("#affected-assets tbody tr")
    expect(rows).to_have_count(1)  # PLC-FLT-02 runs the fixed 36.011
    expect(rows.first).to_contain_text("PLC-FLT-01")
    expect(rows.first).to_contain_text("affected")
    rows.first.locator("a").first.click()
    expect(page.locator("#match")).to_contain_text("33.011")
    page.click("#make-scenario")
    page.wait_for_url("**/risk/scenarios/*/edit/")
    scenario = ThreatScenario.objects.get()
    assert scenario.asset.name == "PLC-FLT-01" and AssetVulnerability.objects.count() == 1

    page.goto("/risk/heat-map/")
    count = page.locator(
        f'#heat-map a[href*="inherent_likelihood={scenario.inherent_likelihood}'
        f'&inherent_consequence={scenario.inherent_consequence}"]'
    )
    expect(count.locator("title")).to_have_text("1 scenario rated here before any control (inherent)")
    count.click()
    page.wait_for_url("**/risk/scenarios/?*")
    expect(page.locator("#scenarios tbody tr")).to_have_count(1)
    expect(page.locator("#scenarios")).to_contain_text("CVE-2024-6207 exploited on PLC-FLT-01")
