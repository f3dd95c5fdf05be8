"""The readiness flow in a browser: the training matrix shows what an engineer lacks, their readiness page says
they are not ready for engineering access, the LMS export and a screening are recorded, and the grant that the
access app refused before now goes through."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from otcsms.access.models import AccessGrant, AccessSystem
from otcsms.org.models import CsmsRole, Person, RoleAssignment
from otcsms.people.models import Completion, Course, CourseRequirement, Screening
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_engineer_gets_ready_for_plc_access(page, site_a):
    make_user("lena", roles={site_a: "approver"})
    org = site_a.organisation
    ann = Person.objects.create(organisation=org, site=site_a, name="Ann Engineer", email="ann@plant-a.test")
    ben, cat = (Person.objects.create(organisation=org, site=site_a, name=n) for n in ("Ben", "Cat"))
    role = CsmsRole.objects.create(name="OT engineer")
    RoleAssignment.objects.create(site=site_a, role=role, person=ann)
    modbus = Course.objects.create(code="OT-PRO-310", title="Modbus and DNP3 for operators", kind="protocol",
                                   validity_months=24)  # fmt: skip
    CourseRequirement.objects.create(site=site_a, course=modbus, role=role)
    plc = AccessSystem.objects.create(site=site_a, name="PLC-FLT-01", kind="controller")
    old = timezone.localdate() - timedelta(days=800)
    Completion.objects.create(site=site_a, person=ann, course=modbus, completed_on=old)

    page.goto("/accounts/login/", timeout=60_000)  # the live server's first request loads every app's URLs
    page.fill("#id_username", "lena")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    # The matrix: Ann's protocol course has expired.
    page.goto(f"/training/?site={site_a.pk}")
    row = page.locator('#matrix tr[data-person="Ann Engineer"]')
    expect(row.locator("td.st-expired")).to_contain_text("expired")
    row.get_by_role("link", name="what is missing").click()
    page.select_option("select[name=privilege]", "engineer")
    page.click("#readiness-form button")
    expect(page.locator("#verdict")).to_contain_text("Not ready for engineer access at Plant A")
    expect(page.locator("#needs")).to_contain_text("no personnel risk assessment")

    # The LMS export and the screening.
    page.goto(f"/training/import/?site={site_a.pk}")
    today = timezone.localdate().isoformat()
    page.set_input_files("input[name=file]", files=[{
        "name": "lms.csv", "mimeType": "text/csv",
        "buffer": f"Learner Email,Course Code,Completion Date\nann@plant-a.test,OT-PRO-310,{today}\n".encode(),
    }])  # fmt: skip
    page.click("main form button.primary")
    expect(row.locator("td.st-ok")).to_contain_text("✓")
    page.goto(f"/training/screenings/new/?site={site_a.pk}")
    page.select_option("#id_person", label="Ann Engineer")
    page.fill("#id_completed_on", today)
    page.fill("#id_reference", "PRA-2026-41")
    page.click("main form button.primary")
    expect(page.locator("body")).to_contain_text("Saved")
    assert Screening.objects.get(person=ann).next_due is not None

    page.goto(f"/training/people/{ann.pk}/?site={site_a.pk}&privilege=engineer")
    expect(page.locator("#verdict")).to_contain_text("Ready for engineer access at Plant A")

    # The grant now goes through.
    page.goto(f"/access/grants/new/?site={site_a.pk}")
    page.select_option("#id_person", label="Ann Engineer")
    page.select_option("#id_system", label="PLC-FLT-01")
    page.select_option("#id_privilege", "engineer")
    page.fill("#id_justification", "Filtration PLC logic changes")
    page.select_option("#id_requested_by", label="Ben")
    page.select_option("#id_approved_by", label="Cat")
    page.click("main form button.primary")
    expect(page.locator("body")).to_contain_text("Saved")
    assert AccessGrant.objects.get(system=plc).person == ann
