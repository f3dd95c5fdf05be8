"""The cached inference state is checked against a real version of the assessment, moved by every answer in
the transaction of the answer, never against clocks or counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from otcsms.assessments import services, state
from otcsms.assessments.models import Assessment, Response

IA_2 = ("nist-sp800-53r5", "IA-2")


@pytest.fixture
def assessment(site_a, library, zones, a_contributor):
    return services.create_assessment(
        site=site_a, framework=library["sr"], name="2026 baseline", assessor=a_contributor
    )


def version(assessment) -> int:
    return Assessment.objects.get(pk=assessment.pk).inference_version


def answer(assessment, library, zones, ref, status, zone="control"):
    requirement = library["sr"].requirements.get(ref=ref)
    return services.Answer(requirement.pk, zones[zone].pk, status)


def test_every_write_of_answers_moves_the_version_once(assessment, library, zones, a_contributor):
    assert version(assessment) == 0
    services.set_response(assessment, answer(assessment, library, zones, "SR 1.1", "met"), a_contributor)
    assert version(assessment) == 1
    many = [answer(assessment, library, zones, ref, "not_met") for ref in ("SR 1.1", "SR 1.3", "SR 5.1")]
    services.set_responses(assessment, many, a_contributor)
    assert version(assessment) == 2
    with pytest.raises(services.AssessmentInputError):  # refused: nothing written, the version stays
        services.set_response(assessment, answer(assessment, library, zones, "SR 1.1", "not_applicable"))
    assert version(assessment) == 2


def test_a_committed_answer_updates_the_cached_engine_in_place(
    assessment, library, zones, a_contributor, django_capture_on_commit_callbacks
):
    control = zones["control"].pk
    cached = services.inference_state(assessment)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_response(assessment, answer(assessment, library, zones, "SR 1.1", "met"), a_contributor)
    assert cached.revision[0] == version(assessment) == 1
    again = services.inference_state(assessment)
    assert again is cached, "one answer is applied incrementally, not by a rebuild"
    assert again.engine.result(control, IA_2).status == "met"


def test_a_rolled_back_answer_never_reaches_the_cache(assessment, library, zones, a_contributor):
    control = zones["control"].pk
    cached = services.inference_state(assessment)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.set_response(assessment, answer(assessment, library, zones, "SR 1.1", "met"), a_contributor)
        raise RuntimeError("the request failed after the answer was written")
    assert version(assessment) == 0
    assert services.inference_state(assessment) is cached
    assert cached.engine.result(control, IA_2).status == "not_assessed"
    # a later, different answer moves the version past the cached one: the cache is rebuilt from the database
    services.set_response(assessment, answer(assessment, library, zones, "SR 1.1", "not_met"), a_contributor)
    assert services.inference_state(assessment).engine.result(control, IA_2).status == "not_met"


def test_a_server_whose_clock_is_behind_is_not_missed(assessment, library, zones, a_contributor):
    """The old freshness check (count, highest id, latest answered_at) missed a status changed by a server
    whose clock was behind: none of the three moved. The version does."""
    control = zones["control"].pk
    services.set_response(assessment, answer(assessment, library, zones, "SR 1.1", "met"), a_contributor)
    assert services.inference_state(assessment).engine.result(control, IA_2).status == "met"
    response = Response.objects.get(assessment=assessment, requirement__ref="SR 1.1", zone_id=control)
    with transaction.atomic():  # what the other server's service does, with its clock an hour behind
        response.status = "not_met"
        response.answered_at = timezone.now() - timedelta(hours=1)
        response.save()
        state.bump_inference_version(assessment.pk)
    assert services.inference_state(assessment).engine.result(control, IA_2).status == "not_met"


def test_saving_an_assessment_read_earlier_keeps_the_newer_version(assessment, library, zones, a_contributor):
    earlier = Assessment.objects.get(pk=assessment.pk)
    services.set_response(assessment, answer(assessment, library, zones, "SR 1.1", "met"), a_contributor)
    earlier.name = "2026 baseline (renamed)"
    earlier.save()
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.name, stored.inference_version) == ("2026 baseline (renamed)", 1)
