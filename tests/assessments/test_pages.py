"""Assessment pages: overview, answering (one row, bulk), inferred detail; scoped like everything else."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.assessments import services
from otcsms.assessments.models import Response


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def assessment(site_a, library, zones, a_contributor):
    return services.create_assessment(
        site=site_a, framework=library["sr"], name="Baseline", assessor=a_contributor
    )


def test_pages_render_for_a_contributor(a_contributor, assessment, library, zones):
    client = logged_in(a_contributor)
    sr11 = library["sr"].requirements.get(ref="SR 1.1")
    services.set_response(assessment, services.Answer(sr11.pk, zones["control"].pk, "not_met"), a_contributor)
    for url in [reverse("web:assessment_list"), reverse("web:assessment_create"),
                reverse("web:assessment_detail", args=[assessment.pk]),
                reverse("web:assessment_answer", args=[assessment.pk]) + "?status=not_met",
                reverse("web:assessment_inferred", args=[assessment.pk]) + "?framework=nist-sp800-53r5&requirement=IA-2"
                + f"&zone={zones['control'].pk}"]:  # fmt: skip
        r = client.get(url)
        assert r.status_code == 200, url
    detail = client.get(reverse("web:assessment_detail", args=[assessment.pk])).content.decode()
    assert "SL-A / SL-T" in detail and "NIST SP 800-53" in detail and "Gaps (1)" in detail


def test_bulk_answer_from_the_answer_page(a_contributor, assessment, library, zones):
    client = logged_in(a_contributor)
    control = zones["control"].pk
    slots = [f"{library['sr'].requirements.get(ref=ref).pk}:{control}" for ref in ("SR 1.1", "SR 1.3")]
    r = client.post(
        reverse("web:assessment_answer_save", args=[assessment.pk]), {"slot": slots, "status": "met"}
    )
    assert r.status_code == 302
    assert Response.objects.filter(status="met").count() == 2
    r = client.post(reverse("web:assessment_answer_save", args=[assessment.pk]),
                    {"slot": slots[:1], "status": "not_applicable"}, headers={"HX-Request": "true"})  # fmt: skip
    assert r.status_code == 422 and "reason" in r.content.decode()
    r = client.post(reverse("web:assessment_answer_save", args=[assessment.pk]), {"slot": ["../etc", "1:x"],
                    "status": "met"})  # fmt: skip
    assert r.status_code == 400


def test_viewer_and_outsider(b_viewer, outsider, assessment):
    for user in (b_viewer, outsider):
        client = logged_in(user)
        assert client.get(reverse("web:assessment_detail", args=[assessment.pk])).status_code == 404
        assert (
            client.post(
                reverse("web:assessment_answer_save", args=[assessment.pk]), {"slot": "1:", "status": "met"}
            ).status_code
            == 404
        )
