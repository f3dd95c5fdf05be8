"""The access review screen in a browser: j/k move, c confirms, r asks for the reason and revokes; every row
says "saved" and the server holds each decision; once all are decided, the review is signed off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from otcsms.access.models import AccessGrant, AccessSystem, ReviewItem
from otcsms.access.services import start_review
from otcsms.org.models import Person
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_review_grants_with_the_keyboard(page, site_a):
    lead = make_user("lena", roles={site_a: "approver"})
    org = site_a.organisation
    ben, cat = (Person.objects.create(organisation=org, site=site_a, name=n) for n in ("Ben", "Cat"))
    system = AccessSystem.objects.create(site=site_a, name="HMI-1", kind="hmi-scada")
    holders = [
        Person.objects.create(organisation=org, site=site_a, name=f"Operator {i:02}") for i in range(6)
    ]
    for person in holders:
        AccessGrant.objects.create(site=site_a, system=system, person=person, privilege="operate",
                                   justification="shift", requested_by=ben, approved_by=cat)  # fmt: skip
    campaign = start_review(lead, site_a, title="Q1", period_start=system_date(), period_end=system_date())

    page.goto("/accounts/login/")
    page.fill("#id_username", "lena")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto(f"/access/reviews/{campaign.pk}/")
    page.keyboard.press("c")  # row 0 confirmed, cursor on row 1
    page.keyboard.press("j")  # row 2
    page.keyboard.press("c")  # row 2 confirmed, cursor on row 3
    page.keyboard.press("r")  # row 3: asks why
    page.keyboard.type("moved to the lab")
    page.keyboard.press("Enter")
    page.keyboard.press("k")  # the revoke moved the cursor to row 4; k goes back to row 3 and changes nothing
    rows = page.locator("table.review tbody tr")
    for index in (0, 2, 3):
        expect(rows.nth(index)).to_have_attribute("data-save-state", "saved")
    expect(page.locator("#progress")).to_contain_text("3 / 6 reviewed")
    decisions = [
        i.decision for i in ReviewItem.objects.filter(campaign=campaign).order_by("grant__person__name")
    ]
    assert decisions == ["confirmed", "pending", "confirmed", "revoked", "pending", "pending"]
    revoked = AccessGrant.objects.get(person__name="Operator 03")
    assert revoked.status == "revoked" and "moved to the lab" in revoked.revoke_reason

    # The rest, quickly: back to row 1, confirm it; on to rows 4 and 5, confirm them; then sign off.
    page.keyboard.press("k")
    page.keyboard.press("k")  # row 1
    page.keyboard.press("c")  # row 1 confirmed, cursor on row 2
    page.keyboard.press("j")
    page.keyboard.press("j")  # row 4
    page.keyboard.press("c")  # row 4 confirmed, cursor on row 5
    page.keyboard.press("c")  # row 5 confirmed
    for index in range(6):
        expect(rows.nth(index)).to_have_attribute("data-save-state", "saved")
    expect(page.locator("#progress")).to_contain_text("6 / 6 reviewed (100%)")
    expect(page.locator("#reviewer-progress")).to_contain_text("lena")
    page.fill("input[name=note]", "every grant decided")
    page.get_by_role("button", name="Sign off").click()
    expect(page.locator("h1 .badge")).to_have_text("Signed off")
    campaign.refresh_from_db()
    assert campaign.status == "signed-off" and campaign.sign_off_note == "every grant decided"
    assert sorted(ReviewItem.objects.filter(campaign=campaign).values_list("decision", flat=True)) == [
        "confirmed", "confirmed", "confirmed", "confirmed", "confirmed", "revoked",
    ]  # fmt: skip


def system_date():
    from django.utils import timezone

    return timezone.localdate()
