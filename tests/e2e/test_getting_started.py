"""Onboarding in a real browser: an organisation admin on an empty instance follows the checklist, creates a
site, downloads import templates, imports them, and sees the checklist tick."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from otcsms.core.audit import verify_chain
from otcsms.plant.models import Asset, Zone
from otcsms.tenancy.defaults import DEFAULT_ORGANISATION_NAME
from otcsms.tenancy.models import Organisation, Site

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def empty_instance():
    from tests.conftest import make_user

    Organisation.objects.create(name=DEFAULT_ORGANISATION_NAME)
    return make_user("root", org_admin=True)


def done(page, key: str) -> bool:
    return page.locator(f"#step-{key}").get_attribute("data-done") == "true"


def test_an_admin_follows_the_checklist_from_an_empty_instance_to_imported_plant(
    page, empty_instance, tmp_path
):
    page.goto("/accounts/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    checklist = page.locator("#getting-started")
    assert checklist.is_visible()
    assert page.locator("#getting-started-progress").inner_text() == "0 of 6 done"
    assert "coming" in page.locator("#step-roadmap").inner_text()
    assert not any(done(page, key) for key in ("organisation", "sites", "plant", "sl_t"))

    # the sites step leads to the site form; the code is made from the name
    page.locator("#step-sites a.button").click()
    page.wait_for_url("**/sites/new/")
    page.fill("#id_name", "North Water Treatment Plant")
    page.select_option("#id_sector", "water")
    page.click("main form button.primary")
    page.wait_for_url("**/sites/*/")
    assert Site.objects.get().code == "north-water-treatment-plant"

    page.goto("/")
    assert done(page, "sites") and not done(page, "plant")

    # the plant step leads to the import page, which serves the templates
    page.locator("#step-plant a.button").click()
    page.wait_for_url("**/plant/import/")
    for kind, fmt in (("zones", "xlsx"), ("assets", "csv")):
        with page.expect_download() as download:
            page.click(f"#template-{kind}-{fmt}")
        assert download.value.suggested_filename == f"otcsms-{kind}-template.{fmt}"
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        page.select_option("#id_kind", kind)
        page.set_input_files("#id_file", str(path))
        page.click("#import-form button[type=submit]")
        # the page before the click may already hold the previous kind's summary: wait for this kind's
        expect(page.locator("#import-summary")).to_contain_text(f"Imported 1 {kind[:-1]}")

    assert Asset.objects.get().zone == Zone.objects.get(name="Control")
    page.goto("/")
    assert done(page, "sites") and done(page, "plant") and done(page, "sl_t")
    assert not done(page, "organisation") and not done(page, "assessment")
    assert page.locator("#getting-started-progress").inner_text() == "3 of 6 done"
    assert verify_chain().ok
