"""No 5xx from odd parameters (issue 7, finding 4): every assessment page and endpoint, GET and POST, with
values such as "²", a 31-digit number, "-1", "", "1:²" and NUL bytes gets a 4xx or ignores them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import audit_count

from otcsms.assessments import services, urls
from otcsms.assessments.models import Response

HUGE = "1" + "0" * 30  # 10**30 written out
ODD = [
    "²",
    HUGE,
    "-1",
    "",
    "1:²",
    "\x00",
    "1:\x00",
    f"1:{HUGE}",
    f"{HUGE}:1",
    "１",
    "0",
    " 1",
    "1:-1",
    ":",
    "x" * 5000,
]
PARAMS = ["zone", "status", "group", "slot", "maturity", "comment", "framework", "requirement", "reason", "q",
          "page", "site", "name", "zones", "target_maturity", "description", "empty_comment"]  # fmt: skip
ODD_PATH_IDS = ["%C2%B2", HUGE, "-1", "0", "%00", "1%3A2"]


@pytest.fixture
def assessment(site_a, library, zones, a_contributor):
    assessment = services.create_assessment(site=site_a, framework=library["sr"], name="Baseline")
    sr11 = library["sr"].requirements.get(ref="SR 1.1")
    services.set_response(assessment, services.Answer(sr11.pk, zones["control"].pk, "met"), a_contributor)
    return assessment


ROUTE_NAMES = [pattern.name for pattern in urls.urlpatterns]  # a new page is covered unasked


def route(name: str, pk: int) -> str:
    pattern = next(p for p in urls.urlpatterns if p.name == name)
    return reverse(f"web:{name}", args=[pk] if "pk" in pattern.pattern.converters else [])


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", ["a_contributor", "auditor"])  # one who may answer, one who may not
@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_no_page_fails_on_odd_parameters(request, persona, name, assessment):
    client = logged_in(request.getfixturevalue(persona))
    path = route(name, assessment.pk)
    for value in ODD:
        params = dict.fromkeys(PARAMS, value)
        for method, headers in (("get", {}), ("post", {}), ("post", {"HX-Request": "true"})):
            r = getattr(client, method)(path, params, headers=headers)
            assert r.status_code < 500, f"{method.upper()} {path} with {value!r} -> {r.status_code}"
    assert Response.objects.count() == 1  # nothing odd was stored either


def test_odd_ids_in_the_path_are_not_found(a_contributor, assessment):
    client = logged_in(a_contributor)
    for path in (route(name, assessment.pk) for name in ROUTE_NAMES):
        if f"/{assessment.pk}/" not in path:
            continue
        for odd in ODD_PATH_IDS:
            url = path.replace(f"/{assessment.pk}/", f"/{odd}/", 1)
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"slot": "1:", "status": "met"}).status_code == 404, url


@pytest.mark.parametrize(
    "slot,maturity,status",
    [
        ("1:²", None, 400),
        ("²:1", None, 400),
        (f"{HUGE}:", None, 400),
        (f"1:{HUGE}", None, 400),
        ("-1:", None, 400),
        ("", None, 400),
        (None, "²", 400),
        (None, HUGE, 400),
        (None, "-1", 400),
        (None, "5", 400),
        (None, "1.5", 400),
    ],
)
def test_answer_save_refuses_odd_slots_and_maturity(
    a_contributor, assessment, library, zones, slot, maturity, status
):
    client = logged_in(a_contributor)
    sr11 = library["sr"].requirements.get(ref="SR 1.1")
    body = {"slot": slot if slot is not None else f"{sr11.pk}:{zones['control'].pk}", "status": "not_met"}
    if maturity is not None:
        body["maturity"] = maturity
    before = (audit_count(), list(Response.objects.values_list("status", flat=True)))
    r = client.post(
        reverse("web:assessment_answer_save", args=[assessment.pk]), body, headers={"HX-Request": "true"}
    )
    assert r.status_code == status, r.content
    assert r.content  # the script shows this text on the row
    assert (audit_count(), list(Response.objects.values_list("status", flat=True))) == before


def test_the_answer_page_ignores_filters_it_cannot_match(a_contributor, assessment):
    client = logged_in(a_contributor)
    url = reverse("web:assessment_answer", args=[assessment.pk])
    everything = client.get(url).content.decode().count("<tr data-slot")
    for value in ("²", HUGE, "-1", "1:²"):
        page = client.get(url, {"zone": value, "status": value, "group": value})
        assert page.status_code == 200
        assert page.content.decode().count("<tr data-slot") == everything


def test_api_ids_are_bounded(api, a_contributor, assessment, library, zones):
    client = api(a_contributor)
    pk = assessment.pk
    for path, params in [
        ("/assessments", {"site_id": HUGE}), ("/assessments", {"framework_id": "-1"}),
        ("/responses", {"zone_id": HUGE}), ("/responses", {"requirement_id": "²"}),
        (f"/assessments/{pk}/responses", {"zone_id": HUGE}),
        (f"/assessments/{pk}/inferred", {"framework": "nist-sp800-53r5", "requirement": "IA-2", "zone_id": HUGE}),
    ]:  # fmt: skip
        r = client.get(path, **params)
        assert r.status_code == 422, (path, params, r.status_code)
    before = audit_count()
    for answer in [{"requirement_id": int(HUGE), "status": "met"}, {"requirement_id": 0, "status": "met"},
                   {"requirement_id": 1, "zone_id": -1, "status": "met"},
                   {"requirement_id": 1, "zone_id": int(HUGE), "status": "met"}]:  # fmt: skip
        r = client.post(f"/assessments/{pk}/answers", {"answers": [answer]})
        assert r.status_code == 422, (answer, r.content)
    for body in [{"site_id": int(HUGE), "framework_id": 1, "name": "x"},
                 {"site_id": 1, "framework_id": 1, "name": "x", "zone_ids": [int(HUGE)]}]:  # fmt: skip
        assert client.post("/assessments", body).status_code == 422
    assert audit_count() == before
