"""The framework library's 'done when', in a real browser: a compliance lead finds SR 1.3 and sees its
SP 800-53, CSF, NERC CIP and 62443-4-2 counterparts with the reasons."""

from __future__ import annotations

import re

import pytest

from otcsms.tenancy.models import Organisation, Site
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def compliance_lead(shipped_library):
    org = Organisation.objects.create(name="Northwind Utilities")
    site = Site.objects.create(organisation=org, name="Cedar Ridge Substation", code="cedar-ridge")
    return make_user("carla", roles={site: "viewer"})


def test_compliance_lead_opens_sr_1_3_and_sees_its_counterparts(page, compliance_lead):
    page.goto("/accounts/login/")
    page.fill("#id_username", "carla")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.click("nav.sidenav >> text=Frameworks")
    page.wait_for_url("**/frameworks/")
    page.click("text=IEC 62443-3-3 System security requirements and security levels")
    assert "SR 1.3" in page.locator("#requirements .tree").inner_text()

    # The search narrows the tree to matches as one types (htmx), without a page load.
    with page.expect_response(lambda r: "q=SR" in r.url and r.request.headers.get("hx-request") == "true"):
        page.fill("input[name=q]", "SR 1.3")
    results = page.locator("#requirements table.data")
    results.wait_for()
    assert "Account lifecycle administration" in results.inner_text()
    results.locator("a", has_text="SR 1.3").first.click()
    page.wait_for_url("**/requirements/**")

    assert page.locator("h1").inner_text() == "SR 1.3 Account lifecycle administration"
    headings = page.locator("main h3").all_inner_texts()
    for name in ["NIST SP 800-53", "NIST Cybersecurity Framework", "NERC CIP", "IEC 62443-4-2"]:
        assert any(h.startswith(name) for h in headings), (name, headings)
    nerc = page.locator("table.data tr", has_text="CIP-004-7 R4").first
    assert "intersect" in nerc.inner_text() and "otcsms expert mapping" in nerc.inner_text()
    assert page.locator(".chip.on", has_text="SL1").count() == 1
    assert "unverified" in page.locator("dl.fields").inner_text()

    # The crosswalk shows the mapped set, then the related set folded; each hop is explained, and the
    # reasons open from the keyboard.
    assert re.search(r"\d+ mapped, \d+ related", page.locator("#crosswalk-counts").inner_text())
    related = page.locator("details.related-reach > summary")
    related.focus()
    page.keyboard.press("Enter")
    first_related = page.locator("table.crosswalk.related tbody tr").first
    assert first_related.is_visible() and "related" in first_related.inner_text()
    # SR 1.3 = AC-2 = the overlay's AC-2: equal twice is still a mapping, listed in the mapped table
    overlay = page.locator("table.crosswalk.mapped tr", has_text="nist-sp800-82r3-overlay:AC-2").first
    why = overlay.locator("details.why summary")
    why.focus()
    page.keyboard.press("Enter")
    assert "SR 1.3 equal nist-sp800-53r5:AC-2" in overlay.locator("details.why ol").inner_text()
    page.click("text=/^nerc-cip \\(\\d+\\)$/")
    # a plain link: the click only starts the navigation, so wait for the new page to load before reading it
    page.wait_for_url(re.compile(r"[?&]fw=nerc-cip"))
    # both tables, the folded related one included
    assert set(page.locator("table.crosswalk tbody td:first-child").all_text_contents()) == {"nerc-cip"}
