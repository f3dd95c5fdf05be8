"""REST endpoints of C10: Resources (core.crud) for plans, exercises, incidents and their rows, plus the
workflows (loading the shipped scenario library, a lesson that becomes a roadmap action, drills due)."""

# No `from __future__ import annotations`: ninja reads the handlers' annotations when they are defined.
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Router
from ninja.errors import HttpError

from otcsms.core.crud import Resource, register, scoped
from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.resilience import schemas as s
from otcsms.resilience import services
from otcsms.resilience.models import (
    CriterionOutcome,
    DrillCadence,
    DrillScenario,
    Exercise,
    ExerciseEntry,
    Incident,
    IncidentAsset,
    IncidentEntry,
    IncidentZone,
    IrPlan,
    Lesson,
    Participant,
    PlanContact,
    PlanRole,
)
from otcsms.tenancy.models import Site

router = Router(tags=["resilience"])
TAGS = ["resilience"]
REFUSALS = (services.ResilienceInputError, services.ResilienceForbiddenError)


def _refusal(exc: Exception) -> HttpError:
    if isinstance(exc, services.ResilienceForbiddenError):
        return HttpError(403, str(exc))
    return HttpError(422, str(exc))


def _child(model: type[Any], parent: type[Any], name: str) -> Callable[[User, dict[str, Any]], Any]:
    """A create hook for a row of ``parent``: on the parent's site."""

    def create(user: User, data: dict[str, Any]) -> Any:
        site_id = parent.objects.filter(pk=data[f"{name}_id"]).values_list("site_id", flat=True).first()
        row = model(site_id=site_id, **data)
        row.full_clean()
        row.save()
        return row

    return create


def _create_plan(user: User, data: dict[str, Any]) -> IrPlan:
    try:
        return services.create_plan(by=user, **data)
    except REFUSALS as exc:
        raise _refusal(exc) from None


def _create_exercise(user: User, data: dict[str, Any]) -> Exercise:
    return services.save_exercise(Exercise(**data))


def _update_exercise(user: User, exercise: Exercise, data: dict[str, Any]) -> Exercise:
    for name, value in data.items():
        if name in ("scenario_id", "scheduled_for") and value is None:
            raise HttpError(422, "a drill needs a scenario and a date: " + name + " cannot be removed")
        setattr(exercise, name, value)
    return services.save_exercise(exercise)


def _create_entry(user: User, data: dict[str, Any]) -> ExerciseEntry:
    exercise = Exercise.objects.get(pk=data.pop("exercise_id"))
    try:
        return services.add_entry(exercise, **data)
    except REFUSALS as exc:
        raise _refusal(exc) from None


def _create_outcome(user: User, data: dict[str, Any]) -> CriterionOutcome:
    exercise = Exercise.objects.select_related("scenario").get(pk=data.pop("exercise_id"))
    return services.set_outcome(exercise, **data)


def _create_lesson(user: User, data: dict[str, Any]) -> Lesson:
    exercise = Exercise.objects.select_related("scenario").get(pk=data.pop("exercise_id"))
    owner_id = data.pop("owner_id", None)
    owner = None
    if owner_id is not None:
        owner = scoped(User, user).filter(pk=owner_id).first()
        if owner is None:
            raise HttpError(422, f"owner_id: no user with id {owner_id}")
    try:
        return services.add_lesson(user, exercise, owner=owner, **data)
    except REFUSALS as exc:
        raise _refusal(exc) from None


def _create_cadence(user: User, data: dict[str, Any]) -> DrillCadence:
    if DrillCadence.objects.filter(site_id=data["site_id"]).exists():
        raise HttpError(409, "the site has its drill cadence already: change it (PATCH)")
    if data.get("programme_start") is None:
        data.pop("programme_start", None)
    row = DrillCadence(**data)
    row.full_clean()
    row.save()
    return row


SCENARIOS = Resource(DrillScenario, "drill-scenarios", s.ScenarioOut, filters=s.ScenarioFilter, deletable=False,
                     ordering=("title", "pk"), tags=TAGS)  # fmt: skip
CADENCES = Resource(DrillCadence, "drill-cadences", s.CadenceOut, s.CadenceCreate, s.CadenceUpdate,
                    filters=s.SiteFilter, create_hook=_create_cadence, tags=TAGS)  # fmt: skip
PLANS = Resource(IrPlan, "ir-plans", s.PlanOut, s.PlanCreate, s.PlanUpdate, filters=s.SiteFilter,
                 select_related=("document",), create_hook=_create_plan, tags=TAGS)  # fmt: skip
PLAN_ROLES = Resource(PlanRole, "ir-plan-roles", s.PlanRoleOut, s.PlanRoleCreate, s.PlanRoleUpdate,
                      filters=s.PlanChildFilter, create_hook=_child(PlanRole, IrPlan, "plan"), tags=TAGS)  # fmt: skip
