"""Workflows of C10: the scenario library, IR plans, exercises with their timeline, outcomes and lessons (each
lesson a roadmap action), incidents, and when each site's next drill is due.

Plain values and model instances in, model instances out; never a request. Every write runs in one
transaction, and the audit trail records each row with the acting actor (set by the entry point).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from otcsms.core.models import AuditEvent, User
from otcsms.core.scoping import can, may_write
from otcsms.evidence import services as evidence
from otcsms.evidence.models import Document, DocumentKind
from otcsms.org.models import RoleAssignment, ScopeStatement
from otcsms.resilience import timing
from otcsms.resilience.models import (
    CriterionOutcome,
    DrillCadence,
    DrillScenario,
    Exercise,
    ExerciseEntry,
    IrPlan,
    Lesson,
)
from otcsms.roadmap import services as roadmap
from otcsms.roadmap.models import Action, SourceKind
from otcsms.tenancy.models import Site

LIBRARY = Path(__file__).with_name("scenarios.yaml")
MAX_ENTRIES = 2000  # timeline entries of one exercise


class ResilienceInputError(ValueError):
    """A value the workflow cannot take (422)."""


class ResilienceForbiddenError(Exception):
    """The user may not do this here (403)."""


def first_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        name, messages = next(iter(exc.message_dict.items()))
        return f"{name}: {messages[0]}"
    return exc.messages[0]


# --- the scenario library ----------------------------------------------------------------------------------
def shipped_scenarios(path: Path = LIBRARY) -> list[dict[str, Any]]:
    """The scenarios of the shipped file, checked: each has a key, title, summary, injects in order, expected
    actions and success criteria with distinct keys. A malformed file is a ValueError naming the scenario."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = []
    for raw in document.get("scenarios", []):
        key = str(raw.get("key", ""))
        injects: list[dict[str, Any]] = [
            {"minute": int(i["minute"]), "text": str(i["text"])} for i in raw.get("injects", [])
        ]
        criteria = [{"key": str(c["key"]), "text": str(c["text"])} for c in raw.get("success_criteria", [])]
        actions = [str(a) for a in raw.get("expected_actions", [])]
        if not (key and raw.get("title") and raw.get("summary") and injects and actions and criteria):
            raise ValueError(f"scenario {key or '?'}: key, title, summary, injects, expected actions and "
                             "success criteria are all required")  # fmt: skip
        if [i["minute"] for i in injects] != sorted(i["minute"] for i in injects):
            raise ValueError(f"scenario {key}: injects are not in the order of their minutes")
        if len({c["key"] for c in criteria}) != len(criteria):
            raise ValueError(f"scenario {key}: two success criteria share a key")
        found.append({"key": key, "title": str(raw["title"]), "summary": str(raw["summary"]),
                      "protocols": str(raw.get("protocols", "")), "injects": injects,
                      "expected_actions": actions, "success_criteria": criteria})  # fmt: skip
    return found


def load_library(path: Path = LIBRARY) -> tuple[int, int]:
    """Add the shipped scenarios that are missing and update the shipped ones that changed: (added, updated).

    A scenario someone wrote (not shipped) with a shipped key is left alone."""
    added = updated = 0
    with transaction.atomic():
        for data in shipped_scenarios(path):
            row = DrillScenario.objects.filter(key=data["key"]).first()
            if row is None:
                scenario = DrillScenario(shipped=True, **data)
                scenario.full_clean()
                scenario.save()
                added += 1
            elif row.shipped and any(getattr(row, k) != v for k, v in data.items()):
                for name, value in data.items():
                    setattr(row, name, value)
                row.full_clean()
                row.save()
                updated += 1
    return added, updated


# --- IR plans ----------------------------------------------------------------------------------------------
def create_plan(
    *, site_id: int, by: User | None, document_id: int | None = None, title: str = "", scope: str = "",
    bcp_document_id: int | None = None,
) -> IrPlan:  # fmt: skip
    """An IR plan on an existing plan document of the site, or on a new one titled ``title``."""
    if by is not None and not may_write(by, IrPlan, site_id, "change"):
        raise ResilienceForbiddenError(
            "only contributors, approvers and site admins of the site add IR plans"
        )
    if (document_id is None) == (not title.strip()):
        raise ResilienceInputError(
            "document_id: give the plan's document, or a title for a new one (not both)"
        )
    with transaction.atomic():
        if document_id is None:
            document = evidence.create_document(
                site_id=site_id, by=by, kind=DocumentKind.PLAN, title=title.strip(),
                description="Incident response plan (otcsms C10).", tags="incident-response",
            )  # fmt: skip
            document_id = document.pk
        elif IrPlan.objects.filter(document_id=document_id).exists():
            raise ResilienceInputError("document_id: this document is an IR plan already")
        plan = IrPlan(site_id=site_id, document_id=document_id, scope=scope, bcp_document_id=bcp_document_id)
        try:
            plan.full_clean()
        except ValidationError as exc:
            raise ResilienceInputError(first_message(exc)) from None
        plan.save()
    return plan


@dataclass(frozen=True)
class ContinuityPlan:
    title: str
    reference: str
    document: Document | None


