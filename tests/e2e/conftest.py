"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]  # fmt: skip


FAILURES = Path(__file__).resolve().parents[2] / ".e2e-failures"  # screenshots of what failed (git-ignored)


def screenshot(page, request, what: str = "") -> Path:
    """Keep a full-page screenshot of ``page`` for the failing test (and ``what`` it was at)."""
    FAILURES.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{request.node.name}-{what}".strip("-"))[:150] + ".png"
    path = FAILURES / name
    with contextlib.suppress(Exception):  # a screenshot must never hide the failure itself
        page.screenshot(path=str(path), full_page=True)
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    if request.node.stash.get(_FAILED, False):
        screenshot(page, request, "at-failure")
    context.close()
