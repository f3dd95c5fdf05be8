"""The roadmap API: actions with requirements and dependencies, the lifecycle, suggestions from gaps, the plan."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.core.models import AuditEvent
from otcsms.links.models import ObjectLink
from otcsms.roadmap.models import Action, ActionDependency, BusinessGoal, RoadmapPlan
from otcsms.tenancy.models import Organisation, Site
from tests.conftest import audit_count
from tests.roadmap.conftest import action

pytestmark = pytest.mark.django_db


def test_create_an_action_with_requirements_and_dependencies_audited_with_its_actor(
    api, a_contributor, site_a, library
):
    first = action(site_a, "Segment the control network")
    goal = BusinessGoal.objects.create(name="Keep production running")
    sr11 = library["sr"].requirements.get(ref="SR 1.1")
    r = api(a_contributor).post("/roadmap-actions", {
        "site_id": site_a.pk, "title": "Role-based access on the HMIs", "effort_days": "12.5", "cost": "8000",
        "risk_reduction": "9", "goal_id": goal.pk, "requirement_ids": [sr11.pk], "depends_on_ids": [first.pk],
        "owner_id": a_contributor.pk, "start_on": "2026-01-10", "due_on": "2026-03-31", "pinned_phase": 1,
    })  # fmt: skip
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["requirement_ids"] == [sr11.pk] and body["depends_on_ids"] == [first.pk]
    assert body["status"] == "proposed" and body["source_kind"] == "manual" and body["effort_days"] == "12.5"
    created = AuditEvent.objects.filter(object_type="roadmap.action", object_id=str(body["id"])).get()
    assert created.actor_user_id == a_contributor.pk and created.actor_label.startswith("alice")
    assert AuditEvent.objects.filter(object_type="roadmap.actiondependency").count() == 1
    listed = api(a_contributor).get("/roadmap-actions", status="proposed", q="role").json()
    assert [i["id"] for i in listed["items"]] == [body["id"]]


@pytest.mark.parametrize("field, value, message", [
    ("effort_days", "-1", "greater than or equal to 0"),
    ("cost", "-0.01", "greater than or equal to 0"),
    ("risk_reduction", "abc", "decimal"),
    ("pinned_phase", 0, "greater than or equal to 1"),
    ("title", "x" * 201, "at most 200"),
    ("title", "a\u202eb", ""),
    ("unknown", 1, "xtra"),
])  # fmt: skip
def test_bad_values_are_refused_and_nothing_is_written(api, a_contributor, site_a, field, value, message):
    client = api(a_contributor)
    before = audit_count()
    r = client.post("/roadmap-actions", {"site_id": site_a.pk, "title": "T", field: value})
    assert r.status_code == 422 and "detail" in r.json()
    assert message in str(r.json()["detail"])
    assert audit_count() == before


def test_due_before_start_and_a_foreign_owner_are_refused(api, a_contributor, b_viewer, site_a):
    r = api(a_contributor).post("/roadmap-actions", {"site_id": site_a.pk, "title": "T", "start_on": "2026-05-01",
                                                     "due_on": "2026-04-01"})  # fmt: skip
    assert r.status_code == 422 and "due before it starts" in str(r.json()["detail"])
    r = api(a_contributor).post(
        "/roadmap-actions", {"site_id": site_a.pk, "title": "T", "owner_id": b_viewer.pk}
    )
    assert r.status_code == 422  # bob is not even visible to alice


def test_a_dependency_cycle_is_refused_naming_the_cycle(api, a_contributor, site_a):
    a, b, c = (action(site_a, t) for t in ("Inventory", "Baselines", "Drift watch"))
    ActionDependency.objects.create(site=site_a, action=b, depends_on=a)
    ActionDependency.objects.create(site=site_a, action=c, depends_on=b)
    client = api(a_contributor)
    before = audit_count()
    r = client.patch(f"/roadmap-actions/{a.pk}", {"depends_on_ids": [c.pk]})
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "depends_on_ids: this closes a dependency cycle: Inventory -> Drift watch -> Baselines -> Inventory"
    )
    r = client.post("/action-dependencies", {"action_id": a.pk, "depends_on_id": c.pk})
    assert r.status_code == 422 and "cycle" in r.json()["detail"]
    r = client.post("/action-dependencies", {"action_id": a.pk, "depends_on_id": a.pk})
    assert r.status_code == 422 and "cannot depend on itself" in r.json()["detail"]
    assert audit_count() == before


def test_a_dependency_on_another_site_or_organisation_is_refused(api, org_admin, site_a, site_b):
    here = action(site_a, "Here")
    there = action(site_b, "There")
    other_org = Organisation.objects.create(name="Other utility")
    elsewhere = action(Site.objects.create(organisation=other_org, name="Far plant", code="far"), "Far away")
    client = api(org_admin)
    r = client.patch(f"/roadmap-actions/{here.pk}", {"depends_on_ids": [there.pk]})
    assert r.status_code == 422 and "another site (Substation B)" in r.json()["detail"]
    r = client.post("/action-dependencies", {"action_id": here.pk, "depends_on_id": elsewhere.pk})
    assert r.status_code == 422 and "an action of another organisation" in r.json()["detail"]
    assert not ActionDependency.objects.exists()


def test_the_lifecycle_and_who_may_make_each_transition(api, a_contributor, a_approver, site_a):
    act = action(site_a, "Backups")
    contributor, approver = api(a_contributor), api(a_approver)
    r = contributor.post(f"/roadmap-actions/{act.pk}/transition", {"name": "plan"})
    assert r.status_code == 403 and "approvers" in r.json()["detail"]
    assert (
        approver.post(f"/roadmap-actions/{act.pk}/transition", {"name": "plan"}).json()["status"] == "planned"
    )
    r = contributor.post(f"/roadmap-actions/{act.pk}/transition", {"name": "finish"})
    assert r.status_code == 409 and "only an action in progress can be finished" in r.json()["detail"]
    assert (
        contributor.post(f"/roadmap-actions/{act.pk}/transition", {"name": "start"}).json()["status"]
        == "in_progress"
    )
    r = approver.post(f"/roadmap-actions/{act.pk}/transition", {"name": "cancel"})
    assert r.status_code == 422 and "say why" in r.json()["detail"]
    done = contributor.post(f"/roadmap-actions/{act.pk}/transition", {"name": "finish"}).json()
    assert done["status"] == "done" and done["completed_on"] is not None
    r = approver.post(
        f"/roadmap-actions/{act.pk}/transition", {"name": "cancel", "reason": "no longer needed"}
    )
    assert r.status_code == 409
    r = approver.post(f"/roadmap-actions/{act.pk}/transition", {"name": "explode"})
    assert r.status_code == 422
    other = action(site_a, "Drop me")
    cancelled = approver.post(
        f"/roadmap-actions/{other.pk}/transition", {"name": "cancel", "reason": "merged"}
    ).json()
    assert cancelled["status"] == "cancelled" and cancelled["status_reason"] == "merged"
    event = AuditEvent.objects.filter(object_type="roadmap.action", object_id=str(other.pk)).first()
    assert event.payload["reason"] == "merged"


def test_status_cannot_be_set_by_a_plain_update(api, a_contributor, site_a):
    act = action(site_a, "Backups")
    r = api(a_contributor).patch(f"/roadmap-actions/{act.pk}", {"status": "done"})
    assert r.status_code == 422


def test_an_action_keeps_its_source(api, a_contributor, site_a, gap_assessment):
    response = gap_assessment.responses.filter(status="not_met").first()
    r = api(a_contributor).post("/roadmap-actions", {"site_id": site_a.pk, "title": "Fix SR 1.1",
                                                     "source_type": "assessments.response", "source_id": response.pk})  # fmt: skip
    assert r.status_code == 201, r.json()
    assert r.json()["source_kind"] == "gap"
    link = ObjectLink.objects.get(kind="source")
    assert link.source_id == r.json()["id"] and link.target_id == response.pk
    r = api(a_contributor).post("/roadmap-actions", {"site_id": site_a.pk, "title": "Half", "source_id": 5})
    assert r.status_code == 422


def test_suggestions_from_gaps_and_creating_the_confirmed_ones(api, a_contributor, site_a, gap_assessment):
    client = api(a_contributor)
    found = client.get(f"/assessments/{gap_assessment.pk}/roadmap-suggestions").json()
    by_key = {s["template_key"]: s for s in found}
    assert by_key["role-based-access"]["requirements"] == ["SR 1.1", "SR 1.3"]
    assert by_key["role-based-access"]["gaps"] == 2
    assert by_key["segmentation"]["requirements"] == ["SR 5.1"]
    assert "SR 1.1 RE 1" not in str(found)  # met: no gap
    r = client.post(
        f"/assessments/{gap_assessment.pk}/roadmap-suggestions", {"template_keys": ["role-based-access"]}
    )
    assert r.status_code == 201
    (created,) = r.json()
    assert (
        created["source_kind"] == "gap"
        and created["effort_days"] == "27.5"
        and len(created["requirement_ids"]) == 2
    )
    assert ObjectLink.objects.filter(kind="source", source_id=created["id"]).count() == 2
    again = client.get(f"/assessments/{gap_assessment.pk}/roadmap-suggestions").json()
    assert {s["template_key"]: s["existing_action_id"] for s in again}["role-based-access"] == created["id"]
    r = client.post(f"/assessments/{gap_assessment.pk}/roadmap-suggestions", {"template_keys": ["no-such"]})
    assert r.status_code == 422 and "answers no gap" in r.json()["detail"]


def test_the_plan_places_actions_explains_them_and_what_if_moves_them(api, a_contributor, a_approver, site_a):
    first = action(site_a, "Segment", effort_days=10, cost=8000, risk_reduction=40)
    second = action(site_a, "Monitor", effort_days=10, cost=8000, risk_reduction=30)
    action(site_a, "After monitor", effort_days=2, cost=0, risk_reduction=5)
    ActionDependency.objects.create(
        site=site_a, action=Action.objects.get(title="After monitor"), depends_on=second
    )
    approver = api(a_approver)
    phases = [
        {"name": "0-90 days", "start_day": 0, "end_day": 90, "budget": 10000, "capacity": None},
        {"name": "3-12 months", "start_day": 90, "end_day": 365, "budget": 10000, "capacity": None},
    ]
    r = approver.patch(f"/sites/{site_a.pk}/roadmap-plan", {"phases": phases})
    assert r.status_code == 200, r.json()
    plan = r.json()
    where = {p["title"]: p for p in plan["placements"]}
    assert where["Segment"]["phase"] == 1 and where["Monitor"]["phase"] == 2
    assert "phase 1 budget exhausted (needs 8,000, 2,000 left)" in where["Monitor"]["reason"]
    assert (
        where["After monitor"]["reason"] == "phase 2 (3-12 months): its dependency Monitor is also in phase 2"
    )
    assert plan["bound"] >= plan["objective"] and plan["feasible"]
    assert (
        api(a_contributor).get(f"/sites/{site_a.pk}/roadmap-plan").json()["placements"] == plan["placements"]
    )
    r = api(a_contributor).patch(f"/sites/{site_a.pk}/roadmap-plan", {"phases": phases})
    assert r.status_code == 403
    contributor = api(a_contributor)
    before = audit_count()
    moved = contributor.post(f"/sites/{site_a.pk}/roadmap-plan/what-if", {"budgets": [20000, 10000]}).json()
    assert [(m["title"], m["before"], m["after"]) for m in moved["moves"]] == [
        ("Monitor", 2, 1), ("After monitor", 2, 1)]  # fmt: skip
    assert moved["objective_after"] > moved["objective_before"] and audit_count() == before
    assert first.pk  # placed first throughout


def test_an_infeasible_plan_says_what_does_not_fit(api, a_approver, site_a):
    action(site_a, "Rewire the substation", effort_days=40, cost=1, risk_reduction=5, pinned_phase=1)
    phases = [{"name": "Q1", "start_day": 0, "end_day": 90, "budget": None, "capacity": 30}]
    plan = api(a_approver).patch(f"/sites/{site_a.pk}/roadmap-plan", {"phases": phases}).json()
    assert not plan["feasible"]
    assert plan["problems"] == ["phase 1 (Q1): the actions pinned to it need 40 of team capacity, the phase has 30: "
                                "Rewire the substation (40)"]  # fmt: skip


@pytest.mark.parametrize("phases, message", [
    ([], "at least 1"),
    ([{"name": "a", "start_day": 10, "end_day": 5}], "start_day < end_day"),
    ([{"name": "a", "start_day": 0, "end_day": 90, "budget": -5}], "greater than or equal to 0"),
    ([{"name": "a", "start_day": 0, "end_day": 90}, {"name": "b", "start_day": 60, "end_day": 120}], "before phase 1 ends"),
])  # fmt: skip
def test_bad_phases_are_refused(api, a_approver, site_a, phases, message):
    client = api(a_approver)
    before = audit_count()
    r = client.patch(f"/sites/{site_a.pk}/roadmap-plan", {"phases": phases})
    assert r.status_code == 422 and message in str(r.json()["detail"])
    assert audit_count() == before and not RoadmapPlan.objects.exists()


def test_progress_counts_planned_and_done_and_the_gaps_closed(
    api, a_contributor, a_approver, site_a, zones, gap_assessment
):
    client = api(a_contributor)
    created = client.post(f"/assessments/{gap_assessment.pk}/roadmap-suggestions",
                          {"template_keys": ["role-based-access", "segmentation"]}).json()  # fmt: skip
    first = created[0]["id"]
    api(a_approver).post(f"/roadmap-actions/{first}/transition", {"name": "plan"})
    client.post(f"/roadmap-actions/{first}/transition", {"name": "start"})
    client.post(f"/roadmap-actions/{first}/transition", {"name": "finish"})
    progress = client.get(f"/sites/{site_a.pk}/roadmap-progress").json()
    assert progress["counts"]["done"] == 1 and progress["counts"]["proposed"] == 1
    assert progress["gaps_total"] == 3 and progress["gaps_closed"] == 2
    assert progress["burndown"][-1][1] == 1 and progress["percent_done"] == 50
    # the progress page draws it (the chart kit): every gap open the day before the first completion, then one
    finished = Action.objects.get(pk=first).completed_on
    browser = Client()
    browser.force_login(a_contributor)
    page = browser.get(reverse("web:roadmap_progress", args=[site_a.pk])).content.decode()
    chart = ElementTree.fromstring(re.search(r'<svg class="chart trend".*?</svg>', page, flags=re.S).group(0))
    assert [c.find("title").text for c in chart.iter("circle")] == [
        f"Gaps still open: 3 on {finished - timedelta(days=1):%Y-%m-%d}", f"Gaps still open: 1 on {finished:%Y-%m-%d}"]  # fmt: skip
    # SL-A once the roadmap is done: SR 1.1 and SR 1.3 met (SR 1.1 RE 1 already is) lift FR1 to 4 (the small
    # catalog selects nothing more up to SL 4); SR 5.1 met lifts FR5 to 1 (SR 5.1 RE 1, selected at SL 2, is not
    # answered); the answers are the site's, inherited by every zone
    control = next(z for z in progress["projected_sl"] if z["zone"] == "Control")
    assert progress["assessment_id"] == gap_assessment.pk
    assert control["sl_a_now"] == [0, 0, 0, 0, 0, 0, 0] and control["sl_a_after"] == [4, 0, 0, 0, 1, 0, 0]
    assert control["sl_t"] == [2, 1, 1, 1, 2, 1, 1] and not control["reaches_target"]


def test_business_goals_are_organisation_wide(api, org_admin, a_contributor):
    r = api(a_contributor).post("/business-goals", {"name": "Pass the CIP audit"})
    assert r.status_code == 403
    r = api(org_admin).post("/business-goals", {"name": "Pass the CIP audit"})
    assert r.status_code == 201
    assert [g["name"] for g in api(a_contributor).get("/business-goals").json()["items"]] == [
        "Pass the CIP audit"
    ]


def test_an_overdue_action_becomes_a_finding_until_it_is_done(site_a, a_approver, a_contributor):
    from datetime import date, timedelta

    from otcsms.checks.engine import run_checks
    from otcsms.checks.models import Finding
    from otcsms.roadmap import services

    late = action(site_a, "Patch the historian", due_on=date.today() - timedelta(days=3))
    action(site_a, "Not yet due", due_on=date.today() + timedelta(days=30))
    run_checks(site_a)
    finding = Finding.objects.get(check_id="roadmap.action-overdue")
    assert finding.object_id == late.pk and finding.status == "open" and "no owner" in finding.message
    services.transition(a_approver, late, "plan")
    services.transition(a_contributor, late, "start")
    services.transition(a_contributor, late, "finish")
    run_checks(site_a)
    assert Finding.objects.get(check_id="roadmap.action-overdue").status == "closed"
