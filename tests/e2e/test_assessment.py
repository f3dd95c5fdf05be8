"""The gap assessment in a browser: answer by keyboard on the answer page, see gaps and inferred coverage.

No test waits a fixed time for the page: each waits for what the page shows (every changed row says
"saved", the status line says so too). Keys are typed 50 ms apart, faster than the server answers.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from otcsms.assessments import services
from otcsms.assessments.models import Response
from tests.assessments.fixtures import framework
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
KEY_GAP_MS = 50
STATUS_KEYS = {"1": "met", "2": "partially_met", "3": "not_met", "0": "not_assessed"}


@pytest.fixture
def assessment(site_a, library, zones, a_contributor):
    return services.create_assessment(site=site_a, framework=library["sr"], name="Browser baseline")


@pytest.fixture
def long_assessment(site_a, library):
    """A site-wide framework with 24 requirements: one row each."""
    rows = [("P", None, "Policies", False, {})]
    rows += [(f"P-{n:02d}", "P", f"Policy requirement {n}", True, {}) for n in range(1, 25)]
    fw = framework("test-policies", "Test policies", rows)
    return services.create_assessment(site=site_a, framework=fw, name="Policy review")


@pytest.fixture
def slow_server(monkeypatch):
    """Every save takes 400 ms on the server (latency, not synchronisation): keys typed 50 ms apart
    arrive eight times faster than the saves can go."""
    original = services.set_responses

    def slow(*args, **kwargs):
        time.sleep(0.4)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "set_responses", slow)


def log_in(page: Page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button")
    page.wait_for_url("**/")


def wait_until_saved(page: Page, changed: int) -> None:
    """Every changed row says saved, and nothing is queued, in flight or failed.

    A ceiling, not a timing assertion: on a loaded machine the queued saves may take long to drain."""
    expect(page.locator("tr[data-save-state=saved]")).to_have_count(changed, timeout=60_000)
    expect(page.locator("tr[data-save-state]:not([data-save-state=saved])")).to_have_count(0)
    expect(page.locator("#save-status")).to_have_text("All changes saved.")


def unload_is_guarded(page: Page) -> bool:
    return page.evaluate(
        "() => { const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e);"
        " return e.defaultPrevented; }"
    )


def test_answer_with_the_keyboard_and_see_the_results(page, assessment, a_contributor, zones):
    log_in(page, a_contributor)
    page.goto(f"/assessments/{assessment.pk}/answer/?zone={zones['control'].pk}")
    first = page.locator("table.answers tbody tr").first
    assert "SR 1.1" in first.inner_text()
    page.keyboard.press("3")  # not met; the cursor moves to the next row at once
    page.keyboard.press("1")  # met, on that next row
    wait_until_saved(page, 2)
    expect(page.locator("#progress")).to_contain_text("2 / 8 answered")
    statuses = dict(Response.objects.values_list("requirement__ref", "status"))
    assert statuses == {"SR 1.1": "not_met", "SR 1.1 RE 1": "met"}
    assert not unload_is_guarded(page)

    page.goto(f"/assessments/{assessment.pk}/")
    assert "Gaps (1)" in page.content()
    assert "NIST SP 800-53" in page.locator("table.coverage").inner_text()


def plan(script: list[tuple[str, str]], rows: int) -> tuple[str, dict[int, tuple[str, str | None]]]:
    """The text to type for a script of ("keys", "...") and ("na", reason) steps, and what each row should
    hold afterwards (status, comment or None for "as before"), following the cursor as the page does."""
    typed, expected, cursor = "", {}, 0
    for kind, text in script:
        if kind == "na":
            typed += "4" + text + "\n"
            expected[cursor] = ("not_applicable", text)
            cursor = min(cursor + 1, rows - 1)
            continue
        typed += text
        for key in text:
            if key in STATUS_KEYS:
                expected[cursor] = (STATUS_KEYS[key], expected.get(cursor, (None, None))[1])
                cursor = min(cursor + 1, rows - 1)
            elif key == "j":
                cursor = min(cursor + 1, rows - 1)
            elif key == "k":
                cursor = max(cursor - 1, 0)
    return typed, expected


def test_fast_keyboard_answers_are_all_stored(page, long_assessment, a_contributor, slow_server):
    slots = services.slots(long_assessment)
    # One row already carries evidence, a maturity-free comment and a status set through the API.
    documented = slots[5]
    services.set_response(
        long_assessment,
        services.Answer(
            documented.requirement_id, None, "met", comment="Reviewed in 2025", evidence=("DOC-17",)
        ),
    )
    log_in(page, a_contributor)
    page.goto(f"/assessments/{long_assessment.pk}/answer/")
    rows = page.locator("table.answers tbody tr")
    expect(rows).to_have_count(len(slots))
    typed, expected = plan(
        [("keys", "1231k3201"), ("na", "No wireless at this site"), ("keys", "321kk2jj13321213jj2")],
        len(slots),
    )
    assert len(expected) >= 12 and len({s for s, _ in expected.values()}) == 5
    page.keyboard.type(typed, delay=KEY_GAP_MS)
    # Saves take at least 400 ms each (8 s for 20 rows), one after the other: typing ended well before they could all be done.
    assert page.locator("tr[data-save-state=saved]").count() < len(expected)
    wait_until_saved(page, len(expected))

    stored = {
        r.requirement_id: (r.status, r.comment, r.evidence)
        for r in Response.objects.filter(assessment=long_assessment)
    }
    for index, slot in enumerate(slots):
        status, comment = expected.get(index, ("not_assessed", None))
        if slot is documented:
            assert stored[slot.requirement_id] == (status, "Reviewed in 2025", ["DOC-17"]), slot.ref
        elif index in expected:
            assert stored[slot.requirement_id][:2] == (status, comment or ""), slot.ref
        else:
            assert slot.requirement_id not in stored, slot.ref
        # the page agrees with the database
        assert rows.nth(index).locator(".status-select").input_value() == status
    assert not unload_is_guarded(page)


def test_a_refused_save_shows_the_reason_and_can_be_retried(page, long_assessment, a_contributor):
    first_slot = services.slots(long_assessment)[0]
    attempts = []

    def refuse_first_then_drop_one(route):
        attempts.append(route.request.post_data)
        if len(attempts) == 1:
            route.fulfill(status=422, body="refused for this test", content_type="text/plain; charset=utf-8")
        elif len(attempts) == 3:
            route.abort()  # a lost connection: retried by the page without showing a failure
        else:
            route.continue_()

    log_in(page, a_contributor)
    # Routed before the page loads: no save of this page can reach the server unrouted.
    page.route("**/answer/save/", refuse_first_then_drop_one)
    page.goto(f"/assessments/{long_assessment.pk}/answer/")
    first = page.locator("table.answers tbody tr").first
    page.keyboard.press("1")
    expect(first).to_have_attribute("data-save-state", "failed")
    expect(first.locator(".save-text")).to_contain_text("refused for this test")
    expect(page.locator("#save-status")).to_contain_text("not saved")
    assert unload_is_guarded(page)  # leaving now would lose the answer: the browser asks first
    first.locator(".save-retry").click()
    expect(first).to_have_attribute("data-save-state", "saved")
    page.keyboard.press("k")
    page.keyboard.press("j")
    page.keyboard.press("2")  # the next row; its first attempt is dropped and retried
    wait_until_saved(page, 2)
    assert len(attempts) == 4
    assert Response.objects.get(requirement_id=first_slot.requirement_id).status == "met"
    assert Response.objects.filter(assessment=long_assessment, status="partially_met").count() == 1


def test_g_opens_and_closes_the_rows_guidance(page, assessment, a_contributor, library, zones):
    sr11 = library["sr"].requirements.get(ref="SR 1.1")
    sr11.guidance = {"good": "Every human is identified.", "evidence": ["Account list"], "pitfalls": [],
                     "source": "test", "verified": False}  # fmt: skip
    sr11.save()
    log_in(page, a_contributor)
    page.goto(f"/assessments/{assessment.pk}/answer/?zone={zones['control'].pk}")
    first, second = (
        page.locator("table.answers tbody tr").nth(0),
        page.locator("table.answers tbody tr").nth(1),
    )
    panel = first.locator("details.guidance-panel")
    expect(panel).to_have_count(1)
    expect(second.locator("details.guidance-panel")).to_have_count(0)
    expect(panel.get_by_text("Every human is identified.")).not_to_be_visible()
    page.keyboard.press("g")
    expect(panel.get_by_text("Every human is identified.")).to_be_visible()
    page.keyboard.press("g")
    expect(panel.get_by_text("Every human is identified.")).not_to_be_visible()
    page.keyboard.press("g")  # open again, then answer: the keys still act on the row and the cursor moves on
    page.keyboard.press("1")
    page.keyboard.press("g")  # the next row has no guidance: it says so, nothing else happens
    # in its own line: the save of the "1" finishing meanwhile rewrites the save status, never this note
    expect(page.locator("#answer-note")).to_contain_text("no guidance")
    page.keyboard.press("3")
    wait_until_saved(page, 2)
    statuses = dict(Response.objects.values_list("requirement__ref", "status"))
    assert statuses == {"SR 1.1": "met", "SR 1.1 RE 1": "not_met"}
    expect(panel).to_have_attribute("open", "")


def test_an_inherited_row_becomes_the_zones_own_when_answered_and_owners_save_in_the_queue(
    page, assessment, a_contributor, library, zones
):
    sr11 = library["sr"].requirements.get(ref="SR 1.1")
    services.set_response(assessment, services.Answer(sr11.pk, None, "met", comment="One IdP"), a_contributor)
    log_in(page, a_contributor)
    page.goto(f"/assessments/{assessment.pk}/answer/?zone={zones['dmz'].pk}")
    first = page.locator("table.answers tbody tr").first
    expect(first.locator(".inherited-note")).to_have_text("inherited from site")
    expect(first.locator(".status-select")).to_have_value("met")  # the status in force
    first.locator(".owner-select").select_option(label=a_contributor.username)  # saved, status untouched
    wait_until_saved(page, 1)
    own = Response.objects.get(requirement=sr11, zone=zones["dmz"])
    assert (own.owner_id, own.status) == (a_contributor.pk, "not_assessed")  # still inherits the status
    expect(first.locator(".inherited-note")).to_have_count(1)
    first.click()
    page.keyboard.press("3")  # the DMZ's own answer now: not met
    wait_until_saved(page, 1)
    expect(first.locator(".inherited-note")).to_have_count(0)
    expect(first.locator("button.override")).to_have_count(0)
    own.refresh_from_db()
    assert (own.status, own.owner_id) == ("not_met", a_contributor.pk)
    assert Response.objects.get(requirement=sr11, zone__isnull=True).status == "met"  # the site's unchanged
