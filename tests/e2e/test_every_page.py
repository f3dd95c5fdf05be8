"""Every page of the web UI in the browser, on the demo operator, as its org admin and as a read-only auditor of
one site: no console error, no request to another host, an <h1> on every page, a label on every form field.
The pages come from the URL resolver (tests/page_urls.py), so a new page is visited without being named here.
A page that fails is kept as a screenshot (tests/e2e/conftest.py: .e2e-failures/)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from otcsms.core.models import User
from otcsms.tenancy.models import Site
from tests.conftest import make_user
from tests.demo_data import demo_operator
from tests.e2e.conftest import screenshot
from tests.page_urls import page_urls

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Every visible form field without a label (its own <label>, aria-label, aria-labelledby or title).
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')].filter(el => {
  const type = (el.getAttribute('type') || '').toLowerCase();
  if (['hidden', 'submit', 'button', 'reset', 'image'].includes(type)) return false;
  if (el.closest('[hidden]') || el.getAttribute('aria-hidden') === 'true') return false;
  return !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')
    && !el.getAttribute('title');
}).map(el => el.outerHTML.slice(0, 120))"""


@pytest.fixture
def demo(transactional_db):
    demo_operator()
    return Site.objects.get(code="riverside-wtp")


def signed_in(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def test_every_page_is_clean_in_the_browser(browser, live_server, demo, request):
    """Both personas in one test: the demo is copied once (a second copy after the live server's flush would
    meet the content types that the flush's migrate signal wrote again)."""
    auditor = make_user("audrey-e2e", roles={demo: "auditor"})
    problems = []
    visited = {}
    for persona, user in (("admin", User.objects.get(username="admin")), ("auditor", auditor)):
        found, count = visit_every_page(browser, live_server, user, request, persona)
        problems += found
        visited[persona] = count
    assert visited["admin"] > 100 and visited["auditor"] > 40, visited
    assert not problems, f"{len(problems)} pages with problems ({visited} visited):\n" + "\n".join(problems)


def visit_every_page(browser, live_server, user, request, persona) -> tuple[list[str], int]:
    checker = Client()
    checker.force_login(user)
    urls, _skipped = page_urls(lambda url: checker.get(url).status_code == 200)
    own_host = urlsplit(live_server.url).netloc
    context = signed_in(browser, live_server, user)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    foreign: list[str] = []
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console {msg.type}: {msg.text[:200]} ({msg.location.get('url', '')})")
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(f"script error: {str(exc)[:200]}"))

    def outward(req) -> None:
        parts = urlsplit(req.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != own_host:
            foreign.append(req.url[:200])

    page.on("request", outward)
    problems: list[str] = []
    visited = 0
    for url in urls:
        if checker.get(url).status_code != 200 or "attachment" in checker.get(url).get(
            "Content-Disposition", ""
        ):
            continue  # not a page for this user (a 403/404 is the scoping at work), or a file
        errors.clear()
        foreign.clear()
        response = page.goto(url, wait_until="load")
        visited += 1
        found = []
        if response is None or response.status != 200:
            found.append(f"status {response.status if response else 'none'}")
        if page.locator("h1").count() == 0:
            found.append("no <h1>")
        if unlabelled := page.evaluate(UNLABELLED):
            found.append(f"fields without a label: {unlabelled[:3]}")
        found += errors + [f"request to another host: {u}" for u in foreign]
        if found:
            problems.append(f"{persona} {url}: {'; '.join(found)}")
            screenshot(page, request, f"{persona}-{url}")
    context.close()
    return problems, visited
