"""Site A's approver and a gap assessment of site A against the small library (tests.assessments.fixtures)."""

from __future__ import annotations

import pytest

from otcsms.assessments.models import Assessment, Response
from otcsms.roadmap.models import Action
from tests.conftest import make_user


@pytest.fixture
def a_approver(site_a):
    return make_user("april", roles={site_a: "approver"})


@pytest.fixture
def gap_assessment(site_a, library):
    """SR 1.1 and SR 1.3 not met, SR 5.1 partially met, SR 1.1 RE 1 met."""
    sr = library["sr"]
    assessment = Assessment.objects.create(site=site_a, framework=sr, name="Baseline 2026")
    for ref, status in (("SR 1.1", "not_met"), ("SR 1.3", "not_met"), ("SR 5.1", "partially_met"),
                        ("SR 1.1 RE 1", "met")):  # fmt: skip
        Response.objects.create(site=site_a, assessment=assessment, requirement=sr.requirements.get(ref=ref),
                                status=status)  # fmt: skip
    return assessment


def action(site, title, **extra) -> Action:
    return Action.objects.create(site=site, title=title, **extra)
