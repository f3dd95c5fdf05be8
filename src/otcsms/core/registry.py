"""The app registry: what each otcsms app contributes, read by shared code that never names an app.

An app contributes by subclassing ``OtcsmsAppConfig`` in its ``apps.py`` and declaring
``contributions = Contributions(...)`` in ``<app>/registry.py`` (core's own sit at the end of this module).
Shared code only iterates what is declared:

    otcsms/api.py                   adds every ``api_router`` to the one NinjaAPI            api_routers()
    web/urls.py                     includes every ``urls`` module (namespace "web")          url_modules()
    web/context.py                  shows every ``navigation`` entry, by order                navigation()
    otcsms/cli.py                   adds every ``cli`` command or Typer sub-app               cli_commands()
    demo/operator.py                runs every ``demo`` step, by order, in one transaction    demo_steps()
    tests/core/test_api_access.py   builds site A's objects with every ``access_objects``    registered()
    the checks engine               imports every ``checks_module``                          checks_modules()
    the jobs app                    schedules every entry of ``jobs``                        jobs()
    a site's page (org)             shows every ``site_sections`` panel, by order            site_sections()
    the assessment answer page      adds every ``response_evidence`` cell to its rows         response_evidence()
    the evidence app                links documents to records of every ``evidence_targets``  evidence_targets()
    an object's page (ui.generic)   shows every ``object_panels`` panel, by order             object_panels()
    the reports app                 offers every ``reports`` kind, per site                   report_kinds()
    the improvement app             captures every ``kpis`` entry per site, charts its trend  kpis()
    the review calendar             lists what every ``review_schedules`` function has due    review_schedules()

Everything is named by a dotted import path and imported only where it is used. The CLI reads this registry
before Django is set up (``otcsms --help`` and ``otcsms init`` run where no database or settings exist yet),
so this module and every ``registry.py`` import no models, no ninja and not the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from otcsms.installed_apps import OTCSMS_APPS


@dataclass(frozen=True)
class NavEntry:
    """A link of the navigation bar, to a page that works end to end (never a dead link).

    ``order`` places it: the dashboard is 0, each app takes a hundred (org 100, plant 200, assessments 300,
    catalogs 400, ...), the audit trail is 900. ``org_admins_only`` hides it from everyone else.
    """

    label: str
    url_name: str
    order: int
    org_admins_only: bool = False


@dataclass(frozen=True)
class CliCommand:
    """``otcsms <name>``: ``target`` names a function (one command) or a ``typer.Typer`` (a group).

    The target's module is imported before Django is set up: it imports Django and models inside the
    command (see ``otcsms.cli_support``).
    """

    name: str
    target: str


@dataclass(frozen=True)
class ImportKind:
    """``otcsms import KIND FILE``: one more kind for the import command (the plant app's, which owns it).

    ``target`` names a function ``(file, *, site, system, as_json, data_dir) -> None`` that imports before Django
    is set up, like a command. ``needs`` names the option the kind requires ("site", "system" or "").
    """

    kind: str
    target: str
    needs: str = ""


@dataclass(frozen=True)
class DemoStep:
    """``target(summary)`` adds the app's part of the demo operator (``otcsms.demo.operator.DemoSummary``).

    Steps run by ``order`` in one transaction, each after the steps it builds on (the organisation is 100,
    its users 300). A step finds its data already there on a second run and changes nothing.
    """

    target: str
    order: int


@dataclass(frozen=True)
class ReportKind:
    """``otcsms report NAME``: a report of a site, offered by the reports app (which never names the app).

    ``builder`` names a function ``(site, user, params) -> reports.framework.ReportData`` that reads the app's
    data as ``user`` may see it; the reports app renders what it returns to HTML and PDF.
    """

    name: str
    title: str
    builder: str


@dataclass(frozen=True)
class Kpi:
    """A key performance indicator of the CSMS, captured per site by the improvement app (its worker job and
    on demand) and charted as a trend on the CSMS health page and the dashboard.

    ``function`` names a function ``(site) -> float | None | Mapping[str, float]``: one number, None when the
    site has nothing to measure yet, or one number per series (a framework, a severity) for a KPI that is
    measured several ways at once. It reads the app's data of that site with a constant number of queries.
    ``unit`` is ``%``, ``count`` or ``days``; ``better`` says which way is good (``higher`` or ``lower``);
    ``list_url`` is the URL name of the list behind the number (given ``?site=``), "" for none.
    """

    key: str
    title: str
    function: str
    unit: str = "count"
    better: str = "lower"
    list_url: str = ""
    order: int = 500


@dataclass(frozen=True)
class Contributions:
    """What one app adds to the shared parts of otcsms; every field is optional."""

    # A ninja Router ("otcsms.plant.api.router"), mounted at /api/v1/.
    api_router: str | None = None
    # A URL module ("otcsms.plant.urls") included at "" inside the "web" namespace.
    urls: str | None = None
    navigation: tuple[NavEntry, ...] = ()
    cli: tuple[CliCommand, ...] = ()
    demo: tuple[DemoStep, ...] = ()
    # Kinds added to `otcsms import KIND FILE` ("accounts"), each handled by the app that declares it.
    import_kinds: tuple[ImportKind, ...] = ()
    # The module holding the app's continuous checks ("otcsms.plant.checks"): the checks engine imports it.
    checks_module: str | None = None
    # The app's scheduled jobs, each the dotted path of what the jobs app schedules (a task with its schedule).
    jobs: tuple[str, ...] = ()
    # Panels of a site's page: each a function (user, site) -> ui.site_sections.SiteSection, listing what the
    # app holds for that site as the user may see it (counts and links), placed by the section's order.
    site_sections: tuple[str, ...] = ()
    # A function (user, response ids) -> {response id: safe HTML}: the evidence cell of each row of an
    # assessment's answer page, from an app above assessments (which never imports it).
    response_evidence: str | None = None
    # Models ("risks.risk") whose records documents may evidence: the evidence app links to any model any app
    # declares here (one with ``objects.for_user``; a site's record only from a document of that site).
    evidence_targets: tuple[str, ...] = ()
    # Panels of any object's page: each a function (user, obj) -> ui.object_panels.ObjectPanel, or None when it
    # has nothing to say about that kind of object (the generic detail page and the plant's zone and asset pages
    # show them by order).
    object_panels: tuple[str, ...] = ()
    # Report kinds of a site (`otcsms report KIND`, the Reports page, /api/v1/reports/{kind}).
    reports: tuple[ReportKind, ...] = ()
    # Key performance indicators the app measures per site (captured and charted by the improvement app).
    kpis: tuple[Kpi, ...] = ()
    # Functions (user, site ids) -> iterable of ui.reviews.ReviewDue: what the app has due for review (policies,
    # threat models, the CSMS scope, access reviews), shown together on the review calendar.
    review_schedules: tuple[str, ...] = ()
    # The access test (tests/core/test_api_access.py) covers every API route through these three.
    # A function (site) -> {path kind: pk} creating one object at `site` for each site-owned path kind (the
    # path's first segment, e.g. "zones"), so an outsider and a user of another site can be refused it.
    access_objects: str | None = None
    # Path kinds of organisation reference data: every member reads them, an outsider nothing.
    org_wide_paths: tuple[str, ...] = ()
    # Full paths about the caller's own account ("/me"), the same for everyone.
    self_service_paths: tuple[str, ...] = ()


class OtcsmsAppConfig(AppConfig):
    """Base of every otcsms app's config: its ``registry.py`` is read by the shared code.

    Subclass it as ``registry.OtcsmsAppConfig`` (``from otcsms.core import registry``): with the class
    itself imported into apps.py, Django finds two configs there and uses neither.
    """

    def ready(self) -> None:
        # Read now: a malformed registry.py stops the start, rather than the first request that needs it.
        contributions_of(self.name)


def app_names() -> list[str]:
    """The otcsms apps in INSTALLED_APPS order: Django's app registry once it is set up; before that (the
    CLI building its commands) the list the settings install, read without importing the settings."""
    if apps.apps_ready:  # set before any AppConfig.ready() runs, so ready() reads the installed apps too
        return [config.name for config in apps.get_app_configs() if isinstance(config, OtcsmsAppConfig)]
    return list(OTCSMS_APPS)


@cache  # what an app declares is code: it cannot change while the process runs
def contributions_of(app_name: str) -> Contributions:
    """The app's declared contributions; none when it has no registry.py."""
    module_name = f"{app_name}.registry"
    if find_spec(module_name) is None:
        return Contributions()
    declared = getattr(import_module(module_name), "contributions", None)
    if not isinstance(declared, Contributions):
        raise ImproperlyConfigured(f"{module_name} must define contributions = Contributions(...)")
    return declared


