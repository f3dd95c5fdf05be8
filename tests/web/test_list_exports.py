"""Every list page built on the generic list view (found through the URL resolver, so a new list is covered
without being named here) exports its rows as CSV, XLSX and JSON: the rows the page lists (search, filters,
site narrowing; every page of them), as the user may see them, with cells that never start a formula."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from otcsms.core.models import User
from otcsms.plant.models import Zone
from otcsms.tenancy.models import Site
from otcsms.ui.generic import ScopedListView
from tests.conftest import audit_count, make_user
from tests.demo_data import demo_operator


def list_routes() -> list[tuple[str, type[ScopedListView]]]:
    """(url name, view class) of every page whose view is a ScopedListView, without path arguments."""
    found: list[tuple[str, type[ScopedListView]]] = []

    def walk(patterns, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern):
                view = getattr(p.callback, "view_class", None)
                if view is not None and issubclass(view, ScopedListView) and "<" not in str(p.pattern):
                    found.append((f"{namespace}:{p.name}", view))

    walk(get_resolver().url_patterns, "")
    return sorted(found, key=lambda r: r[0])


ROUTES = list_routes()


def test_the_list_routes_are_found():
    names = {name for name, _ in ROUTES}
    assert {"web:zone_list", "web:asset_list", "web:threatscenario_list", "web:roadmap_action_list"} <= names
    assert len(ROUTES) >= 15


@pytest.fixture
def demo(db):
    demo_operator()
    return Site.objects.get(code="riverside-wtp")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows_of(response, fmt: str) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith("attachment; filename=")
    if fmt == "json":
        assert response["Content-Type"] == "application/json"
        return json.loads(response.content)
    if fmt == "csv":
        assert response["Content-Type"].startswith("text/csv")
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response.content.startswith(b"PK")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    values = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    width = len(values[0])  # a row's empty cells at its end are not stored
    return [dict(zip(values[0], [*row, *[""] * (width - len(row))], strict=True)) for row in values[1:]]


@pytest.mark.parametrize("name,view", ROUTES, ids=[name for name, _ in ROUTES])
def test_every_list_exports_what_the_user_may_see(demo, name, view):
    admin = User.objects.get(username="admin")
    narrow = make_user(f"narrow-{name.split(':')[1]}", roles={demo: "viewer"})
    url = reverse(name)
    everything = {int(r["id"]) for r in rows_of(logged_in(admin).get(url, {"format": "json"}), "json")}
    visible = set(view.model.objects.for_user(admin).values_list("pk", flat=True))
    assert everything <= visible
    mine = view.model.objects.for_user(narrow).values_list("pk", flat=True)
    before = audit_count()
    for fmt in ("csv", "xlsx", "json"):
        rows = rows_of(logged_in(narrow).get(url, {"format": fmt}), fmt)
        ids = {int(r["id"]) for r in rows}
        assert ids <= set(mine), f"{name}: {fmt} export holds rows of another site"
        header = ["id", *(label for label, _ in view.columns)]
        assert not rows or list(rows[0]) == header
    assert audit_count() == before  # exporting writes nothing
    # the site narrowing is honoured: another site's id lists nothing of it
    other = Site.objects.exclude(pk=demo.pk).first()
    narrowed = {
        int(r["id"]) for r in rows_of(logged_in(admin).get(url, {"format": "json", "site": other.pk}), "json")
    }
    if view.site_filtered and hasattr(view.model.objects.none(), "for_site"):
        assert narrowed <= set(
            view.model.objects.for_user(admin).for_site(other.pk).values_list("pk", flat=True)
        )


def test_the_export_follows_the_search_and_every_page(demo):
    admin = User.objects.get(username="admin")
    client = logged_in(admin)
    zones = Zone.objects.for_user(admin)
    one = zones.first()
    rows = rows_of(client.get(reverse("web:zone_list"), {"format": "json", "q": one.name}), "json")
    assert {r["Name"] for r in rows} == set(
        zones.filter(name__icontains=one.name).values_list("name", flat=True)
    )
    everything = rows_of(client.get(reverse("web:zone_list"), {"format": "csv", "page": "2"}), "csv")
    assert len(everything) == zones.count()  # not one page: all of them
    narrow = make_user("narrow", roles={demo: "viewer"})
    rows = rows_of(logged_in(narrow).get(reverse("web:zone_list"), {"format": "xlsx"}), "xlsx")
    assert sorted(int(r["id"]) for r in rows) == sorted(
        Zone.objects.filter(site=demo).values_list("pk", flat=True)
    )
    page = client.get(reverse("web:zone_list"), {"q": one.name}).content.decode()
    assert f"?q={one.name.replace(' ', '+')}&amp;format=csv" in page


def test_cells_never_start_a_formula(demo):
    admin = User.objects.get(username="admin")
    hostile = Zone.objects.filter(site=demo).first()
    hostile.name = '=HYPERLINK("http://evil.test","x")'
    hostile.save()
    client = logged_in(admin)
    for fmt in ("csv", "xlsx"):
        rows = rows_of(client.get(reverse("web:zone_list"), {"format": fmt, "site": demo.pk}), fmt)
        names = [r["Name"] for r in rows if int(r["id"]) == hostile.pk]
        assert names == ["'" + hostile.name]
    rows = rows_of(client.get(reverse("web:zone_list"), {"format": "json", "site": demo.pk}), "json")
    assert hostile.name in [r["Name"] for r in rows]  # JSON keeps the value as it is


@pytest.mark.parametrize("fmt", ["pdf", "x" * 5000, "../../etc/passwd", "CSV"])
def test_an_unknown_format_is_a_400_with_a_reason(demo, fmt):
    admin = User.objects.get(username="admin")
    r = logged_in(admin).get(reverse("web:zone_list"), {"format": fmt})
    assert r.status_code == 400 and "format must be one of csv, xlsx, json" in r.json()["detail"]


def test_an_outsider_is_sent_to_log_in(demo):
    r = Client().get(reverse("web:zone_list"), {"format": "csv"})
    assert r.status_code == 302 and b"Zone" not in r.content


# --- the list pages of their own (function views): the same files, the same scoping ---------------------------
def _site_rows(name: str, site: Site) -> set[int]:
    """The ids a list's export gives for ``site``'s rows (read from the database, not through the page)."""
    from otcsms.access.models import ReviewCampaign
    from otcsms.checks.models import Finding
    from otcsms.core.models import AuditEvent
    from otcsms.plant.models import Asset
    from otcsms.risk.models import Advisory

    return {
        "web:finding_list": lambda: set(Finding.objects.filter(site=site).values_list("pk", flat=True)),
        "web:config_drift": lambda: set(Asset.objects.filter(site=site).values_list("pk", flat=True)),
        "web:access_review_list": lambda: set(
            ReviewCampaign.objects.filter(site=site).values_list("pk", flat=True)
        ),
        "web:advisory_list": lambda: set(Advisory.objects.filter(site=site).values_list("pk", flat=True)),
        "web:audit": lambda: set(AuditEvent.objects.filter(site_id=site.pk).values_list("seq", flat=True)),
    }[name]()


FUNCTION_LISTS = {  # url name: (query that lists the most, a column of the file)
    "web:finding_list": ({"status": "all"}, "Severity"),
    "web:config_drift": ({}, "Highest severity"),
    "web:access_review_list": ({}, "Period start"),
    "web:advisory_list": ({}, "Advisory"),
    "web:audit": ({"type": "access.reviewcampaign"}, "Change"),
}


@pytest.mark.parametrize("name", list(FUNCTION_LISTS))
def test_the_function_view_lists_export_only_what_the_user_may_see(demo, name):
    query, column = FUNCTION_LISTS[name]
    admin = User.objects.get(username="admin")
    other = Site.objects.exclude(pk=demo.pk).order_by("pk").first()
    elsewhere = make_user(
        "elsewhere", roles={other: "auditor"}
    )  # may read all of its own site, trail included
    url = reverse(name)
    site_a = _site_rows(name, demo)
    listed = rows_of(logged_in(admin).get(url, {**query, "format": "json"}), "json")
    assert column in listed[0]
    assert {int(r["id"]) for r in listed} & site_a, f"{name}: the export lists none of the site's rows"
    before = audit_count()
    for fmt in ("csv", "xlsx", "json"):
        rows = rows_of(logged_in(elsewhere).get(url, {**query, "format": fmt}), fmt)
        assert not {int(r["id"]) for r in rows} & site_a, f"{name}: {fmt} export holds another site's rows"
    assert audit_count() == before  # exporting writes nothing
    if (
        name != "web:audit"
    ):  # ?site= of a site one holds no role on narrows to nothing (the trail has no ?site=)
        assert logged_in(elsewhere).get(url, {**query, "format": "json", "site": demo.pk}).json() == []
    page = logged_in(admin).get(url, query).content.decode()
    assert "&amp;format=xlsx" in page or "?format=xlsx" in page
    assert logged_in(admin).get(url, {"format": "pdf"}).status_code == 400
