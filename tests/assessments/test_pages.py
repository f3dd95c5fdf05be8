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
        assert client.get(reverse("web:assessment_inferred", args=[assessment.pk])).status_code == 404
        assert client.get(reverse("web:assessment_inferred_list", args=[assessment.pk])).status_code == 404


def visible_text(html: str) -> str:
    """What a reader sees: the page without tags (and so without the keys inside links)."""
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def answered(assessment, library, zones, a_contributor):
    control = zones["control"].pk
    answers = [
        services.Answer(library["sr"].requirements.get(ref=ref).pk, control, status)
        for ref, status in (("SR 1.1", "not_met"), ("SR 1.3", "met"), ("SR 5.1", "met"))
    ]
    services.set_responses(assessment, answers, a_contributor)
    return control


def test_why_page_explains_an_inferred_status_hop_by_hop_in_plain_words(a_contributor, assessment, answered):
    why = reverse("web:assessment_inferred", args=[assessment.pk])
    html = logged_in(a_contributor).get(
        why, {"framework": "nist-sp800-53r5", "requirement": "IA-2", "zone": answered}
    )
    text = visible_text(html.content.decode())
    assert "zone Control" in text and "not met inferred from 1 answer" in text
    assert "SR 1.1 Identify humans (IEC 62443-3-3) is answered not met in Control and gives not met" in text
    assert (
        "SR 1.1 (IEC 62443-3-3) asks the same as IA-2 (NIST SP 800-53) (strength 8/10) : SR 1.1 equal IA-2"
        in text
    )
    assert "SR 1.1 asks the same as IA-2, so IA-2 is not met as SR 1.1 is." in text
    assert "nist-sp800-53r5" not in text and "iec62443-3-3" not in text  # names, never keys


def test_why_page_says_partial_evidence_in_plain_words(a_contributor, assessment, answered):
    why = reverse("web:assessment_inferred", args=[assessment.pk])
    html = logged_in(a_contributor).get(
        why, {"framework": "nist-sp800-53r5", "requirement": "AC-2", "zone": answered}
    )
    text = visible_text(html.content.decode())
    assert "partially met inferred" in text and "Partially evidenced:" in text
    assert "SR 1.3 (IEC 62443-3-3) overlaps with AC-2 (NIST SP 800-53) (strength 5/10)" in text
    assert (
        "SR 1.3 overlaps with AC-2: SR 1.3 met shows part of AC-2 met (partial evidence), not all of it."
        in text
    )


def test_why_page_of_a_direct_answer_lists_what_it_gives(a_contributor, assessment, answered):
    why = reverse("web:assessment_inferred", args=[assessment.pk])
    client = logged_in(a_contributor)
    sr51 = visible_text(
        client.get(
            why, {"framework": "iec62443-3-3", "requirement": "SR 5.1", "zone": answered}
        ).content.decode()
    )
    assert "met answered directly" in sr51 and "What this answer gives other frameworks" in sr51
    assert "SC-7 Boundary protection NIST SP 800-53 met" in sr51  # superset: a met carries
    assert "CIP-005-7 R1 ESP NERC CIP met" in sr51
    sr11 = visible_text(
        client.get(
            why, {"framework": "iec62443-3-3", "requirement": "SR 1.1", "zone": answered}
        ).content.decode()
    )
    assert "IA-2 Identify users NIST SP 800-53 not met" in sr11


def test_why_is_reachable_from_the_answer_rows_the_gap_list_and_the_coverage_bars(
    a_contributor, assessment, answered
):
    client = logged_in(a_contributor)
    why = reverse("web:assessment_inferred", args=[assessment.pk])
    listing = reverse("web:assessment_inferred_list", args=[assessment.pk])
    answer_page = client.get(reverse("web:assessment_answer", args=[assessment.pk])).content.decode()
    assert f'href="{why}?framework=iec62443-3-3&amp;requirement=SR%201.1&amp;zone={answered}"' in answer_page
    detail = client.get(reverse("web:assessment_detail", args=[assessment.pk])).content.decode()
    gaps = detail[detail.index('<table class="data gaps">') :]
    assert f'href="{why}?framework=iec62443-3-3&amp;requirement=SR%201.1&amp;zone={answered}"' in gaps
    assert f'href="{listing}?framework=nist-sp800-53r5&amp;status=not_met"' in detail  # a part of a bar
    assert f'href="{listing}?framework=nerc-cip"' in detail  # a framework's bar
    page = client.get(listing, {"framework": "nist-sp800-53r5", "status": "not_met"}).content.decode()
    assert f'href="{why}?framework=nist-sp800-53r5&amp;requirement=IA-2&amp;zone={answered}"' in page
    assert "AC-2" not in visible_text(page)  # partially met, filtered out
    everything = visible_text(client.get(listing, {"framework": "nist-sp800-53r5"}).content.decode())
    assert "3 inferred results" in everything and "partial evidence" in everything
    for odd in ({"framework": "iec62443-3-3"}, {"framework": "nope", "status": "x"}, {}):
        assert client.get(listing, odd).status_code == 200