def registered() -> dict[str, Contributions]:
    """Every otcsms app's contributions, by app name, in INSTALLED_APPS order."""
    return {name: contributions_of(name) for name in app_names()}


def resolve(dotted_path: str) -> Any:
    """The object a contribution names ("otcsms.plant.api.router"), imported now."""
    return import_string(dotted_path)


def api_routers() -> list[str]:
    return [c.api_router for c in registered().values() if c.api_router]


def url_modules() -> list[str]:
    return [c.urls for c in registered().values() if c.urls]


def navigation() -> list[NavEntry]:
    """Every entry by order (entries of equal order keep INSTALLED_APPS order)."""
    return sorted((e for c in registered().values() for e in c.navigation), key=lambda e: e.order)


def cli_commands() -> list[CliCommand]:
    return [command for c in registered().values() for command in c.cli]


def import_kinds() -> list[ImportKind]:
    return [kind for c in registered().values() for kind in c.import_kinds]


def demo_steps() -> list[DemoStep]:
    """Every step by order (steps of equal order keep INSTALLED_APPS order)."""
    return sorted((s for c in registered().values() for s in c.demo), key=lambda s: s.order)


def checks_modules() -> list[str]:
    return [c.checks_module for c in registered().values() if c.checks_module]


def jobs() -> list[str]:
    return [job for c in registered().values() for job in c.jobs]


