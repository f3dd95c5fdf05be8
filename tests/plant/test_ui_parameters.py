"""No page of the plant and organisation apps answers odd parameters with a 5xx.

The routes are read from the URL configuration, so a page added to ``otcsms.plant.urls`` or ``otcsms.org.urls``
is covered without touching this file. Each gets, as GET and as POST, every parameter a view of these apps reads
(and every field of its form) set to values that are not what a browser sends: digits int() refuses or reads
differently, numbers beyond 64 bits, negatives, empty strings, NUL bytes, path traversal. Ids in the path get
the same. The answer may be a page, a redirect, 400, 403, 404 or a form error; never 500.
"""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from otcsms.org import services as org_services
from otcsms.org.models import CsmsActivity, CsmsRole, Person, Responsibility, RoleAssignment
from otcsms.plant.models import SystemUnderConsideration, Zone
from otcsms.tenancy.models import SiteMembership

APPS = ("otcsms.org.urls", "otcsms.plant.urls")
ODD_VALUES = [
    "²",
    "1000000000000000000000000000000",
    "9223372036854775808",
    "-1",
    "",
    "\x00",
    "../../etc/passwd",
]
ODD_IDS = ["²", "1000000000000000000000000000000", "9223372036854775808", "0", "-1", "..%2F..%2Fetc%2Fpasswd"]
# Parameters the function views of these apps read; form views add their form's fields.
READ_PARAMETERS = ["site", "zone", "type", "criticality", "protocol", "q", "page", "activity", "role", "raci",
                   "kind", "format", "reason", "next", "statement"]  # fmt: skip


def ui_routes() -> dict[str, URLPattern]:
    """Every route of the plant and organisation apps, by its reversible name."""
    found: dict[str, URLPattern] = {}

    def walk(patterns, namespace: str, inside: bool) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                # include("x.urls") holds the imported module; a dotted name or a list elsewhere
                module = getattr(pattern.urlconf_name, "__name__", pattern.urlconf_name)
                walk(pattern.url_patterns, pattern.namespace or namespace, inside or module in APPS)
            elif inside and pattern.name:
                found[f"{namespace}:{pattern.name}"] = pattern

    walk(get_resolver().url_patterns, "", False)
    return found


ROUTES = ui_routes()


def test_the_routes_are_found():
    assert {"web:zone_edit", "web:asset_list", "web:plant_diagram", "web:raci", "web:scope_approve"} <= set(
        ROUTES
    )


@pytest.fixture
def objects(plant_a, zone_b, site_a, org_admin, a_contributor):
    """One object of every kind on site A, by model."""
    role = CsmsRole.objects.create(name="OT engineer")
    activity = CsmsActivity.objects.create(name="Patch management")
    person = Person.objects.create(organisation=site_a.organisation, site=site_a, name="Ann")
    system = SystemUnderConsideration.objects.create(site=site_a, name="Treatment")
    system.zones.add(Zone.objects.get(site=site_a, name="Control"))
    scope = org_services.revise_scope(site_a, by=a_contributor, statement="Process control network")
    found = {
        "site": site_a, "csmsrole": role, "csmsactivity": activity, "person": person, "scopestatement": scope,
        "roleassignment": RoleAssignment.objects.create(site=site_a, role=role, person=person),
        "responsibility": Responsibility.objects.create(site=site_a, activity=activity, role=role, raci="A"),
        "sitemembership": SiteMembership.objects.get(site=site_a, user=a_contributor),
        "systemunderconsideration": system,
    }  # fmt: skip
    for model in ("zone", "conduit", "asset"):
        found[model] = next(iter(_model(model).objects.filter(site=site_a)))
    return found


def _model(name: str):
    from django.apps import apps

    return apps.get_model("plant", name)


def _view_class(pattern: URLPattern):
    return getattr(pattern.callback, "view_class", None)


def _ids_for(pattern: URLPattern, objects: dict) -> list[int]:
    """Real ids for the route's ``pk``: its model's object, or for a function view each object it may mean."""
    model = getattr(_view_class(pattern), "model", None)
    if model is not None:
        return [objects[model._meta.model_name].pk]
    return [objects["site"].pk, objects["scopestatement"].pk]


def _parameters(pattern: URLPattern) -> list[str]:
    form_class = getattr(_view_class(pattern), "form_class", None)
    return READ_PARAMETERS + (list(form_class.base_fields) if form_class is not None else [])


def _answer(client: Client, method: str, url: str, data: dict) -> int:
    # Each request in a savepoint rolled back: a delete or a create does not change what the next one sees.
    with transaction.atomic():
        response = client.get(url, data) if method == "GET" else client.post(url, data)
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_odd_parameters_never_give_a_server_error(name, objects, org_admin):
    client = Client()
    client.force_login(org_admin)
    pattern = ROUTES[name]
    takes_pk = "pk" in pattern.pattern.converters
    urls = [reverse(name, args=[pk]) for pk in _ids_for(pattern, objects)] if takes_pk else [reverse(name)]
    names = _parameters(pattern)
    for url in urls:
        for value in ODD_VALUES:
            data = dict.fromkeys(names, value)
            for method in ("GET", "POST"):
                status = _answer(client, method, url, data)
                assert status < 500, (method, url, repr(value), status)
    if takes_pk:
        template = re.sub(r"/\d+/", "/{}/", urls[0], count=1)
        for odd in ODD_IDS:
            for method in ("GET", "POST"):
                status = _answer(client, method, template.format(odd), {})
                assert status in (400, 404), (method, template.format(odd), status)
