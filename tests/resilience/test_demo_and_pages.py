"""The demo operator's drills and incidents, and every resilience page on it: for the admin and the substation's
approver; a viewer of the substation reads but cannot write; a site's data stays hidden from other sites' users."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.core.models import AuditEvent, User
from otcsms.links.models import ObjectLink
from otcsms.resilience.models import DrillScenario, Exercise, Incident, IrPlan, Lesson
from otcsms.tenancy.models import Site


@pytest.fixture
def demo(db):
    from otcsms.assessments import state
    from otcsms.catalogs import graph
    from tests.demo_data import library_and_demo

    graph.forget()
    state.forget()
    library_and_demo()


def browser(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_demo_has_a_ransomware_drill_with_times_and_two_lessons_that_became_actions(demo):
    site = Site.objects.get(code="cedar-ridge-sub")
    drill = Exercise.objects.get(site=site, scenario__key="ransomware-hmi")
    assert drill.status == "held" and drill.participants.count() >= 4
    times = {m.milestone: m.minutes for m in drill.measured_times()}
    assert times == {"detected": 14, "escalated": 31, "contained": 52, "recovered": 166}
    assert drill.outcomes.count() == 5
    lessons = Lesson.objects.filter(exercise=drill)
    assert lessons.count() == 2
    for lesson in lessons:
        assert lesson.action.source_kind == "drill-lesson"
        assert ObjectLink.objects.filter(kind="source", source_id=lesson.action_id, target_id=lesson.pk,
                                         target_type__model="lesson").exists()  # fmt: skip
    plan = IrPlan.objects.get(site=site)
    assert plan.last_tested() == drill.held_on and plan.roles.count() == 4 and plan.contacts.count() == 4
    incident = Incident.objects.get(site=site)
    assert incident.reportable and [d.met_at is not None and not d.late() for d in incident.deadlines()] == [
        True,
        True,
    ]
    assert Exercise.objects.filter(site=site, status="scheduled").count() == 1
    assert DrillScenario.objects.count() >= 6


def resilience_urls() -> list[str]:
    site = Site.objects.get(code="cedar-ridge-sub")
    drill = Exercise.objects.get(site=site, scenario__key="ransomware-hmi")
    plan = IrPlan.objects.get(site=site)
    incident = Incident.objects.get(site=site)
    scenario = DrillScenario.objects.get(key="modbus-write")
    return [
        reverse("web:exercise_list"), reverse("web:exercise_list") + f"?site={site.pk}&status=held&scenario=1&q=r",
        reverse("web:exercise_detail", args=[drill.pk]), reverse("web:exercise_edit", args=[drill.pk]),
        reverse("web:exercise_create") + f"?scenario={scenario.pk}", reverse("web:exercise_report", args=[drill.pk]),
        reverse("web:irplan_list"), reverse("web:irplan_detail", args=[plan.pk]), reverse("web:irplan_create"),
        reverse("web:irplan_edit", args=[plan.pk]), reverse("web:incident_list"),
        reverse("web:incident_list") + "?status=recovered&reportable=yes", reverse("web:incident_create"),
        reverse("web:incident_detail", args=[incident.pk]), reverse("web:incident_edit", args=[incident.pk]),
        reverse("web:drillscenario_list"), reverse("web:drillscenario_detail", args=[scenario.pk]),
        reverse("web:drillcadence_list"), reverse("web:drillcadence_create"),
        reverse("web:history", args=["resilience.exercise", drill.pk]),
    ]  # fmt: skip


def test_every_resilience_page_renders_for_the_admin_and_the_substation_approver(demo):
    for username in ("admin", "priya.raman"):
        client = browser(username)
        for url in resilience_urls():
            r = client.get(url)
            assert r.status_code == 200, f"{username} {url} -> {r.status_code}"
    page = browser("priya.raman").get(resilience_urls()[2]).content.decode()
    assert (
        "Keep the offline HMI and RTU images" in page
        and 'id="measures"' in page
        and "<time datetime=" in page
    )
    report = browser("priya.raman").get(resilience_urls()[5]).content.decode()
    assert "Drill report" in report and "Success criteria (2 of 5 met)" in report


def test_pages_of_the_substation_are_not_found_for_the_water_plants_users(demo):
    client = browser("maria.lopez")
    for url in (
        resilience_urls()[2:3] + resilience_urls()[5:6] + resilience_urls()[7:8] + resilience_urls()[13:14]
    ):
        assert client.get(url).status_code == 404, url
    listed = client.get(reverse("web:exercise_list")).content.decode()
    assert "Ransomware on the substation HMI" not in listed
    drill = Exercise.objects.get(scenario__key="ransomware-hmi")
    before = AuditEvent.objects.count()
    r = client.post(reverse("web:exercise_lesson_add", args=[drill.pk]), {"title": "Intruder"})
    assert r.status_code == 404 and AuditEvent.objects.count() == before


def test_a_viewer_reads_but_cannot_write(demo):
    viewer = browser("grid.viewer")
    drill = Exercise.objects.get(scenario__key="ransomware-hmi")
    page = viewer.get(reverse("web:exercise_detail", args=[drill.pk])).content.decode()
    assert 'id="entry-form"' not in page and "lesson-form" not in page
    before = AuditEvent.objects.count()
    for url, data in [(reverse("web:exercise_entry_add", args=[drill.pk]), {"at": "2026-01-01T10:00", "text": "x"}),
                      (reverse("web:exercise_lesson_add", args=[drill.pk]), {"title": "x"}),
                      (reverse("web:exercise_outcome_set", args=[drill.pk]), {"criterion": "recovery", "result": "met"})]:  # fmt: skip
        assert viewer.post(url, data).status_code == 403
    assert AuditEvent.objects.count() == before


def test_the_approver_records_a_timeline_line_outcome_and_lesson_on_the_pages(demo):
    client = browser("priya.raman")
    drill = Exercise.objects.get(scenario__key="ransomware-hmi")
    url = reverse("web:exercise_entry_add", args=[drill.pk])
    r = client.post(url, {"at": "2026-01-01T10:00", "kind": "observation", "text": "Debrief held", "milestone": ""},
                    headers={"HX-Request": "true"})  # fmt: skip
    assert r.status_code == 200 and "Debrief held" in r.content.decode()
    bad = client.post(
        url, {"at": "not a time", "kind": "observation", "text": "x"}, headers={"HX-Request": "true"}
    )
    assert bad.status_code == 422 and "at:" in bad.content.decode()
    hostile = client.post(url, {"at": "2026-01-01T10:00", "kind": "action", "text": "a\u202eb"})
    assert hostile.status_code == 302 and not drill.entries.filter(text="a\u202eb").exists()
    r = client.post(
        reverse("web:exercise_outcome_set", args=[drill.pk]), {"criterion": "recovery", "result": "met"}
    )
    assert r.status_code == 302 and drill.outcomes.get(criterion="recovery").result == "met"
    r = client.post(
        reverse("web:exercise_lesson_add", args=[drill.pk]), {"title": "Test the backup path yearly"}
    )
    assert r.status_code == 302
    lesson = Lesson.objects.get(title="Test the backup path yearly")
    assert lesson.action.title == "Test the backup path yearly"
    event = AuditEvent.objects.get(object_type="resilience.lesson", object_id=str(lesson.pk), action="create")
    assert event.actor_user_id == User.objects.get(username="priya.raman").pk


def test_a_drill_form_without_scenario_or_date_shows_why(demo):
    client = browser("priya.raman")
    site = Site.objects.get(code="cedar-ridge-sub")
    before = Exercise.objects.count()
    r = client.post(reverse("web:exercise_create"), {"site": site.pk, "status": "scheduled"})
    page = r.content.decode()
    assert r.status_code == 200 and "a drill needs a scenario" in page and "a drill needs a date" in page
    assert Exercise.objects.count() == before
