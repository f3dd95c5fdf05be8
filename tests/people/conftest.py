"""A course catalogue and trainees at site A (no NERC impact) and site B (NERC CIP medium impact)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from otcsms.org.models import CsmsRole, Person, RoleAssignment
from otcsms.people.models import Course, CourseRequirement


@dataclass
class Training:
    awareness: Course
    engineering: Course
    modbus: Course
    engineer_role: CsmsRole
    ann: Person  # an OT engineer at site A
    bea: Person  # at site B (NERC CIP)
    org_wide: Person


@pytest.fixture
def training(site_a, site_b) -> Training:
    org = site_a.organisation
    awareness = Course.objects.create(code="OT-AWR-101", title="OT security awareness", kind="awareness",
                                      validity_months=12)  # fmt: skip
    engineering = Course.objects.create(code="OT-ENG-201", title="Secure engineering", kind="role-based",
                                        validity_months=24)  # fmt: skip
    modbus = Course.objects.create(code="OT-PRO-310", title="Modbus and DNP3 for operators", kind="protocol",
                                   validity_months=24)  # fmt: skip
    role = CsmsRole.objects.create(name="Control engineer")
    ann = Person.objects.create(organisation=org, site=site_a, name="Ann Engineer", email="ann@plant-a.test")
    bea = Person.objects.create(organisation=org, site=site_b, name="Bea Relay", email="bea@sub-b.test")
    everywhere = Person.objects.create(organisation=org, name="Olga Wide", email="olga@hq.test")
    RoleAssignment.objects.create(site=site_a, role=role, person=ann)
    CourseRequirement.objects.create(site=site_a, course=awareness)
    CourseRequirement.objects.create(site=site_a, course=modbus, role=role)
    CourseRequirement.objects.create(site=site_b, course=awareness)
    return Training(awareness, engineering, modbus, role, ann, bea, everywhere)
