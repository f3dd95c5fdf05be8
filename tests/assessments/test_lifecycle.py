"""The assessment lifecycle (issue 7, finding 8): who may complete and reopen, through the API and the pages;
a completed assessment refuses every answer; every refusal changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import audit_count, make_user

from otcsms.assessments import lifecycle, services, signoff
from otcsms.assessments.models import Assessment, Response
from otcsms.core.models import AuditEvent

PERSONAS = ["org_admin", "approver", "a_contributor", "auditor", "b_viewer", "outsider"]
# What each persona gets when it tries a transition: approvers and site admins may, contributors and
# auditors see the assessment but may not (403), users without a role at site A do not see it (404).
TRANSITION_STATUS = {"org_admin": 200, "approver": 200, "a_contributor": 403, "auditor": 403,
                     "b_viewer": 404, "outsider": 404}  # fmt: skip
# Answering a completed assessment: whoever may answer gets 409 (the state), the rest as above.
ANSWER_STATUS = {"org_admin": 409, "approver": 409, "a_contributor": 409, "auditor": 403,
                 "b_viewer": 404, "outsider": 404}  # fmt: skip


@pytest.fixture
def approver(site_a):
    return make_user("april", roles={site_a: "approver"})


@pytest.fixture
def people(request, org_admin, approver, a_contributor, auditor, b_viewer, outsider):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


@pytest.fixture
def assessment(site_a, library, zones, a_contributor):
    assessment = services.create_assessment(site=site_a, framework=library["sr"], name="2026 baseline")
    sr = library["sr"]
    control = zones["control"].pk
    services.set_responses(
        assessment,
        [services.Answer(sr.requirements.get(ref=ref).pk, control, status) for ref, status in
         (("SR 1.1", "met"), ("SR 1.3", "not_met"), ("SR 5.1", "partially_met"))],
        a_contributor,
    )  # fmt: skip
    return assessment


@pytest.fixture
def completed(assessment, approver):
    return signoff.complete_assessment(assessment, approver, "Reviewed with the plant manager")


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state_of(assessment) -> tuple:
    fresh = Assessment.objects.get(pk=assessment.pk)
    return fresh.state, fresh.completed_on, fresh.completed_by_id


def last_assessment_event() -> AuditEvent:
    return (
        AuditEvent.objects.filter(object_type="assessments.assessment", action="update")
        .order_by("-seq")
        .first()
    )


def answer_body(library, zones, status="met") -> dict:
    sr11 = library["sr"].requirements.get(ref="SR 1.1")
    return {"answers": [{"requirement_id": sr11.pk, "zone_id": zones["control"].pk, "status": status}]}


# --- complete -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_complete_through_the_api(api, people, persona, assessment):
    client = api(people[persona])
    before = (audit_count(), state_of(assessment))
    r = client.post(f"/assessments/{assessment.pk}/complete", {"reason": "Reviewed"})
    assert r.status_code == TRANSITION_STATUS[persona], r.content
    if r.status_code == 200:
        assert r.json()["state"] == "completed" and r.json()["completed_by_id"] == people[persona].pk
        event = last_assessment_event()
        assert event.actor_user_id == people[persona].pk and event.payload["reason"] == "Reviewed"
    else:
        assert "detail" in r.json()
        assert (audit_count(), state_of(assessment)) == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_complete_through_the_page(people, persona, assessment):
    client = browser(people[persona])
    before = (audit_count(), state_of(assessment))
    r = client.post(reverse("web:assessment_complete", args=[assessment.pk]), {"reason": ""})
    expected = {200: 302}.get(TRANSITION_STATUS[persona], TRANSITION_STATUS[persona])
    assert r.status_code == expected
    if expected == 302:
        assert state_of(assessment)[0] == "completed"
    else:
        assert (audit_count(), state_of(assessment)) == before
        if expected == 403:
            assert "approver or site admin" in r.content.decode()


def test_the_approver_who_gave_most_answers_may_not_complete(api, approver, assessment, library, zones):
    sr = library["sr"]
    services.set_responses(
        assessment,
        [services.Answer(sr.requirements.get(ref=ref).pk, zones["control"].pk, "met") for ref in ("SR 1.1", "SR 1.3")],
        approver,
    )  # fmt: skip
    client = api(approver)
    before = (audit_count(), state_of(assessment))
    r = client.post(f"/assessments/{assessment.pk}/complete", {})
    assert r.status_code == 403 and "second pair of eyes" in r.json()["detail"]
    assert (audit_count(), state_of(assessment)) == before
    other = make_user("sam", roles={assessment.site: "site-admin"})
    assert api(other).post(f"/assessments/{assessment.pk}/complete", {}).status_code == 200


def test_nothing_answered_is_nothing_to_complete(api, approver, site_a, library, zones):
    empty = services.create_assessment(site=site_a, framework=library["sr"], name="Not started")
    client = api(approver)
    before = audit_count()
    r = client.post(f"/assessments/{empty.pk}/complete", {})
    assert r.status_code == 409 and "nothing has been answered" in r.json()["detail"]
    assert audit_count() == before


def test_a_completed_assessment_cannot_be_completed_again(api, approver, org_admin, completed):
    client = api(org_admin)
    before = audit_count()
    r = client.post(f"/assessments/{completed.pk}/complete", {})
    assert r.status_code == 409 and "completed" in r.json()["detail"]
    assert audit_count() == before


# --- reopen ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_reopen_through_the_api(api, people, persona, completed):
    client = api(people[persona])
    before = (audit_count(), state_of(completed))
    r = client.post(
        f"/assessments/{completed.pk}/reopen", {"reason": "Auditor found SR 1.3 evidence outdated"}
    )
    assert r.status_code == TRANSITION_STATUS[persona], r.content
    if r.status_code == 200:
        assert r.json()["state"] == "in_progress" and r.json()["completed_on"] is None
        event = last_assessment_event()
        assert event.payload["reason"] == "Auditor found SR 1.3 evidence outdated"
        assert event.actor_user_id == people[persona].pk
    else:
        assert (audit_count(), state_of(completed)) == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_reopen_through_the_page(people, persona, completed):
    client = browser(people[persona])
    before = (audit_count(), state_of(completed))
    r = client.post(reverse("web:assessment_reopen", args=[completed.pk]), {"reason": "New zone in scope"})
    expected = {200: 302}.get(TRANSITION_STATUS[persona], TRANSITION_STATUS[persona])
    assert r.status_code == expected
    if expected == 302:
        assert state_of(completed)[0] == "in_progress"
        event = last_assessment_event()
        assert event.payload["reason"] == "New zone in scope"
    else:
        assert (audit_count(), state_of(completed)) == before


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001, "bad\x00byte"])
def test_reopening_needs_a_reason(api, approver, completed, reason):
    client = api(approver)
    before = (audit_count(), state_of(completed))
    r = client.post(f"/assessments/{completed.pk}/reopen", {"reason": reason})
    assert r.status_code == 422, r.content
    assert (audit_count(), state_of(completed)) == before
    page = browser(approver).post(reverse("web:assessment_reopen", args=[completed.pk]), {"reason": reason})
    assert page.status_code in (400, 422)  # a NUL byte is refused before the view (core middleware)
    assert (audit_count(), state_of(completed)) == before


def test_an_assessment_in_progress_cannot_be_reopened(api, approver, assessment):
    client = api(approver)
    before = audit_count()
    r = client.post(f"/assessments/{assessment.pk}/reopen", {"reason": "why not"})
    assert r.status_code == 409 and audit_count() == before


# --- a completed assessment refuses answers and edits ---------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_completed_assessment_refuses_api_answers(api, people, persona, completed, library, zones):
    client = api(people[persona])
    response = Response.objects.filter(assessment=completed).first()
    before = (audit_count(), list(Response.objects.order_by("pk").values_list("status", "comment")))
    r = client.post(f"/assessments/{completed.pk}/answers", answer_body(library, zones, "not_met"))
    assert r.status_code == ANSWER_STATUS[persona], r.content
    assert "detail" in r.json()
    if r.status_code == 409:
        assert "completed" in r.json()["detail"]
    r = client.patch(f"/responses/{response.pk}", {"status": "not_met"})
    assert r.status_code == ANSWER_STATUS[persona], r.content
    assert (audit_count(), list(Response.objects.order_by("pk").values_list("status", "comment"))) == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("htmx", [True, False])
def test_a_completed_assessment_refuses_page_answers(people, persona, htmx, completed, library, zones):
    client = browser(people[persona])
    sr11 = library["sr"].requirements.get(ref="SR 1.1")
    before = (audit_count(), list(Response.objects.order_by("pk").values_list("status", "comment")))
    r = client.post(
        reverse("web:assessment_answer_save", args=[completed.pk]),
        {"slot": f"{sr11.pk}:{zones['control'].pk}", "status": "not_met"},
        headers={"HX-Request": "true"} if htmx else {},
    )
    assert r.status_code == ANSWER_STATUS[persona]
    if r.status_code == 409:
        assert "read-only" in r.content.decode()
    assert (audit_count(), list(Response.objects.order_by("pk").values_list("status", "comment"))) == before


def test_the_answer_page_of_a_completed_assessment_is_read_only(a_contributor, approver, completed):
    page = browser(a_contributor).get(reverse("web:assessment_answer", args=[completed.pk])).content.decode()
    assert 'id="read-only"' in page and "status-select" not in page and "comment-input" not in page
    detail = browser(approver).get(reverse("web:assessment_detail", args=[completed.pk])).content.decode()
    assert "Reopen" in detail and reverse("web:assessment_reopen", args=[completed.pk]) in detail
    assert "Answer</a>" not in detail


def test_the_detail_page_offers_completion_to_approvers_only(a_contributor, approver, assessment):
    url = reverse("web:assessment_complete", args=[assessment.pk])
    assert (
        url in browser(approver).get(reverse("web:assessment_detail", args=[assessment.pk])).content.decode()
    )
    assert (
        url
        not in browser(a_contributor)
        .get(reverse("web:assessment_detail", args=[assessment.pk]))
        .content.decode()
    )


def test_a_completed_assessment_cannot_be_edited_or_deleted(api, org_admin, completed):
    client = api(org_admin)
    before = (audit_count(), state_of(completed))
    assert client.patch(f"/assessments/{completed.pk}", {"name": "Renamed"}).status_code == 409
    assert client.delete(f"/assessments/{completed.pk}").status_code == 409
    assert (audit_count(), state_of(completed)) == before
    assert Assessment.objects.get(pk=completed.pk).name == "2026 baseline"


def test_patch_cannot_change_the_state(api, a_contributor, assessment):
    client = api(a_contributor)
    before = (audit_count(), state_of(assessment))
    for body in (
        {"state": "completed"},
        {"completed_on": "2026-01-01"},
        {"name": "x", "state": "in_progress"},
    ):
        r = client.patch(f"/assessments/{assessment.pk}", body)
        assert r.status_code == 422 and "/complete" in str(r.json()["detail"]), r.content
    assert (audit_count(), state_of(assessment)) == before


def test_answers_are_taken_again_after_reopening(api, approver, a_contributor, completed, library, zones):
    signoff.reopen_assessment(completed, approver, "Late evidence for SR 1.1")
    r = api(a_contributor).post(
        f"/assessments/{completed.pk}/answers", answer_body(library, zones, "not_met")
    )
    assert r.status_code == 200, r.content


def test_a_stale_instance_cannot_answer_after_completion(assessment, approver, a_contributor, library, zones):
    """The state is read under a lock when the answers are written, not from the caller's copy."""
    stale = Assessment.objects.select_related("framework").get(pk=assessment.pk)
    signoff.complete_assessment(assessment, approver)
    sr11 = library["sr"].requirements.get(ref="SR 1.1")
    with pytest.raises(services.AssessmentStateError):
        services.set_response(stale, services.Answer(sr11.pk, zones["control"].pk, "not_met"), a_contributor)


# --- the rules, without a database ---------------------------------------------------------------


def test_four_eyes_rule():
    assert lifecycle.four_eyes_problem(1, {1: 3, 2: 3}) is None  # half is not most
    assert lifecycle.four_eyes_problem(1, {1: 4, 2: 3}) is not None
    assert lifecycle.four_eyes_problem(1, {None: 5}) is None  # imported answers: anyone may sign off
    assert lifecycle.completion_problem({}) is not None
    assert lifecycle.completion_problem({2: 1}) is None


def test_transition_table():
    assert [t.name for t in lifecycle.available("in_progress")] == ["complete"]
    assert [t.name for t in lifecycle.available("completed")] == ["reopen"]
    assert all(t.action == "approve" for t in lifecycle.TRANSITIONS.values())
    assert lifecycle.REOPEN.reason_required and not lifecycle.COMPLETE.reason_required
    assert lifecycle.answerable("in_progress") and not lifecycle.answerable("completed")
