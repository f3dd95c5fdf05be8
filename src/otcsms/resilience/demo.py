"""The demo operator's incident response: the shipped drill scenarios; the substation's IR plan with its roles
and contacts; a ransomware drill held there three weeks ago with its timeline, measured times, outcomes and two
lessons that became roadmap actions; the next drill scheduled; and one reportable incident with its deadlines."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from otcsms.core.registry import DemoSummary
from otcsms.org.models import CsmsRole, Person
from otcsms.plant.models import Asset
from otcsms.resilience import services
from otcsms.resilience.models import (
    DrillScenario,
    Exercise,
    Incident,
    IncidentAsset,
    IncidentEntry,
    IncidentZone,
    IrPlan,
    Participant,
    PlanContact,
    PlanRole,
)
from otcsms.tenancy.models import Site

SITE = "cedar-ridge-sub"
ROLES = [
    (
        "Incident commander",
        "Declares the incident, leads the response and decides on isolation and recovery.",
    ),
    ("CSMS owner", "Accountable for the response; informs management and approves external communication."),
    ("OT engineer", "Puts the process in a safe state, isolates and restores control system hosts."),
    ("Compliance lead", "Decides reportability with the commander and sends the CIP-008 notices."),
]
CONTACTS = [
    ("Greg Nilsen", "Incident commander", "+1 509 555 0140"),
    ("Priya Raman", "Protection & control on call", "+1 509 555 0141"),
    ("Dan Whitfield", "Network and firewall changes", "+1 509 555 0142"),
    ("Raj Patel", "E-ISAC and CISA notification", "+1 509 555 0177"),
]
PARTICIPANTS = [("Greg Nilsen", "Incident commander"), ("Priya Raman", "OT engineer"),
                ("Dan Whitfield", "Network engineer"), ("Raj Patel", "Compliance lead"),
                ("Elena Marsh", "Observer (CSMS owner)")]  # fmt: skip
# minutes from the start, kind, text, milestone
TIMELINE = [
    (0, "inject", "Service desk reports an unusual number of locked accounts in the business network.", ""),
    (10, "inject", "Operator on shift: substation HMI shows a ransom note; engineering laptop slow.", ""),
    (14, "action", "Operator reports the ransom note to the control centre and the shift lead.", "detected"),
    (19, "action", "Protection relays confirmed in service; station switched to local control at the panel.", ""),
    (31, "action", "Shift lead reaches Greg Nilsen, who declares an incident and opens the IR plan.", "escalated"),
    (38, "decision", "Commander orders the ESP firewall to drop all routable traffic from the corporate side.", ""),
    (52, "action", "Firewall rule applied and intermediate system disconnected.", "contained"),
    (70, "observation", "The team could not find the offline HMI image: the backup drive was in the office safe.", ""),
    (95, "inject", "The backup server reports that last night's image is intact.", ""),
    (166, "action", "HMI rebuilt from the offline image, verified against the baseline and back in service.",
     "recovered"),
    (175, "decision", "Compliance lead and commander determine the event would be reportable; notice drafted.", ""),
]  # fmt: skip
OUTCOMES = [
    ("safe-state", "met", "Local control after 9 minutes."),
    (
        "escalation",
        "partly",
        "Commander reached after 17 minutes: the on-call number on the plan was outdated.",
    ),
    ("containment", "met", "Boundary closed 38 minutes after detection."),
    (
        "recovery",
        "not-met",
        "Recovery took 2 h 46 min against a 2 h target: the offline image was hard to find.",
    ),
    ("notification", "partly", "Reportability decided, but the notice template was not in the plan."),
]
LESSONS = [
    ("Keep the offline HMI and RTU images at the substation, listed in the IR plan",
     "Store the offline images in the substation's sealed cabinet and list their location and checksum in the "
     "plan; restoring took 70 minutes longer than needed.", 30),
    ("Put the on-call roster and the CIP-008 notice template into the IR plan",
     "The commander's number was outdated and the notice had to be written from scratch.", 45),
]  # fmt: skip


def _person(site: Site, name: str) -> Person | None:
    return (
        Person.objects.filter(name=name).filter(site__in=[site]).first()
        or Person.objects.filter(name=name, site__isnull=True).first()
    )


def load_demo_resilience(summary: DemoSummary) -> None:
    """Scenarios, the substation's plan, drills and an incident; nothing when the substation has an exercise."""
    services.load_library()
    site = Site.objects.filter(code=SITE).first()
    if site is None or Exercise.objects.filter(site=site).exists():
        return
    plan = services.create_plan(
        site_id=site.pk, by=None, title="Cedar Ridge Cyber Security Incident Response Plan (CIP-008)",
        scope="Cyber security incidents affecting the substation's BES Cyber Systems, their EACMS and PACS.",
    )  # fmt: skip
    for name, duty in ROLES:
        csms_role = CsmsRole.objects.filter(name=name).first()
        if csms_role is not None:
            PlanRole.objects.create(site=site, plan=plan, role=csms_role, duty=duty)
    for order, (name, purpose, phone) in enumerate(CONTACTS, start=1):
        if (person := _person(site, name)) is not None:
            PlanContact.objects.create(
                site=site, plan=plan, person=person, purpose=purpose, phone=phone, order=order
            )

    now = timezone.now().replace(second=0, microsecond=0)
    start = (now - dt.timedelta(days=21)).replace(hour=14, minute=0)
    scenario = DrillScenario.objects.get(key="ransomware-hmi")
    drill = services.save_exercise(Exercise(
        site=site, title="Ransomware on the substation HMI (tabletop with live isolation)", scenario=scenario,
        plan=plan, scheduled_for=start.date(), status=Exercise.Status.HELD, held_on=start.date(), started_at=start,
        facilitator=_person(site, "Elena Marsh"), notes="Half-day exercise with the control centre on the phone.",
    ))  # fmt: skip
    for name, role in PARTICIPANTS:
        if (person := _person(site, name)) is not None:
            Participant.objects.create(site=site, exercise=drill, person=person, role=role)
    for minute, kind, text, milestone in TIMELINE:
        services.add_entry(
            drill, at=start + dt.timedelta(minutes=minute), text=text, kind=kind, milestone=milestone
        )
    for criterion, result, note in OUTCOMES:
        services.set_outcome(drill, criterion=criterion, result=result, note=note)
    for title, description, due_in in LESSONS:
        services.add_lesson(None, drill, title=title, description=description,
                            due_on=timezone.localdate() + dt.timedelta(days=due_in))  # fmt: skip

    services.save_exercise(Exercise(
        site=site, scenario=DrillScenario.objects.get(key="dnp3-rogue-master"), plan=plan,
        scheduled_for=timezone.localdate() + dt.timedelta(days=60), title="DNP3 rogue master at the RTU",
    ))  # fmt: skip
    _incident(site, plan, now)


