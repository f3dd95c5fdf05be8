"""The toy app joins otcsms from its own folder: its API is covered by the access test, its page renders
with its navigation entry, its command runs, its demo step, checks module and job are collected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from typer.testing import CliRunner

from otcsms.core import registry
from otcsms.core.models import AuditEvent
from otcsms.tenancy.models import Site
from tests.core.test_api_access import all_routes, check_refused, items, resource_of, site_a_objects  # noqa: F401
from tests.toyapp.models import Gadget

ROOT = Path(__file__).resolve().parents[2]
TOY_ROUTES = {
    ("GET", "/gadgets"),
    ("POST", "/gadgets"),
    ("GET", "/gadgets/{pk}"),
    ("PATCH", "/gadgets/{pk}"),
    ("DELETE", "/gadgets/{pk}"),
    ("GET", "/gadgets/{pk}/history"),
}


def test_nothing_outside_its_folder_names_it():
    """No code outside this folder names the toy app (pyproject.toml installs it for the test session)."""
    outside = [ROOT / "src", *(p for p in (ROOT / "tests").iterdir() if p.name != "toyapp")]
    naming = [
        str(path.relative_to(ROOT))
        for top in outside
        for path in ([top] if top.is_file() else top.rglob("*"))
        if path.suffix in (".py", ".html", ".toml", ".md") and "toyapp" in path.read_text(encoding="utf-8")
    ]
    assert naming == []


def test_its_api_routes_are_in_the_access_test(site_a_objects):  # noqa: F811
    assert {route for route in all_routes() if resource_of(route[1]) == "gadgets"} == TOY_ROUTES
    assert Gadget.objects.filter(pk=site_a_objects["gadgets"], site__code="plant-a").exists()


@pytest.mark.parametrize("persona", ["outsider", "b_viewer"])
def test_an_outsider_and_another_sites_user_get_nothing_of_it(
    request, api, persona, site_a, site_a_objects, b_viewer, outsider, a_contributor  # noqa: F811
):  # fmt: skip
    # the route works: site A's contributor reads the gadget the access test made
    assert [g["name"] for g in items(api(a_contributor).get("/gadgets"))] == ["Gadget A"]
    client = api(request.getfixturevalue(persona))
    events = AuditEvent.objects.count()
    for method, path in sorted(TOY_ROUTES):
        check_refused(client, persona, method, path, site_a, site_a_objects)
    assert AuditEvent.objects.count() == events
    assert Gadget.objects.get(pk=site_a_objects["gadgets"]).name == "Gadget A"


def test_its_page_renders_with_its_navigation_entry_for_org_admins_only(org_admin, a_contributor, site_a):
    Gadget.objects.create(site=site_a, name="Flow meter")
    for user, sees_entry in [(org_admin, True), (a_contributor, False)]:
        client = Client()
        client.force_login(user)
        r = client.get("/gadgets/")
        assert r.status_code == 200 and "Flow meter" in r.content.decode()
        assert (("Gadgets", "web:gadget_list") in r.context["nav_items"]) is sees_entry
    labels = [label for label, _ in r.context["nav_items"]]
    assert labels.index("Assessments") < labels.index("Frameworks") < labels.index("Audit trail")


def test_its_command_runs(settings, site_a):
    from otcsms.cli import app

    settings.SECRET_KEY_PERSISTENT = True  # the test database stands in for an initialised instance
    Gadget.objects.create(site=site_a, name="Flow meter")
    runner = CliRunner()
    assert "gadgets" in runner.invoke(app, ["--help"]).output
    result = runner.invoke(app, ["gadgets", "--site", "plant-a", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"site": "plant-a", "name": "Flow meter"}]
    unknown = runner.invoke(app, ["gadgets", "--site", "nowhere"])
    assert unknown.exit_code == 2


def test_its_demo_step_runs_after_the_organisation_and_once(db):
    from otcsms.demo.operator import load_demo
    from tests.demo_data import demo_operator

    demo_operator()  # the demo's first run (a copy of it), the toy app's step included
    load_demo(password="demo-password-for-tests")
    water = Site.objects.get(code="riverside-wtp")
    assert list(Gadget.objects.values_list("site", "name")) == [(water.pk, "Chlorine analyser")]


def test_its_checks_module_and_job_are_collected():
    assert "tests.toyapp.checks" in registry.checks_modules()
    assert "tests.toyapp.jobs.count_gadgets" in registry.jobs()
    assert callable(registry.resolve("tests.toyapp.jobs.count_gadgets"))


def test_its_check_opens_a_finding_and_closes_it_once_fixed(site_a):
    from otcsms.checks.engine import REGISTRY, run_checks
    from otcsms.checks.models import Finding

    assert REGISTRY["toyapp.gadget-unnamed"].severity == "low"
    gadget = Gadget.objects.create(site=site_a, name="   ")
    run_checks(site_a)
    finding = Finding.objects.get(check_id="toyapp.gadget-unnamed", object_id=gadget.pk)
    assert finding.status == "open" and finding.message == f"gadget #{gadget.pk} has no name"
    gadget.name = "FIT-101"
    gadget.save()
    run_checks(site_a)
    finding.refresh_from_db()
    assert finding.status == "closed"
