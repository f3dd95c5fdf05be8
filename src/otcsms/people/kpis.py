"""The people app's KPI (declared in people/registry.py: kpis): training compliance, the share of the training a
site requires of its people that is current."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.utils import timezone

from otcsms.org.models import Person
from otcsms.people.services import ReadinessBook
from otcsms.tenancy.models import Site


def training_compliance(site: Site, today: date | None = None) -> float | None:
    """Percent of the (person, required course) pairs of the site whose training is current, over the people
    of the training matrix (active, of the site or with a CSMS role there); None when the site requires no
    training of anyone. A constant number of queries (the readiness book reads everyone at once)."""
    people = (
        Person.objects.filter(Q(site=site) | Q(role_assignments__site=site), active=True)
        .values_list("pk", flat=True)
        .distinct()
    )
    ids = list(people)
    book = ReadinessBook(site, ids, today=today or timezone.localdate())
    required = current = 0
    for person_id in ids:
        for need in book.of(person_id).items:
            if need.course_id is not None:
                required += 1
                current += need.status == "ok"
    return None if not required else round(100 * current / required, 1)
