"""In a browser: a compliance lead uploads the utility's Word template, it is approved, the gap report comes down
as DOCX in that template; the POA&M workbook goes out, comes back with a new date, and the roadmap shows it."""

from __future__ import annotations

import re
from datetime import date

import openpyxl
import pytest
from docx import Document
from playwright.sync_api import expect

from otcsms.evidence import services as evidence
from otcsms.evidence.models import DocumentVersion
from otcsms.roadmap.models import Action
from tests.conftest import PASSWORD, make_user
from tests.reports.test_docx_templates import letterhead_template

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str) -> None:
    page.set_default_timeout(60_000)  # a loaded shared machine serves the first pages slowly
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_gap_report_in_the_utilitys_template_and_the_poam_round_trip(page, site_a, tmp_path):
    lead = make_user("lena", roles={site_a: "contributor"})
    approver = make_user("paula", roles={site_a: "approver"})
    action = Action.objects.create(site=site_a, title="Segment the control network", due_on=date(2027, 3, 31))
    log_in(page, "lena")

    page.goto("/reports/")
    template = tmp_path / "acme.docx"
    template.write_bytes(letterhead_template())
    form = page.locator(f"#template-upload-{site_a.pk}")
    form.locator('input[name="title"]').fill("ACME letterhead")
    form.locator('input[type="file"]').set_input_files(str(template))
    form.locator('button[type="submit"]').click()
    expect(page.locator(".flash")).to_contain_text("Template stored as draft version 1")
    version = DocumentVersion.objects.get(document__title="ACME letterhead")
    evidence.submit_version(version, by=lead)
    evidence.approve_version(version, by=approver, password=PASSWORD)

    page.goto("/reports/")
    with page.expect_download() as download:
        page.locator(f'a[href="/reports/gaps/?site={site_a.pk}&format=docx"]').click()
    assert "-gaps-" in download.value.suggested_filename and download.value.suggested_filename.endswith(
        ".docx"
    )
    document = Document(download.value.path())
    assert document.sections[0].header.paragraphs[0].text == "ACME Water Utility · Security Office"
    assert document.paragraphs[0].text == f"ACME cover: Gap report for {site_a.name}"
    assert "Made " in document.sections[0].footer.paragraphs[0].text

    page.goto(f"/roadmap/sites/{site_a.pk}/poam/")
    with page.expect_download() as download:
        page.click("#poam-download")
    assert download.value.suggested_filename == f"poam-{site_a.code}.xlsx"
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    book = openpyxl.load_workbook(exported)
    sheet = book["POA&M"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=1).value == f"A-{action.pk}"
    sheet.cell(row=2, column=header.index("due_on") + 1).value = date(2027, 6, 30)
    edited = tmp_path / "poam.xlsx"
    book.save(edited)
    page.set_input_files("#id_poam_file", str(edited))
    page.click('#poam-import button[type="submit"]')
    expect(page.locator(".flash")).to_contain_text("Updated 1 roadmap action from the POA&M")
    action.refresh_from_db()
    assert action.due_on == date(2027, 6, 30)
    page.goto(f"/roadmap/actions/{action.pk}/")
    expect(page.locator("main")).to_contain_text(re.compile(r"2027-06-30|June 30, 2027"))