def site_sections() -> list[str]:
    return [section for c in registered().values() for section in c.site_sections]


def response_evidence() -> list[str]:
    return [c.response_evidence for c in registered().values() if c.response_evidence]


def evidence_targets() -> list[str]:
    """Every declared evidence target model label, once, in INSTALLED_APPS order."""
    return list(dict.fromkeys(label for c in registered().values() for label in c.evidence_targets))


def object_panels() -> list[str]:
    return [panel for c in registered().values() for panel in c.object_panels]


def report_kinds() -> list[ReportKind]:
    return [kind for c in registered().values() for kind in c.reports]


def kpis() -> list[Kpi]:
    """Every declared KPI by order (equal orders keep INSTALLED_APPS order); keys are unique."""
    found = sorted((k for c in registered().values() for k in c.kpis), key=lambda k: k.order)
    keys = [k.key for k in found]
    if len(keys) != len(set(keys)):
        raise ImproperlyConfigured(
            f"KPI keys declared twice: {sorted({k for k in keys if keys.count(k) > 1})}"
        )
    return found


def review_schedules() -> list[str]:
    return [f for c in registered().values() for f in c.review_schedules]


# Core is an app like the others; its registry module is this one.
contributions = Contributions(
    api_router="otcsms.core.api.router",
    org_wide_paths=("users", "audit"),
    self_service_paths=("/me", "/me/password", "/tokens", "/tokens/{pk}/revoke"),
)


# The demo operator: what every registered demo step is given, and reports back into.
@dataclass
class DemoSummary:
    """What the steps report back; each step reads ``password`` and may add to it."""

    password: str
    # Set by the organisation step: True when this run loaded the operator, False when it was there.
    created: bool = False
    users: list[tuple[str, str]] = field(default_factory=list)

    def describe(self) -> str:
        head = "demo operator loaded" if self.created else "demo operator already present (unchanged)"
        lines = [head, "demo users (password for each: " + self.password + "):"]
        lines += [f"  {name:<15} {what}" for name, what in self.users]
        return "\n".join(lines)
