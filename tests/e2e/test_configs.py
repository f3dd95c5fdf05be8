"""Configuration drift in a browser: import a device's configuration file for an asset, approve it as the
baseline, import a changed one, and read the drift with its JSON Pointer paths and severities."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from otcsms.plant.models import Asset, Zone
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECURE = {
    "security_policy": "Basic256Sha256",
    "security_mode": "SignAndEncrypt",
    "user_tokens": {"UserName": {}},
}


def document(firmware: str, *, none_endpoint: bool = False, level: float = 2.5) -> str:
    endpoints = {"Basic256Sha256/SignAndEncrypt": SECURE}
    if none_endpoint:
        endpoints["None/None"] = {
            "security_policy": "None",
            "security_mode": "None",
            "user_tokens": {"Anonymous": {}},
        }
    return json.dumps({"opcua": {"endpoints": endpoints, "build_info": {"software_version": firmware}},
                       "volatile": {"tank_level": level}})  # fmt: skip


def test_import_baseline_import_again_and_see_the_drift(page: Page, site_a, tmp_path):
    zone = Zone.objects.create(site=site_a, name="Dosing", sl_t=(2, 2, 1, 2, 1, 1, 1))
    asset = Asset.objects.create(site=site_a, name="PLC-CHM-01", zone=zone, type="plc")
    anna = make_user("anna", roles={site_a: "approver"})
    first, second = tmp_path / "plc-v1.json", tmp_path / "plc-v2.json"
    first.write_text(document("4.10"), encoding="utf-8")
    second.write_text(document("4.11", none_endpoint=True, level=3.75), encoding="utf-8")
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm() before approving

    page.goto("/accounts/login/")
    page.fill("#id_username", anna.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button")
    page.wait_for_url("**/")

    page.goto(f"/configs/assets/{asset.pk}/")
    expect(page.locator("main")).to_contain_text("No configuration recorded yet")
    page.set_input_files("input[name=file]", str(first))
    with page.expect_navigation():
        page.click("text=Import file")
    expect(page.locator("main")).to_contain_text("Version 1 recorded")
    expect(page.locator("main")).to_contain_text("no_baseline")

    page.fill("input[aria-label='Reason for approving v1']", "commissioning, released settings")
    with page.expect_navigation():
        page.click("text=Approve as baseline")
    expect(page.locator("main")).to_contain_text("Version 1 is the baseline")
    expect(page.locator("main")).to_contain_text("in_baseline")

    page.set_input_files("input[name=file]", str(second))
    with page.expect_navigation():
        page.click("text=Import file")
    expect(page.locator("main")).to_contain_text("Version 2 recorded")
    drift = page.locator("main table.data").first
    expect(drift).to_contain_text("/opcua/endpoints/None~1None")  # a JSON Pointer: "/" in a key is "~1"
    expect(drift).to_contain_text("/opcua/build_info/software_version")
    expect(drift).not_to_contain_text("tank_level")  # a process value is never drift
    row = drift.locator("tr", has_text="/opcua/endpoints/None~1None")
    expect(row).to_contain_text("critical")  # SL-T 2 in FR1/FR4
    expect(row).to_contain_text("opcua.endpoint-security-none")
    expect(drift.locator("tr", has_text="software_version")).to_contain_text("high")

    page.goto("/configs/drift/")
    overview = page.locator("main table.data tr", has_text="PLC-CHM-01")
    expect(overview).to_contain_text("drifted")
    expect(overview).to_contain_text("critical")
    with page.expect_navigation():
        page.click("main table.data >> text=PLC-CHM-01")
    with page.expect_navigation():
        page.click("text=compare with baseline")
    expect(page.locator("main")).to_contain_text("/opcua/endpoints/None~1None")
