"""The issue's 'done when', in a real browser: log in, switch sites, edit a role assignment, see its history."""

from __future__ import annotations

import pytest

from otcsms.core.audit import verify_chain
from otcsms.org.models import RoleAssignment
from otcsms.tenancy.models import Site

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-password-for-tests"


@pytest.fixture
def demo():
    from tests.conftest import make_user
    from tests.demo_data import demo_operator

    demo_operator()
    make_user("olivia", org_admin=True)


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_login_switch_site_edit_assignment_and_see_history(page, demo):
    login(page, "maria.lopez", PASSWORD)
    assert page.locator("h1").inner_text() == "Dashboard"
    site = Site.objects.get(code="riverside-wtp")
    # The switcher lists only the sites maria has a role on, and submits itself on change.
    options = page.locator("#site-switch option").all_inner_texts()
    assert options == ["All my sites", "Riverside Water Treatment Plant"]
    page.select_option("#site-switch", str(site.pk))
    page.wait_for_load_state("load")
    assert page.locator("#site-switch").input_value() == str(site.pk)

    assignment = RoleAssignment.objects.filter(site=site, role__name="Incident commander").get()
    page.goto(f"/role-assignments/{assignment.pk}/edit/")
    page.fill("#id_note", "Backup: Tom Baker on weekends")
    page.click("main form button.primary")
    page.wait_for_url(f"**/role-assignments/{assignment.pk}/")
    assert "Saved" in page.locator(".flash").inner_text()

    page.click("text=History")
    page.wait_for_url("**/history/org.roleassignment/**")
    row = page.locator("table.events tbody tr").first
    assert "maria.lopez" in row.inner_text() and "Backup: Tom Baker on weekends" in row.inner_text()
    assert verify_chain().ok


def test_wrong_password_is_refused_and_viewer_has_no_edit_buttons(page, demo):
    page.goto("/accounts/login/")
    page.fill("#id_username", "grid.viewer")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "did not match" in page.locator(".error").inner_text()
    login(page, "grid.viewer", PASSWORD)
    site = Site.objects.get(code="cedar-ridge-sub")
    page.goto(f"/sites/{site.pk}/")
    assert page.locator("text=Edit").count() == 0
    response = page.goto(f"/sites/{Site.objects.get(code='riverside-wtp').pk}/")
    assert response.status == 404


def test_raci_cell_saves_through_htmx(page, demo):
    login(page, "olivia", "correct-horse-battery-staple")
    site = Site.objects.get(code="harbor-pkg")
    page.goto(f"/sites/{site.pk}/raci/")
    select = page.locator("select[data-raci]").first
    with page.expect_response(lambda r: r.request.method == "POST" and "/raci/" in r.url) as info:
        select.select_option("C")
    assert info.value.status == 204
    from otcsms.org.models import Responsibility

    assert Responsibility.objects.filter(site=site, raci="C").exists()
