"""Signing an assessment off and opening it again (the transitions of lifecycle.py, who may make them, four
eyes), and the rule that a signed-off assessment stays as it was signed off."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from otcsms.assessments import lifecycle
from otcsms.assessments.models import Assessment, Response, Status
from otcsms.assessments.services import AssessmentInputError, AssessmentStateError, TransitionForbiddenError
from otcsms.core import inputs
from otcsms.core.audit import with_reason
from otcsms.core.lifecycle import Transition
from otcsms.core.scoping import may_write


def complete_assessment(assessment: Assessment, user, note: str = "") -> Assessment:
    """Sign off an assessment in progress: approvers and site admins, never the one who gave most answers."""
    return _transition(assessment, lifecycle.COMPLETE, user, note)


def reopen_assessment(assessment: Assessment, user, reason: str) -> Assessment:
    """Open a completed assessment for answers again: approvers and site admins, with a reason."""
    return _transition(assessment, lifecycle.REOPEN, user, reason)


def may_transition(user, assessment: Assessment, transition: Transition) -> bool:
    return may_write(user, Assessment, assessment.site_id, transition.action)


def _transition(assessment: Assessment, transition: Transition, user, reason: str) -> Assessment:
    if user is None or not may_transition(user, assessment, transition):
        raise TransitionForbiddenError(
            f"only an approver or site admin of the site may {transition.name} an assessment"
        )
    reason = reason.strip()
    problem = lifecycle.reason_problem(transition, reason)
    if problem is None and (text := inputs.text_problem(reason, multiline=True)):
        problem = f"the reason {text}"
    if problem:
        raise AssessmentInputError(problem)
    with transaction.atomic():
        # Locked, so two approvers (or an approver and an answer) cannot interleave on this assessment.
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        problem = lifecycle.state_problem(transition, locked.state)
        if problem:
            raise AssessmentStateError(problem)
        if transition is lifecycle.COMPLETE:
            answers_by = answers_by_assessor(locked)
            problem = lifecycle.completion_problem(answers_by)
            if problem:
                raise AssessmentStateError(problem)
            problem = lifecycle.four_eyes_problem(user.pk, answers_by)
            if problem:
                raise TransitionForbiddenError(problem)
        locked.state = transition.target
        completing = transition.target == lifecycle.COMPLETED
        locked.completed_on = timezone.localdate() if completing else None
        locked.completed_by = user if completing else None
        if reason:
            with_reason(locked, reason)
        locked.full_clean()
        locked.save()
    return locked


def answers_by_assessor(assessment: Assessment) -> dict[int | None, int]:
    """How many answered responses (status other than not assessed) each assessor last gave."""
    rows = (
        Response.objects.filter(assessment=assessment)
        .exclude(status=Status.NOT_ASSESSED)
        .order_by()
        .values("assessor_id")
        .annotate(n=Count("id"))
    )
    return {row["assessor_id"]: row["n"] for row in rows}


def require_editable(assessment: Assessment) -> None:
    """A completed assessment is a signed-off record: its name, scope and description stay as signed off."""
    if not lifecycle.answerable(assessment.state):
        raise AssessmentStateError(
            "the assessment is completed: reopen it (with a reason) to change or delete it"
        )
