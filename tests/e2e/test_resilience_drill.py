"""A drill in a browser: a contributor schedules a ransomware drill from the scenario library, records its
timeline from the keyboard (htmx adds each line in place), marks detection and containment, records two lessons,
and finds them as roadmap actions."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from otcsms.resilience import services
from otcsms.resilience.models import Exercise, Lesson
from otcsms.roadmap.models import Action
from tests.conftest import PASSWORD, make_user

WAIT = 60_000
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_schedule_a_drill_record_its_timeline_add_lessons_and_see_the_actions(page, site_a):
    make_user("carla", roles={site_a: "contributor"})
    services.load_library()
    page.set_default_timeout(60_000)  # the shared 2-core machine is loaded: pages are slow, not wrong

    page.goto("/accounts/login/")
    page.fill("#id_username", "carla")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/accounts/login/" not in page.url

    page.goto("/resilience/scenarios/")
    page.locator("#scenarios tr", has_text="Ransomware reaches an HMI").get_by_role(
        "link", name="Schedule a drill"
    ).click()
    page.select_option("#id_site", label="Plant A")
    page.fill("#id_title", "Ransomware at plant A")
    page.fill("#id_scheduled_for", "2026-04-02")
    page.click("form.card button[type=submit]")
    expect(page.locator("h1")).to_have_text("Ransomware at plant A", timeout=WAIT)
    exercise = Exercise.objects.get(title="Ransomware at plant A")
    assert exercise.scenario.key == "ransomware-hmi" and exercise.site_id == site_a.pk

    lines = [("2026-04-02T09:00", "inject", "Ransom note on HMI 2", ""),
             ("2026-04-02T09:12", "action", "Operator reports it to the shift lead", "detected"),
             ("2026-04-02T09:41", "action", "Boundary firewall closed", "contained")]  # fmt: skip
    for at, kind, text, milestone in lines:
        page.fill("#id_at", at)
        page.select_option("#id_kind", kind)
        page.select_option("#id_milestone", milestone)
        page.fill("#id_text", text)
        page.press("#id_text", "Enter")  # the keyboard: Enter adds the line
        expect(page.locator("#timeline-entries")).to_contain_text(text, timeout=WAIT)
    expect(page.locator("#measures")).to_contain_text("12", timeout=WAIT)
    expect(page.locator("#measures")).to_contain_text("41", timeout=WAIT)
    assert exercise.entries.count() == 3

    for title in ("Keep offline HMI images at the site", "Put the on-call roster in the IR plan"):
        page.fill("#lesson-form #id_title", title)
        page.click("#lesson-form button[type=submit]")
        expect(page.locator("#lessons")).to_contain_text(title, timeout=WAIT)
    assert Lesson.objects.filter(exercise=exercise, action__isnull=False).count() == 2

    page.goto("/roadmap/actions/")
    for title in ("Keep offline HMI images at the site", "Put the on-call roster in the IR plan"):
        expect(page.locator("table.data")).to_contain_text(title, timeout=WAIT)
    assert set(Action.objects.filter(source_kind="drill-lesson").values_list("title", flat=True)) == {
        "Keep offline HMI images at the site", "Put the on-call roster in the IR plan"}  # fmt: skip
