"""The plan page in a browser: an approver raises the first phase's budget, sees which action moves (what-if),
saves, and the plan shows the action in the first phase with the reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from otcsms.roadmap import services
from otcsms.roadmap.models import Action, RoadmapPlan
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_change_the_budget_and_see_an_action_move(page, site_a):
    make_user("paula", roles={site_a: "approver"})
    Action.objects.create(site=site_a, title="Segment the control network", effort_days=10, cost=8000,
                          risk_reduction=40)  # fmt: skip
    monitor = Action.objects.create(site=site_a, title="Monitor Modbus and OPC UA traffic", effort_days=10,
                                    cost=8000, risk_reduction=30)  # fmt: skip
    plan = RoadmapPlan(site=site_a)
    plan.phases = [{**p, "budget": 10000} for p in plan.phases]
    plan.save()
    services.run_plan(None, plan)

    page.goto("/accounts/login/")
    page.fill("#id_username", "paula")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto(f"/roadmap/sites/{site_a.pk}/plan/")
    row = page.locator(f'#placements tr[data-action="{monitor.pk}"]')
    expect(row.locator("td.phase")).to_have_text("phase 2")
    expect(row).to_contain_text("phase 1 budget exhausted (needs 8,000, 2,000 left)")

    page.fill('input[name="budget_0"]', "20000")
    page.click('button[value="what-if"]')
    move = page.locator(f'#what-if tr.move[data-action="{monitor.pk}"]')
    expect(move).to_contain_text("phase 2")
    expect(move.locator("td").nth(2)).to_have_text("phase 1")
    assert RoadmapPlan.objects.get(site=site_a).phases[0]["budget"] == 10000  # a what-if saves nothing

    page.fill('input[name="budget_0"]', "20000")
    page.click('button[value="save"]')
    expect(page.locator(".flash")).to_contain_text("Budgets saved")
    expect(page.locator(f'#placements tr[data-action="{monitor.pk}"] td.phase')).to_have_text("phase 1")
    assert RoadmapPlan.objects.get(site=site_a).phases[0]["budget"] == 20000