PLAN_CONTACTS = Resource(PlanContact, "ir-plan-contacts", s.ContactOut, s.ContactCreate, s.ContactUpdate,
                         filters=s.PlanChildFilter, create_hook=_child(PlanContact, IrPlan, "plan"),
                         tags=TAGS)  # fmt: skip
EXERCISES = Resource(Exercise, "exercises", s.ExerciseOut, s.ExerciseCreate, s.ExerciseUpdate,
                     filters=s.ExerciseFilter, ordering=("-scheduled_for", "-pk"), create_hook=_create_exercise,
                     update_hook=_update_exercise, tags=TAGS)  # fmt: skip
PARTICIPANTS = Resource(Participant, "exercise-participants", s.ParticipantOut, s.ParticipantCreate,
                        s.ParticipantUpdate, filters=s.ExerciseChildFilter,
                        create_hook=_child(Participant, Exercise, "exercise"), tags=TAGS)  # fmt: skip
ENTRIES = Resource(ExerciseEntry, "exercise-entries", s.EntryOut, s.EntryCreate, s.EntryUpdate,
                   filters=s.ExerciseChildFilter, ordering=("exercise_id", "at", "pk"), create_hook=_create_entry,
                   tags=TAGS)  # fmt: skip
OUTCOMES = Resource(CriterionOutcome, "exercise-outcomes", s.OutcomeOut, s.OutcomeCreate, s.OutcomeUpdate,
                    filters=s.ExerciseChildFilter, create_hook=_create_outcome, tags=TAGS)  # fmt: skip
LESSONS = Resource(Lesson, "exercise-lessons", s.LessonOut, s.LessonCreate, s.LessonUpdate,
                   filters=s.ExerciseChildFilter, create_hook=_create_lesson, tags=TAGS)  # fmt: skip
INCIDENTS = Resource(Incident, "incidents", s.IncidentOut, s.IncidentCreate, s.IncidentUpdate,
                     filters=s.IncidentFilter, ordering=("-detected_at", "-pk"), tags=TAGS)  # fmt: skip
INCIDENT_ENTRIES = Resource(IncidentEntry, "incident-entries", s.IncidentEntryOut, s.IncidentEntryCreate,
                            s.IncidentEntryUpdate, filters=s.IncidentChildFilter, ordering=("incident_id", "at", "pk"),
                            create_hook=_child(IncidentEntry, Incident, "incident"), tags=TAGS)  # fmt: skip
INCIDENT_ZONES = Resource(IncidentZone, "incident-zones", s.IncidentZoneOut, s.IncidentZoneCreate,
                          filters=s.IncidentChildFilter, create_hook=_child(IncidentZone, Incident, "incident"),
                          tags=TAGS)  # fmt: skip
INCIDENT_ASSETS = Resource(IncidentAsset, "incident-assets", s.IncidentAssetOut, s.IncidentAssetCreate,
                           filters=s.IncidentChildFilter, create_hook=_child(IncidentAsset, Incident, "incident"),
                           tags=TAGS)  # fmt: skip

for resource in (SCENARIOS, CADENCES, PLANS, PLAN_ROLES, PLAN_CONTACTS, EXERCISES, PARTICIPANTS, ENTRIES, OUTCOMES,
                 LESSONS, INCIDENTS, INCIDENT_ENTRIES, INCIDENT_ZONES, INCIDENT_ASSETS):  # fmt: skip
    register(router, resource)


@router.post("/drill-scenarios/load-shipped", response=s.LibraryLoaded, operation_id="drill_scenarios_load")
def load_shipped(request: AuthedRequest):
    """Add the scenarios otcsms ships that are missing and update the shipped ones that changed (organisation
    admins: the library is organisation-wide)."""
    if not request.user.is_org_admin:
        raise HttpError(403, "only organisation admins load the scenario library")
    try:
        added, updated = services.load_library()
    except (ValueError, ValidationError) as exc:
        raise HttpError(422, f"the shipped library cannot be loaded: {exc}") from None
    return {"added": added, "updated": updated}


@router.get("/drills-due", response=list[s.DrillDueOut], operation_id="drills_due")
def drills_due(request: AuthedRequest):
    """Per site you hold a role on: its drill cadence, the last drill held, when the next is due."""
    from django.utils import timezone

    today = timezone.localdate()
    rows = []
    for site in Site.objects.for_user(request.user).order_by("name")[:500]:
        due = services.drill_due(site)
        rows.append({"site_id": site.pk, "site": site.name, "cadence_months": due.cadence_months,
                     "last_held": due.last_held, "due": due.due, "overdue": due.overdue(today)})  # fmt: skip
    return rows
