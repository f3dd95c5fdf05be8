"""Evidence in a browser: upload, submit, approve by someone else, attach to an answer row without leaving the
page, watch it go stale; an uploaded SVG is downloaded, never rendered."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from otcsms.assessments import services as assessments
from otcsms.evidence import services
from otcsms.evidence.models import Document
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What an assertion waits for (a page or an htmx swap), like the actions' 15 s default in conftest: on a shared,
# loaded 2-core machine Playwright's 5 s default for assertions is not enough.
WAIT = 15_000
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>document.title="pwned"</script></svg>'


def log_in(page: Page, user) -> None:
    page.goto("/accounts/login/", timeout=60_000)  # the live server's first request builds its URLs and API
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button")
    page.wait_for_url("**/", timeout=60_000)


def log_out(page: Page) -> None:
    page.context.clear_cookies()


@pytest.fixture
def answered(site_a, library, zones, a_contributor):
    assessment = assessments.create_assessment(site=site_a, framework=library["sr"], name="Browser baseline")
    slots = [s for s in assessments.slots(assessment) if s.ref == "SR 1.3"]
    answers = [assessments.Answer(s.requirement_id, s.zone_id, "met", None, "MFA") for s in slots]
    assessments.set_responses(assessment, answers, a_contributor)
    return assessment


def test_upload_approve_attach_and_go_stale(page: Page, site_a, a_contributor, answered, tmp_path):
    approver = make_user("anna", roles={site_a: "approver"})
    document = services.create_document(site_id=site_a.pk, kind="policy", title="Remote access policy",
                                        owner_id=a_contributor.pk, by=a_contributor)  # fmt: skip
    policy_file = tmp_path / "policy.md"
    policy_file.write_text("# Remote access\nMFA on every remote session.\n")

    log_in(page, a_contributor)
    page.goto(f"/documents/{document.pk}/")
    page.set_input_files("#id_file", str(policy_file))
    page.fill("#id_change_summary", "first issue")
    with page.expect_navigation():
        page.click("#upload button[type=submit]")
    expect(page.locator("#version-1")).to_contain_text("Draft", timeout=WAIT)
    with page.expect_navigation():
        page.click("#version-1 >> text=Submit for review")
    expect(page.locator("#version-1")).to_contain_text("In review", timeout=WAIT)
    expect(page.locator("#version-1 >> text=Approve")).to_have_count(
        0, timeout=WAIT
    )  # not the uploader's to approve

    log_out(page)
    log_in(page, approver)
    page.goto(f"/documents/{document.pk}/")
    page.on("dialog", lambda dialog: dialog.accept())
    page.fill("#version-1 input[name=password]", PASSWORD)  # the approver signs with their password
    with page.expect_navigation():
        page.click("#version-1 >> button:has-text('Approve')")
    expect(page.locator("#version-1")).to_contain_text("Approved", timeout=WAIT)
    expect(page.locator("#version-1")).to_contain_text("signed by", timeout=WAIT)

    log_out(page)
    log_in(page, a_contributor)
    page.goto(f"/assessments/{answered.pk}/answer/")
    rows = page.locator("tr", has_text="SR 1.3")
    expect(rows).to_have_count(2, timeout=WAIT)  # one answer row per zone: Control and OT DMZ
    for i in range(2):
        row = rows.nth(i)
        row.locator("details.attach summary").click()
        row.locator("select[name=document]").select_option(label="Remote access policy (policy)")
        row.locator("button:has-text('Link')").click()
        expect(row.locator(".evidence-cell")).to_contain_text("Remote access policy", timeout=WAIT)
        expect(row.locator(".evidence-cell")).not_to_contain_text("stale", timeout=WAIT)
    assert page.url.endswith(f"/assessments/{answered.pk}/answer/")  # never left the page

    page.goto("/evidence/completeness/")
    fresh = int(page.locator(f"#site-{site_a.pk} .score").inner_text().rstrip("%"))

    stored = Document.objects.get(pk=document.pk)
    stored.next_review = dt.date.today() - dt.timedelta(days=1)  # the review date passes
    stored.save()
    page.goto(f"/assessments/{answered.pk}/answer/")
    for i in range(2):
        expect(page.locator("tr", has_text="SR 1.3").nth(i).locator(".evidence-cell")).to_contain_text(
            "(stale)", timeout=WAIT
        )
    page.goto("/evidence/completeness/")
    stale = int(page.locator(f"#site-{site_a.pk} .score").inner_text().rstrip("%"))
    assert stale < fresh, (fresh, stale)  # the site's completeness score drops
    expect(page.locator(f"#site-{site_a.pk}")).to_contain_text(
        "Remote access policy", timeout=WAIT
    )  # and says why


def test_an_uploaded_svg_is_downloaded_not_rendered(page: Page, site_a, a_contributor):
    document = services.create_document(
        site_id=site_a.pk, kind="network-diagram", title="Diagram", by=a_contributor
    )
    version = services.upload_version(document, [SVG], file_name="diagram.svg", claimed_type="image/svg+xml",
                                      by=a_contributor)  # fmt: skip
    log_in(page, a_contributor)
    page.goto(f"/documents/{document.pk}/")
    title = page.title()
    with page.expect_download() as download:
        page.click("text=diagram.svg")
    assert download.value.suggested_filename == "diagram.svg"
    assert page.title() == title != "pwned"
    response = page.request.get(f"/document-versions/{version.pk}/download/")
    headers = response.headers
    assert headers["content-disposition"].startswith("attachment")
    assert (
        headers["x-content-type-options"] == "nosniff"
        and headers["content-type"] == "application/octet-stream"
    )
    assert "sandbox" in headers["content-security-policy"]
