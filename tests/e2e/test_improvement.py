"""The program dashboard and the CSMS health page in a browser: a contributor follows a number of the dashboard to
the findings behind it, captures the KPIs, fixes the problem, runs the checks, captures again, and the health
trend of open findings comes down. No console error, no request to another host."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from otcsms.checks.engine import run_checks
from otcsms.checks.models import Finding
from otcsms.improvement.models import KpiSnapshot
from otcsms.plant.models import Zone
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dashboard_click_through_and_the_health_trend_improving(page, live_server, site_a, site_b):
    make_user("carla", roles={site_a: "contributor"})
    zone = Zone(site=site_a, name="Dosing cell")
    zone.sl_t = (2, 2, 2, 2, 2, 2, 2)
    zone.save()
    hidden = Zone(site=site_b, name="Plant B secret zone")
    hidden.sl_t = (1, 1, 1, 1, 1, 1, 1)
    hidden.save()
    run_checks()  # the zone has an SL-T and no reason: a medium finding at each site (and others besides)
    medium_now = Finding.objects.filter(site=site_a, status="open", severity="medium").count()
    assert Finding.objects.filter(site=site_a, status="open", check_id="plant.zone-sl-t-reason").count() == 1
    month_ago = timezone.now() - dt.timedelta(days=30)
    KpiSnapshot.objects.create(
        site=site_a, kpi="findings.open", series="medium", value=4, captured_at=month_ago
    )
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    host = urlparse(live_server.url).hostname
    page.on(
        "request", lambda r: foreign.append(r.url) if urlparse(r.url).hostname not in (host, None) else None
    )

    page.set_default_timeout(60_000)  # a shared machine at load 20 serves the first page slowly
    page.goto("/accounts/login/")
    page.fill("#id_username", "carla")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    board = page.locator(f"#board-{site_a.pk}")
    expect(board).to_be_visible()
    expect(page.locator(f"#board-{site_b.pk}")).to_have_count(0)
    medium = board.locator('a[data-severity="medium"]')
    expect(medium).to_have_text(f"medium {medium_now}")
    medium.click()
    page.wait_for_url("**/findings/**")
    expect(page.locator("tbody tr:has(span.badge.sev-medium)")).to_have_count(medium_now)
    expect(page.locator("tbody tr:has(span.badge.sev-high)")).to_have_count(0)  # the filter applied
    expect(page.locator("table.data tbody").first).to_contain_text("Dosing cell")
    expect(page.locator("body")).not_to_contain_text("Plant B secret zone")

    page.goto("/health/")
    card = page.locator("#kpi-findingsopen")
    expect(card.locator("svg circle")).to_have_count(1)  # a month ago and nothing since: one point, no line
    page.click("#capture-now")
    expect(page.locator(".flash").first).to_contain_text("KPI values captured for 1 site")
    expect(card.locator(".kpi-now")).to_contain_text(f"medium: {medium_now}")
    expect(card.locator("svg polyline").first).to_be_attached()

    zone.sl_t_reason = "Chemical dosing: a wrong dose harms the public"
    zone.save()
    assert run_checks().closed == 1  # the hourly checks job (the page's "Run checks" is for approvers)
    page.goto("/health/")
    page.click("#capture-now")
    expect(card.locator(".kpi-now")).to_contain_text(f"medium: {medium_now - 1}")
    values = list(KpiSnapshot.objects.filter(site=site_a, kpi="findings.open", series="medium")
                  .order_by("captured_at").values_list("value", flat=True))  # fmt: skip
    assert values == [4, medium_now, medium_now - 1]  # the trend the chart draws: coming down
    assert not errors, errors
    assert not foreign, foreign
