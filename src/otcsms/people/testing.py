"""One object of each training path at a site, for the access test (declared in people/registry.py)."""

from __future__ import annotations

from datetime import date

from otcsms.org.models import Person
from otcsms.people.models import Completion, Course, CourseAssignment, CourseRequirement, Screening
from otcsms.tenancy.models import Site


def access_objects(site: Site) -> dict[str, int]:
    person = Person.objects.create(organisation=site.organisation, site=site, name=f"Trainee of {site.code}",
                                   email=f"trainee@{site.code}.test")  # fmt: skip
    course = Course.objects.create(code=f"AWR-{site.code}"[:40], title=f"Awareness at {site.code}")
    completion = Completion.objects.create(
        site=site, person=person, course=course, completed_on=date(2026, 1, 5)
    )
    return {
        "courses": course.pk,
        "course-requirements": CourseRequirement.objects.create(site=site, course=course).pk,
        "course-assignments": CourseAssignment.objects.create(site=site, person=person, course=course).pk,
        "completions": completion.pk,
        "screenings": Screening.objects.create(site=site, person=person, completed_on=date(2025, 3, 1)).pk,
        "training-matrix": site.pk,
    }
