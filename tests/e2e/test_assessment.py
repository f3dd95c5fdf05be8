"""The gap assessment in a browser: answer by keyboard on the answer page, see gaps and inferred coverage."""

from __future__ import annotations

import pytest

from otcsms.assessments import services
from otcsms.assessments.models import Response
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def assessment(site_a, library, zones, a_contributor):
    return services.create_assessment(site=site_a, framework=library["sr"], name="Browser baseline")


def test_answer_with_the_keyboard_and_see_the_results(page, assessment, a_contributor, zones):
    page.goto("/accounts/login/")
    page.fill("#id_username", a_contributor.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button")
    page.wait_for_url("**/")
    page.goto(f"/assessments/{assessment.pk}/answer/?zone={zones['control'].pk}")
    first = page.locator("table.answers tbody tr").first
    assert "SR 1.1" in first.inner_text()
    with page.expect_response(lambda r: "/answer/save/" in r.url) as saved:
        page.keyboard.press("3")  # not met, then the cursor moves to the next row
    assert saved.value.status == 200
    with page.expect_response(lambda r: "/answer/save/" in r.url):
        page.keyboard.press("1")
    assert "2 / 8 answered" in page.locator("#progress").inner_text()
    statuses = dict(Response.objects.values_list("requirement__ref", "status"))
    assert statuses == {"SR 1.1": "not_met", "SR 1.1 RE 1": "met"}

    page.goto(f"/assessments/{assessment.pk}/")
    assert "Gaps (1)" in page.content()
    assert "NIST SP 800-53" in page.locator("table.coverage").inner_text()
