"""An answer changes only the fields it gives: a status set in the UI or the API keeps the evidence and the
maturity set before (issue 7, finding 11), and clearing a field is still possible, explicitly."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.assessments.fixtures import framework
from tests.conftest import audit_count

from otcsms.assessments import services
from otcsms.assessments.models import Response

EVIDENCE = ["DOC-17 password policy", "https://intranet.example/doc/18"]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def maturity_fw(library):
    return framework(
        "iec62443-2-1-2024", "IEC 62443-2-1:2024",
        [("ORG 1", None, "Security related organisation", False, {}),
         ("ORG 1.1", "ORG 1", "Security roles", True, {}),
         ("ORG 1.2", "ORG 1", "Security awareness", True, {})],
        levels={"scheme": "maturity-level"},
    )  # fmt: skip


@pytest.fixture
def assessment(site_a, maturity_fw, a_contributor):
    return services.create_assessment(
        site=site_a, framework=maturity_fw, name="CSMS maturity", target_maturity=3
    )


@pytest.fixture
def org11(maturity_fw):
    return maturity_fw.requirements.get(ref="ORG 1.1")


@pytest.fixture
def documented(api, a_contributor, assessment, org11) -> Response:
    """A response with everything set through the API: status, maturity, comment and evidence."""
    r = api(a_contributor).post(f"/assessments/{assessment.pk}/answers", {"answers": [
        {"requirement_id": org11.pk, "status": "met", "maturity": 3, "comment": "Roles in the RACI",
         "evidence": EVIDENCE},
    ]})  # fmt: skip
    assert r.status_code == 200, r.content
    return Response.objects.get(assessment=assessment, requirement=org11)


def stored(response: Response) -> tuple:
    response.refresh_from_db()
    return response.status, response.maturity, response.comment, response.evidence


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def save_url(assessment) -> str:
    return reverse("web:assessment_answer_save", args=[assessment.pk])


def test_pressing_a_status_key_keeps_evidence_maturity_and_comment(
    a_contributor, assessment, org11, documented
):
    # What the answer page's script posts when "3" is pressed: the slot and the status, nothing else.
    r = browser(a_contributor).post(
        save_url(assessment), {"slot": f"{org11.pk}:", "status": "not_met"}, headers=HTMX
    )
    assert r.status_code == 200, r.content
    assert stored(documented) == ("not_met", 3, "Roles in the RACI", EVIDENCE)


def test_editing_the_comment_in_the_ui_keeps_status_evidence_and_maturity(
    a_contributor, assessment, org11, documented
):
    r = browser(a_contributor).post(
        save_url(assessment), {"slot": f"{org11.pk}:", "comment": "Checked again"}, headers=HTMX
    )
    assert r.status_code == 200, r.content
    assert stored(documented) == ("met", 3, "Checked again", EVIDENCE)


def test_the_bulk_bar_keeps_comments_when_its_comment_is_empty(a_contributor, assessment, org11, documented):
    r = browser(a_contributor).post(
        save_url(assessment), {"slot": [f"{org11.pk}:"], "status": "partially_met", "comment": "", "empty_comment": "keep"}
    )  # fmt: skip
    assert r.status_code == 302
    assert stored(documented) == ("partially_met", 3, "Roles in the RACI", EVIDENCE)


def test_api_answer_with_a_status_only_keeps_the_rest(api, a_contributor, assessment, org11, documented):
    client = api(a_contributor)
    r = client.post(
        f"/assessments/{assessment.pk}/answers",
        {"answers": [{"requirement_id": org11.pk, "status": "not_met"}]},
    )
    assert r.status_code == 200, r.content
    assert r.json()[0]["evidence"] == EVIDENCE and r.json()[0]["maturity"] == 3
    assert stored(documented) == ("not_met", 3, "Roles in the RACI", EVIDENCE)
    r = client.patch(f"/responses/{documented.pk}", {"status": "partially_met"})
    assert r.status_code == 200, r.content
    assert stored(documented) == ("partially_met", 3, "Roles in the RACI", EVIDENCE)


def test_not_applicable_may_rely_on_the_stored_comment(api, a_contributor, assessment, org11, documented):
    r = api(a_contributor).patch(f"/responses/{documented.pk}", {"status": "not_applicable"})
    assert r.status_code == 200, r.content
    assert stored(documented)[0] == "not_applicable"
    # ... but clearing that comment would leave "not applicable" without a reason
    client = api(a_contributor)
    before = audit_count()
    r = client.patch(f"/responses/{documented.pk}", {"comment": ""})
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    assert audit_count() == before and stored(documented)[2] == "Roles in the RACI"


def test_clearing_is_explicit(api, a_contributor, assessment, org11, documented):
    client = api(a_contributor)
    r = client.post(f"/assessments/{assessment.pk}/answers", {"answers": [
        {"requirement_id": org11.pk, "maturity": None, "evidence": [], "comment": ""},
    ]})  # fmt: skip
    assert r.status_code == 200, r.content
    assert stored(documented) == ("met", None, "", [])


def test_the_ui_clears_maturity_with_an_empty_value(a_contributor, assessment, org11, documented):
    client = browser(a_contributor)
    r = client.post(save_url(assessment), {"slot": f"{org11.pk}:", "maturity": "2"}, headers=HTMX)
    assert r.status_code == 200 and stored(documented)[1] == 2
    r = client.post(save_url(assessment), {"slot": f"{org11.pk}:", "maturity": ""}, headers=HTMX)
    assert r.status_code == 200 and stored(documented) == ("met", None, "Roles in the RACI", EVIDENCE)


@pytest.mark.parametrize(
    "answer,reason",
    [
        ({"status": None}, "null"),
        ({"comment": None}, "null"),
        ({"evidence": None}, "null"),
        ({}, "at least one"),
        ({"maturity": 5}, "maturity"),
        ({"evidence": [""]}, "evidence"),
        ({"comment": "bad\x00byte"}, "NUL"),
    ],
)
def test_refused_partial_answers_change_nothing(
    api, a_contributor, assessment, org11, documented, answer, reason
):
    client = api(a_contributor)  # issuing a token is audited too: before counting
    before = (audit_count(), stored(documented))
    r = client.post(
        f"/assessments/{assessment.pk}/answers", {"answers": [{"requirement_id": org11.pk, **answer}]}
    )
    assert r.status_code == 422, r.content
    assert reason in str(r.json()["detail"])
    assert (audit_count(), stored(documented)) == before


def test_a_new_response_given_only_evidence_starts_not_assessed(api, a_contributor, assessment, maturity_fw):
    org12 = maturity_fw.requirements.get(ref="ORG 1.2")
    r = api(a_contributor).post(
        f"/assessments/{assessment.pk}/answers",
        {"answers": [{"requirement_id": org12.pk, "evidence": ["DOC-1"]}]},
    )
    assert r.status_code == 200, r.content
    assert r.json()[0]["status"] == "not_assessed" and r.json()[0]["evidence"] == ["DOC-1"]


def test_several_answers_for_one_requirement_apply_in_order(
    api, a_contributor, assessment, org11, documented
):
    r = api(a_contributor).post(f"/assessments/{assessment.pk}/answers", {"answers": [
        {"requirement_id": org11.pk, "status": "not_met"},
        {"requirement_id": org11.pk, "comment": "Second thoughts"},
        {"requirement_id": org11.pk, "status": "partially_met"},
    ]})  # fmt: skip
    assert r.status_code == 200, r.content
    assert len(r.json()) == 1
    assert stored(documented) == ("partially_met", 3, "Second thoughts", EVIDENCE)


def test_answer_fields_left_out_are_not_given():
    answer = services.Answer(1, None, status="met")
    assert answer.given() == {"status": "met"}
    assert services.Answer(1, None, maturity=None, comment="").given() == {"maturity": None, "comment": ""}
