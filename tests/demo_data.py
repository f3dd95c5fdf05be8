"""The demo operator as tests use it: written for real once per test process, copied into each test after that
(tests/db_snapshots.py). Whether a second run of the demo changes nothing is asked once, for every table
(tests/web/test_demo_pages.py), not again by each app's tests.
"""

from __future__ import annotations

from typing import Any

DEMO_PASSWORD = "demo-password-for-tests"


def load_organisation_and_demo() -> Any:
    from otcsms.demo.operator import load_demo
    from otcsms.tenancy.models import Organisation
    from tests.conftest import make_user

    Organisation.objects.create(name="My organisation")
    make_user("admin", org_admin=True)
    return load_demo(password=DEMO_PASSWORD)


def load_library_and_demo() -> Any:
    from otcsms.catalogs.loader import load_shipped_library
    from tests.db_snapshots import restore

    restore("shipped library", load_shipped_library)  # itself a copy after the first time
    return load_organisation_and_demo()


def demo_operator() -> Any:
    """The organisation, its admin ("admin") and the demo operator (without the framework library)."""
    from tests.db_snapshots import restore

    return restore("demo operator", load_organisation_and_demo)


def library_and_demo() -> Any:
    """The shipped framework library, then the organisation, its admin and the demo operator."""
    from tests.db_snapshots import restore

    return restore("shipped library and demo operator", load_library_and_demo)
