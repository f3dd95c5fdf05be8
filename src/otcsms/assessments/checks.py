"""Continuous checks of the gap assessments (registered in the core check registry)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from django.db.models import Max
from django.utils import timezone

from otcsms.assessments.models import Assessment
from otcsms.checks.engine import Problem, check

STALE_AFTER = timedelta(days=365)


def last_updated(assessment: Assessment) -> datetime:
    """When the assessment last changed in substance: its latest answer, else the day it was completed or
    started (an assessment nobody answered is as old as its start)."""
    latest = getattr(assessment, "last_answer", None)
    if latest is not None:
        return latest
    day = assessment.completed_on or assessment.started_on
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


@check(
    id="assessments.not-updated",
    title="Assessment not updated in 12 months",
    severity="medium",
    requirements=(("iec62443-2-1-2010", "4.2.3.10"), ("iec62443-2-1-2024", "ORG 2.1")),
    remediation="Re-assess: start a new assessment of the framework (or reopen and update this one) so the "
    "gaps and SL-A reflect the plant as it is today.",
)
def assessments_not_updated(site) -> Iterator[Problem]:
    # Per framework only the newest assessment counts: an old one replaced by a newer one is history, not a gap.
    newest: dict[str, Assessment] = {}
    assessments = (
        Assessment.objects.filter(site=site)
        .select_related("framework", "site")
        .annotate(last_answer=Max("responses__answered_at"))
        .order_by("started_on", "pk")
    )
    for candidate in assessments:
        newest[candidate.framework.key] = candidate
    cutoff = timezone.now() - STALE_AFTER
    for assessment in newest.values():
        updated = last_updated(assessment)
        if updated < cutoff:
            yield Problem(
                assessment,
                f"assessment {assessment.name} ({assessment.framework.name}) was last updated on "
                f"{updated:%Y-%m-%d}",
            )
