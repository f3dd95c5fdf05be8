"""The demo site's zone diagram in a real browser: it fits the column, zooms by button and key, links to pages."""

from __future__ import annotations

import pytest

from otcsms.plant.models import Zone
from otcsms.tenancy.models import Site

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-password-for-tests"


@pytest.fixture
def demo():
    from tests.demo_data import demo_operator

    demo_operator()
    return Site.objects.get(code="riverside-wtp")


def login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def overflow(page) -> dict:
    return page.evaluate(
        """() => {
          const frame = document.querySelector('#diagram'), svg = frame.querySelector('svg');
          return {page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
                  frame: frame.scrollWidth - frame.clientWidth,
                  svg: svg.getBoundingClientRect().width, room: frame.clientWidth};
        }"""
    )


@pytest.mark.parametrize("width", [1280, 760])
def test_demo_diagram_fits_the_viewport_and_zooms(page, demo, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "maria.lopez")
    page.goto(f"/plant/diagram/?site={demo.pk}")
    frame = page.locator("#diagram")
    assert page.locator("#diagram svg g.zone").count() == Zone.objects.filter(site=demo).count()
    fitted = overflow(page)
    assert fitted["page"] <= 0 and fitted["frame"] <= 0, fitted
    assert 0 < fitted["svg"] <= fitted["room"]

    page.click("button[data-zoom=in]")
    zoomed = overflow(page)
    assert zoomed["svg"] == pytest.approx(fitted["svg"] * 1.25, abs=2)
    assert zoomed["page"] <= 0  # the frame scrolls, the page does not
    assert page.locator("[data-zoom-level]").inner_text() == "zoom 125%"

    frame.focus()
    page.keyboard.press("+")
    assert overflow(page)["svg"] == pytest.approx(fitted["svg"] * 1.25 * 1.25, abs=2)
    assert overflow(page)["frame"] > 0  # now wider than the column: it scrolls inside the frame
    page.keyboard.press("-")
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert overflow(page)["svg"] == pytest.approx(fitted["svg"] / 1.25, abs=2)
    page.keyboard.press("0")
    assert overflow(page) == fitted
    page.click("button[data-zoom=in]")
    page.click("button[data-zoom=fit]")
    assert overflow(page) == fitted and page.locator("[data-zoom-level]").inner_text() == "fit to width"


def test_zones_and_conduits_link_to_their_pages(page, demo):
    login(page, "maria.lopez")
    page.goto(f"/plant/diagram/?site={demo.pk}")
    dosing = Zone.objects.get(site=demo, name="Chemical dosing")
    page.locator(f"#diagram g#zone-{dosing.pk} a").first.click()
    page.wait_for_url(f"**/zones/{dosing.pk}/")
    assert "Chemical dosing" in page.locator("h1").inner_text()
    page.go_back()
    page.locator("#diagram g.conduit", has_text="Telemetry radio").locator("a").last.click()
    page.wait_for_url("**/conduits/*/")
    assert "Telemetry radio" in page.locator("h1").inner_text()
    # the download is the drawing on the page
    svg = page.request.get(f"/api/v1/sites/{demo.pk}/diagram.svg")
    assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml")
