"""One object of each organisation path at a site, for the access test (declared in org/registry.py)."""

from __future__ import annotations

from otcsms.core.models import User
from otcsms.org.models import CsmsActivity, CsmsRole, Person, Responsibility, RoleAssignment, ScopeStatement
from otcsms.tenancy.models import Site, SiteMembership


def access_objects(site: Site) -> dict[str, int]:
    role = CsmsRole.objects.create(name="OT engineer")
    activity = CsmsActivity.objects.create(name="Incident response")
    person = Person.objects.create(organisation=site.organisation, site=site, name="Ann Site-A")
    member = User.objects.create(username=f"member-of-{site.code}")
    return {
        "sites": site.pk,
        "memberships": SiteMembership.objects.create(user=member, site=site, role="viewer").pk,
        "people": person.pk,
        "role-assignments": RoleAssignment.objects.create(site=site, role=role, person=person).pk,
        "responsibilities": Responsibility.objects.create(
            site=site, activity=activity, role=role, raci="A"
        ).pk,
        "scope-statements": ScopeStatement.objects.create(site=site, version=1, statement="Scope A").pk,
        "csms-roles": role.pk,
        "csms-activities": activity.pk,
    }
