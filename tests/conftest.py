"""Shared fixtures: the persona set every access test uses, API clients, and the acting actor.

Personas (all on two sites, A and B):
  org_admin      organisation admin
  a_contributor  contributor on site A
  b_viewer       viewer on site B
  auditor        auditor on sites A and B
  outsider       an active user with no role anywhere
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pytest
from django.test import Client

from otcsms.core.actor import Actor, acting_as
from otcsms.core.models import ApiToken, AuditEvent, User
from otcsms.tenancy.models import Organisation, Site, SiteMembership

PASSWORD = "correct-horse-battery-staple"

# Fixtures shared beyond their own folder (the browser tests use the small assessment library too; the
# command's tests in several folders run real instances).
pytest_plugins = ["tests.assessments.fixtures", "tests.cli.instances"]


def pytest_configure(config):
    from hypothesis import HealthCheck
    from hypothesis import settings as hypothesis_settings

    # Property tests judge the code, never the machine: no time limit per example and no "input generation is
    # slow" health check, both of which fail on a loaded CI machine (two cores shared by four test processes).
    hypothesis_settings.register_profile(
        "otcsms", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
    )
    hypothesis_settings.load_profile("otcsms")
    import tempfile
    from pathlib import Path

    from django.conf import settings

    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]
    # The audit trail refuses to hash or sign without its keys (production: DATA_DIR/audit_key and
    # audit_signing_key, or OTCSMS_AUDIT_KEY / OTCSMS_AUDIT_SIGNING_KEY): fixed keys for the whole suite.
    settings.AUDIT_KEY = bytes(range(32))
    settings.AUDIT_SIGNING_KEY = bytes(range(32, 64))
    # Evidence blobs of the whole run in a temporary folder, never in the checkout's data directory.
    settings.STORAGES = {**settings.STORAGES, "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                         "OPTIONS": {"location": tempfile.mkdtemp(prefix="otcsms-evidence-")}}}  # fmt: skip
    db = settings.DATABASES["default"]
    suffix = os.environ.get("OTCSMS_TEST_DB_SUFFIX", "")
    if suffix and db["ENGINE"].endswith("postgresql"):
        # Separate test databases for concurrent runs on one PostgreSQL server (pytest-django adds the
        # xdist worker id after this name).
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{suffix}"
    if db["ENGINE"].endswith("sqlite3"):
        # A file, not :memory:, so tests see what production sees: WAL, one writer, real locking.
        # pytest-django adds the xdist worker id to the name.
        # One folder per test process: concurrent runs (two checkouts, a developer and CI) never share a file.
        folder = Path(tempfile.mkdtemp(prefix="otcsms-tests-"))
        db.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")


# Fixtures through which a test reaches the database under test: pytest-django's own (``db`` and its kin all
# depend on ``django_db_setup``) and the real instances of tests/cli/instances.py (``otcsms`` started as a
# process against DATABASE_URL).
DATABASE_FIXTURES = frozenset({"django_db_setup", "instance", "initialised_instance", "live_server"})


def reaches_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or not DATABASE_FIXTURES.isdisjoint(
        getattr(item, "fixturenames", ())
    )


def pytest_collection_modifyitems(config, items):
    """``OTCSMS_TEST_DATABASE_ONLY=1`` (the second database's run in scripts/run_tests.py): keep only the tests
    that reach the database. The rest (parsers, pure engines, the import graph, settings parsing) gave their
    answer on the first run and would give it again."""
    if os.environ.get("OTCSMS_TEST_DATABASE_ONLY") != "1":
        return
    keep = [item for item in items if reaches_database(item)]
    dropped = [item for item in items if not reaches_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(autouse=True)
def _test_actor():
    """Fixture data is written by a 'system' actor; requests and CLI calls set their own."""
    with acting_as(Actor(kind="system", label="pytest")) as actor:
        yield actor


@pytest.fixture
def shipped_library(db):
    """The whole shipped framework library, as `otcsms init` loads it: copied from the one real load of this
    test process (tests/db_snapshots.py), seconds faster than a load."""
    from otcsms.catalogs.loader import load_shipped_library
    from tests.db_snapshots import restore

    return restore("shipped library", load_shipped_library)


def create_org() -> Organisation:
    return Organisation.objects.create(name="Test Utility")


def create_site_a(org: Organisation) -> Site:
    return Site.objects.create(organisation=org, name="Plant A", code="plant-a", sector="water")


def create_site_b(org: Organisation) -> Site:
    return Site.objects.create(organisation=org, name="Substation B", code="sub-b",
                               sector="electric-transmission", nerc_impact="medium")  # fmt: skip


@pytest.fixture
def org(db):
    return create_org()


@pytest.fixture
def site_a(org):
    return create_site_a(org)


@pytest.fixture
def site_b(org):
    return create_site_b(org)


def make_user(username: str, *, org_admin: bool = False, roles: dict | None = None) -> User:
    user = User(username=username, email=f"{username}@example.test", is_org_admin=org_admin)
    user.set_password(PASSWORD)
    user.save()
    for site, role in (roles or {}).items():
        SiteMembership.objects.create(user=user, site=site, role=role)
    return user


def create_org_admin() -> User:
    return make_user("olivia", org_admin=True)


def create_a_contributor(site_a: Site) -> User:
    return make_user("alice", roles={site_a: "contributor"})


@pytest.fixture
def org_admin(site_a, site_b):
    return create_org_admin()


@pytest.fixture
def a_contributor(site_a):
    return create_a_contributor(site_a)


def site_objects(site: Site) -> dict[str, int]:
    """{API path kind: pk} of one object of ``site`` per site-owned path, built by every app's
    ``access_objects`` (core.registry)."""
    from otcsms.core import registry

    objects: dict[str, int] = {}
    for declared in registry.registered().values():
        if declared.access_objects:
            objects |= registry.resolve(declared.access_objects)(site)
    return objects


def _build_site_a_world() -> dict[str, int]:
    org = create_org()
    site_a = create_site_a(org)
    create_site_b(org)
    create_org_admin()
    create_a_contributor(site_a)
    return site_objects(site_a)


@pytest.fixture
def site_a_world(db) -> dict[str, int]:
    """What the tests that visit every route need: the organisation, sites A and B, the org admin (olivia), the
    contributor at A (alice) and one site-A object per site-owned API path ({path kind: pk}, as
    ``site_a_objects``). Built for real once per test process and copied after that (tests/db_snapshots.py):
    the objects of every app take a second or two to write, and these tests are one per route."""
    from tests.db_snapshots import restore

    return restore("site A world", _build_site_a_world)


@pytest.fixture
def b_viewer(site_b):
    return make_user("bob", roles={site_b: "viewer"})


@pytest.fixture
def auditor(site_a, site_b):
    return make_user("audrey", roles={site_a: "auditor", site_b: "auditor"})


@pytest.fixture
def outsider(site_a, site_b):
    return make_user("oscar")


@dataclass
class ApiClient:
    """JSON calls to /api/v1 as one user, by session (with CSRF enforced) or bearer token."""

    client: Client
    headers: dict

    def call(self, method: str, path: str, body=None, **params):
        url = "/api/v1" + path
        kwargs = {"headers": self.headers}
        if body is not None:
            kwargs["data"] = body if isinstance(body, str | bytes) else json.dumps(body)
            kwargs["content_type"] = "application/json"
        if params:
            kwargs["query_params"] = params
        return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, path: str, **params):
        return self.call("GET", path, **params)

    def post(self, path: str, body=None):
        return self.call("POST", path, body if body is not None else {})

    def patch(self, path: str, body):
        return self.call("PATCH", path, body)

    def delete(self, path: str, **params):
        return self.call("DELETE", path, **params)


def token_client(user: User) -> ApiClient:
    _token, secret = ApiToken.issue(user, "test")
    return ApiClient(Client(), {"Authorization": f"Bearer {secret}"})


@pytest.fixture
def api():
    """api(user) -> a bearer-token client for that user."""
    return token_client


@pytest.fixture
def session_api():
    """session_api(user) -> a logged-in browser-session client that enforces CSRF like a real browser."""

    def make(user: User, *, csrf: bool = False) -> ApiClient:
        """With ``csrf``, the client carries a CSRF cookie and header as a browser page's script does."""
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        if not csrf:
            return ApiClient(client, {})
        from django.utils.crypto import get_random_string

        secret = get_random_string(32)
        client.cookies["csrftoken"] = secret
        return ApiClient(client, {"X-CSRFToken": secret})

    return make


def audit_count() -> int:
    return AuditEvent.objects.count()


def pytest_runtest_logreport(report):
    """``OTCSMS_TEST_TIMES=FILE``: each phase's time of each test appended to FILE as it ends (tab-separated: test,
    phase, seconds, outcome), so where a long run spends its time can be read while it runs (docs/benchmarks.md)."""
    path = os.environ.get("OTCSMS_TEST_TIMES")
    if path and not os.environ.get("PYTEST_XDIST_WORKER"):  # under xdist the controller writes, once
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{report.nodeid}\t{report.when}\t{report.duration:.3f}\t{report.outcome}\n")