def _incident(site: Site, plan: IrPlan, now: dt.datetime) -> None:
    detected = now - dt.timedelta(days=9, hours=3)
    incident = Incident(
        site=site, title="Unexpected remote session on the relay engineering laptop",
        description="The intermediate system logged a vendor session outside any work order; the session "
                    "reached the relay engineering laptop before it was cut.",
        classification=Incident.Classification.UNAUTHORISED_ACCESS, status=Incident.Status.RECOVERED,
        detected_at=detected, reportable=True, determined_reportable_at=detected + dt.timedelta(hours=2),
        plan=plan,
    )  # fmt: skip
    incident.full_clean()
    incident.save()
    entries = [
        (
            0,
            "observation",
            "Intermediate system alert: vendor account session at 02:10 with no open work order.",
            "detected",
        ),
        (
            25,
            "action",
            "Network engineer terminates the session and disables the vendor account.",
            "contained",
        ),
        (
            120,
            "action",
            "Determined to be an attempt to compromise an EACMS: reportable under CIP-008.",
            "escalated",
        ),
        (170, "notification", "Initial notice sent to E-ISAC and CISA.", ""),
        (60 * 24 * 2, "new-information", "Vendor confirms its technician's credentials were phished.", ""),
        (60 * 24 * 4, "notification", "Update sent to E-ISAC and CISA with the vendor's findings.", ""),
        (
            60 * 24 * 5,
            "action",
            "Laptop reimaged and relay settings verified against the baseline.",
            "recovered",
        ),
    ]
    for minute, kind, text, milestone in entries:
        IncidentEntry.objects.create(site=site, incident=incident, at=detected + dt.timedelta(minutes=minute),
                                     kind=kind, text=text, milestone=milestone)  # fmt: skip
    laptop = (
        Asset.objects.filter(site=site, name__icontains="laptop").first()
        or Asset.objects.filter(site=site).order_by("pk").first()
    )
    if laptop is not None:
        IncidentAsset.objects.create(site=site, incident=incident, asset=laptop)
        if laptop.zone_id:
            IncidentZone.objects.create(site=site, incident=incident, zone_id=laptop.zone_id)