def continuity_plan(plan: IrPlan) -> ContinuityPlan | None:
    """The business continuity plan the IR plan hands over to: its own BCP document, else the BCP named by the
    site's CSMS scope statement in force (or its latest draft)."""
    if (bcp := plan.bcp_document if plan.bcp_document_id else None) is not None:
        return ContinuityPlan(bcp.title, f"document {bcp.pk}", bcp)
    scope = (
        ScopeStatement.objects.filter(site_id=plan.site_id, status__in=("approved", "draft"))
        .exclude(bcp_title="", bcp_reference="")
        .order_by("status", "-version")  # approved sorts before draft
        .first()
    )
    if scope is None:
        return None
    return ContinuityPlan(scope.bcp_title or scope.bcp_reference, scope.bcp_reference, None)


def role_holders(plan: IrPlan) -> dict[int, list[str]]:
    """Who holds each of the plan's roles at its site today (role id -> names), from the role assignments."""
    today = timezone.localdate()
    holders: dict[int, list[str]] = {}
    assignments = RoleAssignment.objects.filter(
        site_id=plan.site_id, role_id__in=plan.roles.values("role_id")
    ).select_related("person")
    for a in assignments.order_by("person__name"):
        if (a.starts_on is None or a.starts_on <= today) and (a.ends_on is None or a.ends_on >= today):
            holders.setdefault(a.role_id, []).append(a.person.name)
    return holders


# --- exercises ---------------------------------------------------------------------------------------------
def save_exercise(exercise: Exercise) -> Exercise:
    """Validate (a drill needs a scenario and a date, with the reason when either is missing) and save."""
    if not exercise.title and exercise.scenario_id:
        exercise.title = f"{exercise.scenario.title} drill"[:200]
    with transaction.atomic():
        exercise.full_clean()
        exercise.save()
    return exercise


def add_entry(
    exercise: Exercise, *, at: dt.datetime, text: str, kind: str = "action", milestone: str = ""
) -> ExerciseEntry:
    """One more line of the exercise's timeline (the exercise is held or being held: not cancelled)."""
    if exercise.status == Exercise.Status.CANCELLED:
        raise ResilienceInputError("exercise: a cancelled drill takes no timeline entries")
    if ExerciseEntry.objects.filter(exercise=exercise).count() >= MAX_ENTRIES:
        raise ResilienceInputError(f"exercise: at most {MAX_ENTRIES} timeline entries")
    entry = ExerciseEntry(site_id=exercise.site_id, exercise=exercise, at=at, text=text, kind=kind,
                          milestone=milestone)  # fmt: skip
    with transaction.atomic():
        entry.full_clean()
        entry.save()
        if kind == "inject" and (exercise.started_at is None or at < exercise.started_at):
            exercise.started_at = at  # the first inject starts the clock of the measured times
            exercise.save()
    return entry


def set_outcome(exercise: Exercise, *, criterion: str, result: str, note: str = "") -> CriterionOutcome:
    """The outcome of one success criterion (replacing the one recorded before)."""
    with transaction.atomic():
        row = CriterionOutcome.objects.filter(exercise=exercise, criterion=criterion).first()
        if row is None:
            row = CriterionOutcome(site_id=exercise.site_id, exercise=exercise, criterion=criterion)
        row.result, row.note = result, note
        row.full_clean()
        row.save()
    return row


def add_lesson(
    user: User | None, exercise: Exercise, *, title: str, description: str = "", owner: User | None = None,
    due_on: dt.date | None = None,
) -> Lesson:  # fmt: skip
    """A lesson learned, and the roadmap action it becomes, whose ``source`` link points at the lesson."""
    if user is not None and not can(user, "change", exercise.site_id):
        raise ResilienceForbiddenError("only contributors, approvers and site admins of the site add lessons")
    with transaction.atomic():
        lesson = Lesson(site_id=exercise.site_id, exercise=exercise, title=title, description=description)
        lesson.full_clean()
        lesson.save()
        text = description or f"Lesson learned from the drill {exercise} ({exercise.scenario})."
        action = Action(site_id=exercise.site_id, title=title, description=text[:5000],
                        source_kind=SourceKind.DRILL_LESSON, owner=owner, due_on=due_on)  # fmt: skip
        try:
            roadmap.save_action(action)
        except ValidationError as exc:
            raise ResilienceInputError(first_message(exc)) from None
        try:
            roadmap.link_source(action, "resilience.lesson", lesson.pk, by=user,
                                note=f"Lesson of the drill {exercise}"[:200])  # fmt: skip
        except roadmap.RoadmapForbiddenError as exc:
            raise ResilienceForbiddenError(str(exc)) from None
        except roadmap.RoadmapInputError as exc:
            raise ResilienceInputError(str(exc)) from None
        lesson.action = action
        lesson.save()
    return lesson


# --- cadence -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DrillDue:
    site: Site
    cadence_months: int
    last_held: dt.date | None
    due: dt.date

    def overdue(self, today: dt.date) -> bool:
        return today > self.due


def drill_due(site: Site) -> DrillDue:
    """When ``site`` must hold its next drill: its cadence (or the default for its NERC impact) after the last
    drill held; with none held, after its cadence's programme start, else after the day the site was created
    (its first audit event)."""
    cadence = DrillCadence.objects.filter(site=site).first()
    months = cadence.months if cadence else timing.default_cadence_months(site.nerc_impact)
    last = Exercise.objects.filter(site=site, status=Exercise.Status.HELD).aggregate(last=Max("held_on"))[
        "last"
    ]
    since = cadence.programme_start if cadence else None
    if since is None:
        first = AuditEvent.objects.filter(site_id=site.pk).order_by("seq").first()
        since = first.occurred_at.date() if first else timezone.localdate()
    return DrillDue(site, months, last, timing.next_drill_due(last, months, since))
