"""Configuration drift in a browser: import a device's configuration file for an asset, approve it as the
baseline, import a changed one, read the drift with its JSON Pointer paths and severities, then decide on it:
approve one change as a deviation, withdraw that approval (the change is drift again), and release the new
version as the baseline."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from playwright.sync_api import Page, expect

from otcsms.configs.models import Baseline, Deviation
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

    # The decision, on the asset's page. The firmware change is approved as a deviation (ticketed, expiring):
    # it leaves the drift, the open endpoint stays.
    page.goto(f"/configs/assets/{asset.pk}/")
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).replace(microsecond=0).isoformat()
    page.fill("input[aria-label='Path pattern']", "/opcua/build_info/software_version")
    page.fill("input[aria-label='Expected value (JSON)']", '"4.11"')
    page.fill("input[aria-label='Change ticket']", "CHG-4711")
    page.fill("input[aria-label='Reason']", "vendor patch for the dosing pump driver")
    page.fill("input[aria-label='Expires at (ISO 8601 with time zone)']", expires)
    with page.expect_navigation():
        page.click("text=Approve deviation")
    main = page.locator("main")
    expect(main).to_contain_text("Deviation approved.")
    expect(main).to_contain_text("1 difference(s) approved as deviations.")
    drift = page.locator("main table.data").first
    expect(drift).to_contain_text("/opcua/endpoints/None~1None")
    expect(drift).not_to_contain_text("software_version")
    expect(main.locator("span.badge.status-drifted")).to_be_visible()

    # ... then rejected after all: withdrawn with a reason, the change is drift again.
    page.fill("input[aria-label='Reason for deleting the deviation on /opcua/build_info/software_version']",
              "patch not released by the vendor")  # fmt: skip
    with page.expect_navigation():
        page.get_by_role("button", name="Delete", exact=True).click()
    expect(main).to_contain_text("Deviation deleted: the difference is drift again.")
    expect(page.locator("main table.data").first.locator("tr", has_text="software_version")).to_contain_text(
        "high"
    )
    assert not Deviation.objects.filter(asset=asset).exists()

    # The new version released as the baseline: nothing is drift any more.
    page.fill("input[aria-label='Reason for approving v2']", "endpoint accepted for commissioning, MOC-88")
    with page.expect_navigation():
        page.click("tr:has(input[aria-label='Reason for approving v2']) >> text=Approve as baseline")
    expect(main).to_contain_text("Version 2 is the baseline")
    expect(main.locator("span.badge.status-in_baseline")).to_be_visible()
    expect(main).not_to_contain_text("/opcua/endpoints/None~1None")
    baseline = Baseline.objects.filter(asset=asset).order_by("-approved_at", "-pk").first()
    assert (baseline.snapshot.version, baseline.approved_by) == (2, anna)
