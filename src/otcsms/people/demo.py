"""The training part of the demo operator: the course catalogue, what each site requires (awareness of everyone,
engineering and protocol courses of its OT engineers, CIP-004 training at the NERC CIP substation), completions
imported from the LMS and personnel risk assessments, and line managers. Tom Baker, the water plant's SCADA
engineer (who holds PLC engineering access, granted by the access demo), let his training lapse."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from otcsms.core.registry import DemoSummary
from otcsms.org.models import CsmsRole, Person
from otcsms.people.models import Completion, Course, CourseAssignment, CourseRequirement, Screening
from otcsms.tenancy.models import Site

COURSES = [
    # code, title, kind, validity (months), description
    ("OT-AWR-101", "OT security awareness", "awareness", 12,
     "Phishing, removable media, tailgating and reporting, told from the control room's side."),
    ("OT-ENG-201", "Secure engineering of control systems", "role-based", 24,
     "Change control, backups, baselines and hardening of PLCs, HMIs and engineering workstations."),
    ("OT-PRO-310", "Modbus and DNP3 for operators", "protocol", 24,
     "What unauthenticated writes and spoofed masters look like on Modbus/TCP and DNP3, and what to do."),
    ("CIP-004-TRN", "CIP-004 cyber security training", "role-based", 15,
     "The NERC CIP training program: electronic and physical access, BES Cyber System Information, recovery."),
    ("OPC-UA-220", "OPC UA security configuration", "protocol", 24,
     "Certificates, security policies and user tokens of OPC UA servers and clients."),
]  # fmt: skip
REQUIREMENTS = {
    # site -> [(course code, role or None, privilege)]
    "riverside-wtp": [("OT-AWR-101", None, ""), ("OT-ENG-201", "OT engineer", ""), ("OT-PRO-310", "OT engineer", "")],
    "cedar-ridge-sub": [("OT-AWR-101", None, ""), ("CIP-004-TRN", None, ""), ("OT-PRO-310", "OT engineer", "")],
    "harbor-pkg": [("OT-AWR-101", None, ""), ("OT-ENG-201", "OT engineer", ""), ("OPC-UA-220", "OT engineer", "")],
}  # fmt: skip
COMPLETIONS = [
    # site, person, course, completed (days ago), evidence
    ("riverside-wtp", "Tom Baker", "OT-AWR-101", 430, "LMS certificate 2025-0912"),
    ("riverside-wtp", "Tom Baker", "OT-ENG-201", 790, "LMS certificate 2024-0311"),
    ("riverside-wtp", "Tom Baker", "OT-PRO-310", 760, ""),
    ("riverside-wtp", "Aisha Okafor", "OT-AWR-101", 90, "LMS certificate 2026-0417"),
    ("riverside-wtp", "Aisha Okafor", "OT-ENG-201", 200, "LMS certificate 2026-0211"),
    ("riverside-wtp", "Aisha Okafor", "OT-PRO-310", 310, ""),
    ("riverside-wtp", "Maria Lopez", "OT-AWR-101", 330, ""),
    ("cedar-ridge-sub", "Priya Raman", "OT-AWR-101", 100, ""),
    ("cedar-ridge-sub", "Priya Raman", "CIP-004-TRN", 120, "CIP training record 2026-08"),
    ("cedar-ridge-sub", "Priya Raman", "OT-PRO-310", 150, ""),
    ("cedar-ridge-sub", "Dan Whitfield", "OT-AWR-101", 60, ""),
    ("cedar-ridge-sub", "Dan Whitfield", "CIP-004-TRN", 470, "CIP training record 2025-08"),
    ("cedar-ridge-sub", "Greg Nilsen", "OT-AWR-101", 40, ""),
    ("cedar-ridge-sub", "Greg Nilsen", "CIP-004-TRN", 40, ""),
]  # fmt: skip
SCREENINGS = [
    # site, person, completed (days ago)
    ("riverside-wtp", "Tom Baker", 1100), ("riverside-wtp", "Aisha Okafor", 400),
    ("cedar-ridge-sub", "Priya Raman", 900), ("cedar-ridge-sub", "Dan Whitfield", 2600),
    ("cedar-ridge-sub", "Greg Nilsen", 300), ("cedar-ridge-sub", "Sam Ortega", 2700),
]  # fmt: skip
MANAGERS = [("Tom Baker", "Maria Lopez"), ("Aisha Okafor", "Maria Lopez"), ("Maria Lopez", "Elena Marsh"),
            ("Priya Raman", "Greg Nilsen"), ("Dan Whitfield", "Greg Nilsen"), ("Greg Nilsen", "Elena Marsh"),
            ("Raj Patel", "Elena Marsh")]  # fmt: skip


def load_demo_people(summary: DemoSummary) -> None:
    if (
        Course.objects.filter(code=COURSES[0][0]).exists()
        or not Site.objects.filter(code="riverside-wtp").exists()
    ):
        return
    today = timezone.localdate()
    sites = {s.code: s for s in Site.objects.filter(code__in=REQUIREMENTS)}
    courses = {
        code: Course.objects.create(
            code=code, title=title, kind=kind, validity_months=months, description=text
        )
        for code, title, kind, months, text in COURSES
    }
    roles = {r.name: r for r in CsmsRole.objects.all()}
    for code, rows in REQUIREMENTS.items():
        if code not in sites:
            continue
        for course, role, privilege in rows:
            if role is not None and role not in roles:
                continue
            CourseRequirement.objects.create(site=sites[code], course=courses[course],
                                             role=roles[role] if role else None, privilege=privilege)  # fmt: skip
    people = {p.name: p for p in Person.objects.filter(Q(site__code__in=REQUIREMENTS) | Q(site__isnull=True))}
    for person, manager in MANAGERS:
        if person in people and manager in people and people[person].manager_id is None:
            people[person].manager = people[manager]
            people[person].save()
    for code, person, course, days, evidence in COMPLETIONS:
        if code in sites and person in people:
            Completion(site=sites[code], person=people[person], course=courses[course],
                       completed_on=today - timedelta(days=days), evidence_reference=evidence,
                       source=Completion.Source.IMPORT, note="LMS import (demo)").save()  # fmt: skip
    for code, person, days in SCREENINGS:
        if code in sites and person in people:
            Screening.objects.create(site=sites[code], person=people[person], kind="pra",
                                     completed_on=today - timedelta(days=days), reference=f"PRA case {person[:1]}-{days}")  # fmt: skip
    if "riverside-wtp" in sites and "Tom Baker" in people:
        for course in ("OT-AWR-101", "OT-ENG-201"):
            CourseAssignment.objects.create(site=sites["riverside-wtp"], person=people["Tom Baker"],
                                            course=courses[course], assigned_on=today - timedelta(days=20),
                                            due_on=today + timedelta(days=10), note="Refresher: training lapsed")  # fmt: skip
