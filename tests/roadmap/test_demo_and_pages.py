"""The demo operator's roadmap, and every roadmap page on it, for an org admin and for a site's users."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.core.models import User
from otcsms.links.models import ObjectLink
from otcsms.roadmap.models import Action, ActionDependency, BusinessGoal, RoadmapPlan
from otcsms.tenancy.models import Site


@pytest.fixture
def demo(db):
    from otcsms.assessments import state
    from otcsms.catalogs import graph
    from tests.demo_data import library_and_demo

    graph.forget()
    state.forget()
    library_and_demo()  # a copy: tests/db_snapshots.py


def browser(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_demo_has_goals_actions_from_gaps_and_by_hand_dependencies_and_a_plan(demo):
    assert BusinessGoal.objects.count() == 4
    actions = Action.objects.all()
    assert 18 <= actions.count() <= 30
    kinds = set(actions.values_list("source_kind", flat=True))
    assert {
        "gap",
        "manual",
        "vulnerability",
    } <= kinds  # the demo advisory's open vulnerability: roadmap.sources
    assert ObjectLink.objects.filter(kind="source", source_type__model="action").count() >= 10
    assert ActionDependency.objects.count() >= 5
    assert {"proposed", "planned", "in_progress", "done"} <= set(actions.values_list("status", flat=True))
    for site in Site.objects.all():
        plan = RoadmapPlan.objects.get(site=site)
        assert plan.result["feasible"], plan.result["problems"]
        placed = [p for p in plan.result["placements"].values() if p["phase"] is not None]
        assert placed and all(p["reason"].startswith("phase ") for p in placed)


def roadmap_urls() -> list[str]:
    site = Site.objects.get(code="riverside-wtp")
    action = Action.objects.filter(site=site, dependency_rows__isnull=False).first()
    assessment = site.assessments.first() if hasattr(site, "assessments") else None
    from otcsms.assessments.models import Assessment

    assessment = Assessment.objects.filter(site=site).first()
    goal = BusinessGoal.objects.first()
    return [
        reverse("web:roadmap_home"), reverse("web:roadmap_action_list"),
        reverse("web:roadmap_action_list") + f"?site={site.pk}&status=open&source=gap&goal={goal.pk}&q=a",
        reverse("web:roadmap_action_detail", args=[action.pk]), reverse("web:roadmap_action_edit", args=[action.pk]),
        reverse("web:roadmap_action_create"), reverse("web:roadmap_plan", args=[site.pk]),
        reverse("web:roadmap_timeline", args=[site.pk]), reverse("web:roadmap_progress", args=[site.pk]),
        reverse("web:roadmap_suggestions", args=[assessment.pk]), reverse("web:businessgoal_list"),
        reverse("web:businessgoal_detail", args=[goal.pk]), reverse("web:site_detail", args=[site.pk]),
        reverse("web:history", args=["roadmap.action", action.pk]),
    ]  # fmt: skip


def test_every_roadmap_page_renders_for_the_admin_and_the_site_admin(demo):
    for username in ("admin", "maria.lopez"):
        client = browser(username)
        for url in roadmap_urls():
            r = client.get(url)
            assert r.status_code == 200, f"{username} {url} -> {r.status_code}"


def test_pages_of_another_site_are_not_found(demo):
    client = browser("grid.viewer")  # a viewer of the substation only
    site = Site.objects.get(code="riverside-wtp")
    action = Action.objects.filter(site=site).first()
    for url in (reverse("web:roadmap_plan", args=[site.pk]), reverse("web:roadmap_timeline", args=[site.pk]),
                reverse("web:roadmap_progress", args=[site.pk]), reverse("web:roadmap_action_detail", args=[action.pk]),
                reverse("web:roadmap_export", args=[site.pk, "csv"]),
                reverse("web:roadmap_export", args=[site.pk, "poam"])):  # fmt: skip
        assert client.get(url).status_code == 404, url
    listed = client.get(reverse("web:roadmap_action_list")).content.decode()
    assert action.title not in listed


def test_the_timeline_draws_phases_bars_and_dependency_arrows(demo):
    site = Site.objects.get(code="riverside-wtp")
    page = browser("maria.lopez").get(reverse("web:roadmap_timeline", args=[site.pk])).content.decode()
    assert page.count('class="phase"') == 3
    assert page.count('class="bar ') >= 5
    assert 'class="dependency"' in page
    progress = browser("maria.lopez").get(reverse("web:roadmap_progress", args=[site.pk])).content.decode()
    assert 'id="projected"' in progress and "SL-A after the roadmap" in progress


def test_the_plan_page_what_if_shows_moves_without_saving_and_a_viewer_may_not_save(demo):
    site = Site.objects.get(code="cedar-ridge-sub")
    plan = RoadmapPlan.objects.get(site=site)
    url = reverse("web:roadmap_plan", args=[site.pk])
    viewer = browser("grid.viewer")
    page = viewer.post(url, {"intent": "what-if", "budget_0": "0", "capacity_0": "0", "budget_1": "",
                             "capacity_1": "", "budget_2": "", "capacity_2": ""}).content.decode()  # fmt: skip
    assert 'id="what-if"' in page and 'class="move"' in page
    assert RoadmapPlan.objects.get(site=site).phases == plan.phases
    assert viewer.post(url, {"intent": "save", "budget_0": "1"}).status_code == 403
    page = viewer.post(url, {"intent": "what-if", "budget_0": "lots"}).content.decode()
    assert "a number from 0 to 1e12" in page
    approver = browser("priya.raman")
    r = approver.post(url, {"intent": "save", "budget_0": "123456", "capacity_0": "", "budget_1": "",
                            "capacity_1": "", "budget_2": "", "capacity_2": ""})  # fmt: skip
    assert r.status_code == 302
    assert RoadmapPlan.objects.get(site=site).phases[0]["budget"] == 123456


def test_an_action_is_created_edited_and_moved_through_its_lifecycle_on_the_pages(demo):
    site = Site.objects.get(code="riverside-wtp")
    client = browser("maria.lopez")
    first = Action.objects.filter(site=site).order_by("pk").first()
    r = client.post(reverse("web:roadmap_action_create"), {
        "site": site.pk, "title": "Lock the dosing cabinet", "effort_days": "1", "cost": "300",
        "risk_reduction": "2", "depends_on": [first.pk], "requirement_refs": "iec62443-3-3:SR 1.1; iec62443-3-3:SR 5.1",
    })  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    action = Action.objects.get(title="Lock the dosing cabinet")
    assert list(action.dependency_rows.values_list("depends_on_id", flat=True)) == [first.pk]
    assert action.requirement_rows.count() == 2
    r = client.post(reverse("web:roadmap_action_edit", args=[first.pk]), {
        "title": first.title, "effort_days": "1", "cost": "0", "risk_reduction": "1", "depends_on": [action.pk],
    })  # fmt: skip
    assert r.status_code == 200 and "closes a dependency cycle" in r.content.decode()
    bad = client.post(reverse("web:roadmap_action_create"), {"site": site.pk, "title": "X", "effort_days": "-3",
                                                             "cost": "0", "risk_reduction": "0",
                                                             "requirement_refs": "nope:SR 9"})  # fmt: skip
    assert bad.status_code == 200 and "no requirement" in bad.content.decode()
    transition = reverse("web:roadmap_action_transition", args=[action.pk])
    client.post(transition, {"name": "plan"})
    client.post(transition, {"name": "cancel"})  # no reason: refused with a message
    assert Action.objects.get(pk=action.pk).status == "planned"
    client.post(transition, {"name": "cancel", "reason": "done by the vendor"})
    assert Action.objects.get(pk=action.pk).status == "cancelled"


def test_suggestions_page_creates_the_chosen_actions(demo):
    from otcsms.assessments.models import Assessment

    assessment = Assessment.objects.get(site__code="harbor-pkg")
    client = browser("admin")
    page = client.get(reverse("web:roadmap_suggestions", args=[assessment.pk])).content.decode()
    free = [t for t in ("backup-restore", "malware-protection", "hardening", "supply-chain", "physical-access")
            if f'value="{t}"' in page]  # fmt: skip
    assert free, "every suggestion already taken"
    before = Action.objects.count()
    r = client.post(reverse("web:roadmap_suggestions", args=[assessment.pk]), {"template": [free[0]]})
    assert r.status_code == 302 and Action.objects.count() == before + 1
