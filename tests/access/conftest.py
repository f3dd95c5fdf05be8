"""A site-A HMI with people, and the site's approver, for the access tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from otcsms.access.models import AccessGrant, AccessSystem
from otcsms.org.models import Person
from tests.conftest import make_user


@dataclass
class Hmi:
    system: AccessSystem
    ann: Person  # an operator
    ben: Person  # requests access for others
    cat: Person  # approves it
    dan: Person  # has left


@pytest.fixture
def hmi(site_a) -> Hmi:
    org = site_a.organisation
    people = [Person.objects.create(organisation=org, site=site_a, name=n, email=f"{n.lower()}@plant-a.test")
              for n in ("Ann", "Ben", "Cat", "Dan")]  # fmt: skip
    system = AccessSystem.objects.create(site=site_a, name="HMI-1", kind="hmi-scada", owner=people[2])
    return Hmi(system, *people)


@pytest.fixture
def a_approver(site_a):
    return make_user("april", roles={site_a: "approver"})


@pytest.fixture
def a_admin(site_a):
    return make_user("adam", roles={site_a: "site-admin"})


def grant(hmi: Hmi, person: Person, privilege: str = "operate", **extra) -> AccessGrant:
    return AccessGrant.objects.create(
        site=hmi.system.site, system=hmi.system, person=person, privilege=privilege, justification="shift work",
        requested_by=hmi.ben, approved_by=hmi.cat, **extra,
    )  # fmt: skip
