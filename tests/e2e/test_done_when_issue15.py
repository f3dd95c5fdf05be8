"""Issue 15's "Done when", in one browser walk: a CISO schedules a ransomware drill at the substation, records it
with times and two lessons that become roadmap actions, sees that an engineer with PLC engineering access has an
expired training, and watches the CSMS health trend improve as the findings are closed (the hourly checks job and
the training record are written behind the browser, as the worker and the LMS import would)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from otcsms.access.models import AccessGrant, AccessSystem
from otcsms.checks.engine import run_checks
from otcsms.checks.models import Finding
from otcsms.improvement.models import KpiSnapshot
from otcsms.org.models import CsmsRole, Person, RoleAssignment
from otcsms.people.models import Completion, Course, CourseRequirement, Screening
from otcsms.resilience import services as resilience
from otcsms.resilience.models import Exercise
from otcsms.roadmap.models import Action
from tests.conftest import PASSWORD, make_user

WAIT = 60_000  # the shared 2-core machine is loaded: pages are slow, not wrong
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LESSONS = ("Keep offline HMI images at the substation", "Put the on-call roster in the IR plan")


def test_the_ciso_runs_the_program(page, site_a):
    site_a.name = "North substation"
    site_a.save()
    make_user("ciso", roles={site_a: "site-admin"})
    resilience.load_library()
    org = site_a.organisation
    ann = Person.objects.create(organisation=org, site=site_a, name="Ann Engineer", email="ann@sub.test")
    ben, cat = (Person.objects.create(organisation=org, site=site_a, name=n) for n in ("Ben", "Cat"))
    role = CsmsRole.objects.create(name="Protection engineer")
    RoleAssignment.objects.create(site=site_a, role=role, person=ann)
    modbus = Course.objects.create(code="OT-PRO-310", title="Modbus and DNP3 for operators", kind="protocol",
                                   validity_months=24)  # fmt: skip
    CourseRequirement.objects.create(site=site_a, course=modbus, role=role)
    Completion.objects.create(site=site_a, person=ann, course=modbus,
                              completed_on=timezone.localdate() - dt.timedelta(days=800))  # fmt: skip
    # screened: the training alone is missing
    Screening.objects.create(site=site_a, person=ann, completed_on=timezone.localdate() - dt.timedelta(days=90),
                             reference="PRA-2026-07")  # fmt: skip
    plc = AccessSystem.objects.create(site=site_a, name="PLC-FEEDER-01", kind="controller")
    AccessGrant.objects.create(site=site_a, person=ann, system=plc, privilege="engineer", requested_by=ben,
                               approved_by=cat, justification="Feeder protection logic")  # fmt: skip
    run_checks()  # the hourly checks job
    lapsed = Finding.objects.get(site=site_a, check_id="access.training-lapsed", status="open")
    page.set_default_timeout(WAIT)

    page.goto("/accounts/login/")
    page.fill("#id_username", "ciso")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    # The drill: scheduled from the scenario library, held, its timeline with times, two lessons.
    page.goto("/resilience/scenarios/")
    page.locator("#scenarios tr", has_text="Ransomware reaches an HMI").get_by_role(
        "link", name="Schedule a drill"
    ).click()
    page.select_option("#id_site", label="North substation")
    page.fill("#id_title", "Ransomware at the substation")
    today = timezone.localdate().isoformat()
    page.fill("#id_scheduled_for", today)
    page.click("form.card button[type=submit]")
    expect(page.locator("h1")).to_have_text("Ransomware at the substation", timeout=WAIT)
    exercise = Exercise.objects.get(title="Ransomware at the substation")
    for at, kind, text, milestone in ((f"{today}T09:00", "inject", "Ransom note on the HMI", ""),
                                      (f"{today}T09:12", "action", "Operator calls the shift lead", "detected"),
                                      (f"{today}T09:41", "action", "Substation LAN isolated", "contained")):  # fmt: skip
        page.fill("#id_at", at)
        page.select_option("#id_kind", kind)
        page.select_option("#id_milestone", milestone)
        page.fill("#id_text", text)
        page.press("#id_text", "Enter")
        expect(page.locator("#timeline-entries")).to_contain_text(text, timeout=WAIT)
    expect(page.locator("#measures")).to_contain_text("41", timeout=WAIT)
    for title in LESSONS:
        page.fill("#lesson-form #id_title", title)
        page.click("#lesson-form button[type=submit]")
        expect(page.locator("#lessons")).to_contain_text(title, timeout=WAIT)
    page.goto(f"/resilience/exercises/{exercise.pk}/edit/")
    page.select_option("#id_status", "held")
    page.fill("#id_held_on", today)
    page.click("main form button[type=submit]")
    expect(page.locator("body")).to_contain_text("Held", timeout=WAIT)
    page.goto(f"/roadmap/actions/?site={site_a.pk}")
    for title in LESSONS:
        expect(page.locator("table.data")).to_contain_text(title, timeout=WAIT)
    assert set(Action.objects.filter(source_kind="drill-lesson").values_list("title", flat=True)) == set(
        LESSONS
    )

    # The engineer with PLC engineering access whose training expired: the finding, then the matrix.
    page.goto(f"/findings/?site={site_a.pk}&check=access.training-lapsed")
    expect(page.locator("table.findings")).to_contain_text("Ann Engineer", timeout=WAIT)
    page.goto(f"/training/?site={site_a.pk}")
    expect(page.locator('#matrix tr[data-person="Ann Engineer"] td.st-expired')).to_contain_text(
        "expired", timeout=WAIT
    )

    # The health trend: captured now, the training recorded and the checks run, captured again.
    KpiSnapshot.objects.create(site=site_a, kpi="training.compliance", series="", value=0,
                               captured_at=timezone.now() - dt.timedelta(days=30))  # fmt: skip
    page.goto("/health/")
    page.click("#capture-now")
    training = page.locator("#kpi-trainingcompliance")
    expect(training.locator(".kpi-now")).to_contain_text("0%", timeout=WAIT)
    high_before = Finding.objects.filter(site=site_a, status="open", severity="high").count()
    Completion.objects.create(site=site_a, person=ann, course=modbus, completed_on=timezone.localdate())
    assert run_checks().closed >= 1  # the lapsed-training finding closes
    lapsed.refresh_from_db()
    assert lapsed.status == "closed"
    page.goto("/health/")
    page.click("#capture-now")
    expect(training.locator(".kpi-now")).to_contain_text("100%", timeout=WAIT)
    expect(page.locator("#kpi-findingsopen .kpi-now")).to_contain_text(
        f"high: {high_before - 1}", timeout=WAIT
    )
    expect(training.locator("svg polyline").first).to_be_attached(timeout=WAIT)  # a trend line, not one point
    assert list(KpiSnapshot.objects.filter(site=site_a, kpi="training.compliance").order_by("captured_at")
                .values_list("value", flat=True)) == [0, 0, 100]  # fmt: skip
