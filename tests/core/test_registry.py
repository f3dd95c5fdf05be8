"""The app registry: every declaration resolves, nothing collides, and the CLI reads it without Django."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import import_module
from types import ModuleType

import pytest
import typer
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from ninja import Router

from otcsms.core import registry
from otcsms.installed_apps import OTCSMS_APPS

PLATFORM_COMMANDS = {"init", "demo", "serve", "user", "token", "audit"}


def of_the_product(entries: list, field: str) -> list:
    """The entries the product's own apps declare (the test session installs a toy app besides them)."""
    others = {
        e for app, c in registry.registered().items() if app not in OTCSMS_APPS for e in getattr(c, field)
    }
    return [e for e in entries if e not in others]


def test_every_otcsms_app_is_installed_with_its_own_config():
    assert [a for a in settings.INSTALLED_APPS if a in OTCSMS_APPS] == list(OTCSMS_APPS)
    assert registry.app_names()[: len(OTCSMS_APPS)] == list(OTCSMS_APPS)
    for name in OTCSMS_APPS:
        config = next(c for c in apps.get_app_configs() if c.name == name)
        # the base itself means Django found two configs in apps.py and took neither (ready() not run)
        assert type(config) is not registry.OtcsmsAppConfig, name


def test_every_declared_path_resolves():
    for app, declared in registry.registered().items():
        if declared.api_router:
            assert isinstance(registry.resolve(declared.api_router), Router), app
        if declared.urls:
            assert hasattr(import_module(declared.urls), "urlpatterns"), app
        for entry in declared.navigation:
            assert reverse(entry.url_name), app
        for command in declared.cli:
            target = registry.resolve(command.target)
            assert isinstance(target, typer.Typer) or callable(target), command
        for path in [*(s.target for s in declared.demo), declared.access_objects]:
            assert path is None or callable(registry.resolve(path)), path
        if declared.checks_module:
            assert isinstance(import_module(declared.checks_module), ModuleType), app
        for job in declared.jobs:
            assert registry.resolve(job) is not None, job
        for section in declared.site_sections:
            assert callable(registry.resolve(section)), section
        if declared.response_evidence:
            assert callable(registry.resolve(declared.response_evidence)), declared.response_evidence
        for panel in declared.object_panels:
            assert callable(registry.resolve(panel)), panel
        for label in declared.evidence_targets:
            assert hasattr(apps.get_model(label).objects, "for_user"), label
        for kind in declared.reports:
            assert callable(registry.resolve(kind.builder)), kind
        for kpi in declared.kpis:
            assert callable(registry.resolve(kpi.function)), kpi
            assert kpi.unit in ("%", "count", "days") and kpi.better in ("higher", "lower"), kpi
            assert not kpi.list_url or reverse(kpi.list_url), kpi
        for schedule in declared.review_schedules:
            assert callable(registry.resolve(schedule)), schedule


def test_names_do_not_collide():
    commands = [c.name for c in registry.cli_commands()]
    assert len(commands) == len(set(commands)) and not set(commands) & PLATFORM_COMMANDS
    urls = [e.url_name for e in registry.navigation()]
    assert len(urls) == len(set(urls))
    kinds = [k.name for k in registry.report_kinds()]
    assert len(kinds) == len(set(kinds))
    assert len(registry.kpis()) == len({k.key for k in registry.kpis()})  # kpis() refuses duplicates too


def test_the_products_navigation_and_demo_keep_their_order():
    assert [e.label for e in of_the_product(registry.navigation(), "navigation")] == [
        "Dashboard", "Sites", "People", "CSMS roles", "Activities", "Zones & conduits", "Assets",
        "Assessments", "Training", "Access", "Drift", "Roadmap", "Drills & incidents", "Frameworks", "Documents", "Risks", "Vulnerabilities",
        "CSMS health", "Findings", "Reports", "Jobs", "Sign-in & sessions", "MFA policy", "Directory sign-in", "Audit trail",
    ]  # fmt: skip
    assert [s.target.rsplit(".", 1)[1] for s in of_the_product(registry.demo_steps(), "demo")] == [
        "load_organisation", "load_demo_plant", "load_users", "load_demo_signin", "load_demo_directory", "load_demo_assessments", "load_demo_people",
        "load_demo_links",
        "load_demo_access", "load_demo_evidence", "load_demo_report_template", "load_demo_configs", "load_demo_risk",
        "run_demo_checks",
        "load_demo_roadmap", "load_demo_resilience", "load_demo_improvement",
    ]  # fmt: skip


def test_a_registry_module_without_contributions_stops_the_start(tmp_path, monkeypatch):
    package = tmp_path / "brokenapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "registry.py").write_text("contribution = None  # misspelt\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImproperlyConfigured, match="brokenapp.registry must define contributions"):
        registry.contributions_of("brokenapp")
    assert registry.contributions_of("tests") == registry.Contributions()  # no registry.py: nothing


# What `otcsms` does on start, in a fresh interpreter: build every command from the registry, then report
# what that imported. A broken DATABASE_URL proves the settings were never read.
PROBE = """
import json, sys
import typer.main
from otcsms.cli import app
from django.apps import apps
from django.conf import settings
group = typer.main.get_command(app)
print(json.dumps({
    "commands": list(group.commands),
    "settings_read": settings.configured,
    "apps_ready": apps.ready,
    "heavy": sorted(m for m in sys.modules if m == "ninja" or (m.startswith("otcsms") and ".models" in m)),
}))
"""


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return env | {"DATABASE_URL": "mysql://nobody@nowhere/none", "OTCSMS_DATA_DIR": "/nonexistent/otcsms"}


def test_the_cli_builds_its_commands_without_django_settings_or_models():
    proc = subprocess.run([sys.executable, "-c", PROBE], env=cli_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    probe = json.loads(proc.stdout)
    assert probe == {
        "commands": [
            "import",
            "export",
            "worker",
            "gaps",
            "drift",
            "poam",
            "report",
            "backup",
            "restore",
            "export-json",
            "import-json",
            "check",
            "init",
            "demo",
            "serve",
            "user",
            "token",
            "audit",
            "people",
            "frameworks",
            "access",
            "config",
            "roadmap",
            "kpi",
        ],
        "settings_read": False,
        "apps_ready": False,
        "heavy": [],
    }


def test_help_works_where_nothing_is_configured():
    proc = subprocess.run(
        [sys.executable, "-m", "otcsms.cli", "--help"], env=cli_env(), capture_output=True, text=True
    )
    assert proc.returncode == 0 and "frameworks" in proc.stdout, proc.stderr
