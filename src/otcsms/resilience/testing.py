"""One object of each resilience path at a site, for the access test (declared in resilience/registry.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from otcsms.org.models import CsmsRole, Person
from otcsms.plant.models import Asset, Zone
from otcsms.resilience import services
from otcsms.resilience.models import (
    DrillCadence,
    DrillScenario,
    Exercise,
    Incident,
    IncidentAsset,
    IncidentEntry,
    IncidentZone,
    Participant,
    PlanContact,
    PlanRole,
)
from otcsms.tenancy.models import Site


def access_objects(site: Site) -> dict[str, int]:
    services.load_library()
    scenario = DrillScenario.objects.get(key="ransomware-hmi")
    person = Person.objects.create(
        organisation=site.organisation, site=site, name=f"Responder of {site.code}"
    )
    role = CsmsRole.objects.get_or_create(name="Incident commander")[0]
    plan = services.create_plan(site_id=site.pk, by=None, title=f"IR plan of {site.code}")
    plan_role = PlanRole.objects.create(site=site, plan=plan, role=role, duty="leads")
    contact = PlanContact.objects.create(site=site, plan=plan, person=person, purpose="commander")
    cadence = DrillCadence.objects.create(site=site, months=12)
    exercise = services.save_exercise(Exercise(site=site, scenario=scenario, plan=plan,
                                               scheduled_for=timezone.localdate()))  # fmt: skip
    participant = Participant.objects.create(site=site, exercise=exercise, person=person)
    now = timezone.now()
    entry = services.add_entry(exercise, at=now, text="first inject", kind="inject")
    outcome = services.set_outcome(exercise, criterion="safe-state", result="met")
    lesson = services.add_lesson(None, exercise, title=f"Lesson of {site.code}")
    incident = Incident.objects.create(site=site, title="Incident", classification="malware",
                                       detected_at=now - dt.timedelta(hours=1))  # fmt: skip
    incident_entry = IncidentEntry.objects.create(site=site, incident=incident, at=now, text="seen")
    zone = Zone.objects.create(site=site, name=f"Incident zone of {site.code}")
    asset = Asset.objects.create(site=site, zone=zone, name=f"Incident HMI of {site.code}", type="hmi")
    return {
        "drill-cadences": cadence.pk,
        "ir-plans": plan.pk,
        "ir-plan-roles": plan_role.pk,
        "ir-plan-contacts": contact.pk,
        "exercises": exercise.pk,
        "exercise-participants": participant.pk,
        "exercise-entries": entry.pk,
        "exercise-outcomes": outcome.pk,
        "exercise-lessons": lesson.pk,
        "incidents": incident.pk,
        "incident-entries": incident_entry.pk,
        "incident-zones": IncidentZone.objects.create(site=site, incident=incident, zone=zone).pk,
        "incident-assets": IncidentAsset.objects.create(site=site, incident=incident, asset=asset).pk,
        "drills-due": site.pk,
    }
