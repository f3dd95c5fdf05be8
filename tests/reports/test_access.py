"""Reports through the API and the pages: any role on a site runs its reports, nobody else; bad input is a 4xx
with a reason and writes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import audit_count


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_listing_shows_the_callers_sites_only(api, assessed, site_a, site_b, auditor, b_viewer, outsider):
    listed = api(b_viewer).get("/reports").json()
    assert {r["site_id"] for r in listed} == {site_b.pk}
    assert {r["kind"] for r in listed} >= {"gaps", "soa", "coverage"}
    assert {r["site_id"] for r in api(auditor).get("/reports").json()} == {site_a.pk, site_b.pk}
    assert api(outsider).get("/reports").json() == []


@pytest.mark.parametrize("fmt,magic", [("pdf", b"%PDF-"), ("html", b"<!DOCTYPE html>")])
def test_an_auditor_downloads_a_report(api, assessed, site_a, auditor, fmt, magic):
    client = api(auditor)  # issuing its token is an event
    before = audit_count()
    r = client.get("/reports/gaps", site=site_a.code, format=fmt)
    assert r.status_code == 200, r.content[:200]
    assert r.content.startswith(magic)
    assert r["Content-Disposition"].startswith('attachment; filename="plant-a-gaps-')
    assert audit_count() == before  # reading writes nothing


def test_the_listed_urls_work(api, assessed, site_a, a_contributor):
    row = next(r for r in api(a_contributor).get("/reports").json() if r["kind"] == "coverage")
    client = api(a_contributor)
    r = client.client.get(row["html_url"], headers=client.headers)
    assert r.status_code == 200 and b"<svg" in r.content


@pytest.mark.parametrize("persona", ["b_viewer", "outsider"])
def test_others_get_nothing_of_site_a(request, api, assessed, site_a, persona):
    client = api(request.getfixturevalue(persona))
    for site in (str(site_a.pk), site_a.code, site_a.name):
        r = client.get("/reports/gaps", site=site, format="html")
        assert r.status_code == 403 and "detail" in r.json()
    # nor through another site's report naming site A's assessment
    r = client.get("/reports/gaps", site="plant-b", assessment=str(assessed["sr"].pk))
    assert r.status_code in (403, 422) and b"Baseline" not in r.content


@pytest.mark.parametrize(
    "params,status",
    [
        ({"format": "odt"}, 422),
        ({"format": "html", "template": "default"}, 422),
        ({"format": "docx", "template": "../../etc/passwd"}, 422),
        ({"format": "x" * 5000}, 422),
        ({"assessment": "1e3"}, 422),
        ({"assessment": "../../etc/passwd"}, 422),
        ({"assessment": "99999999999999999999999999"}, 422),
    ],
)
def test_bad_input_is_a_4xx_with_a_reason(api, assessed, site_a, a_contributor, params, status):
    client = api(a_contributor)
    before = audit_count()
    r = client.get("/reports/gaps", site=str(site_a.pk), **params)
    assert r.status_code == status and "detail" in r.json()
    assert audit_count() == before


def test_unknown_kind_and_missing_site(api, assessed, site_a, a_contributor):
    r = api(a_contributor).get("/reports/..%5Cetc%5Cpasswd", site=str(site_a.pk))
    assert r.status_code == 404 and "detail" in r.json()
    r = api(a_contributor).get("/reports/nope", site=str(site_a.pk))
    assert r.status_code == 404 and "unknown report kind" in r.json()["detail"]
    r = api(a_contributor).get("/reports/gaps")
    assert r.status_code == 403 and "detail" in r.json()


def test_reports_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/reports" in paths and "/api/v1/reports/{kind}" in paths


def test_the_reports_page_lists_kinds_per_site_and_downloads(assessed, site_a, site_b, b_viewer, auditor):
    page = logged_in(auditor).get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Statement of applicability" in html and site_a.name in html and site_b.name in html
    assert f"/reports/soa/?site={site_a.pk}&amp;format=pdf" in html
    assert f"/reports/audit-package/?site={site_a.pk}" in html
    package = logged_in(auditor).get("/reports/audit-package/", {"site": site_a.pk})
    assert package.status_code == 200 and b"".join(package.streaming_content).startswith(b"PK")
    r = logged_in(auditor).get("/reports/soa/", {"site": site_a.pk, "format": "pdf"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    viewer = logged_in(b_viewer)
    assert site_a.name not in viewer.get("/reports/").content.decode()
    r = viewer.get("/reports/soa/", {"site": site_a.pk, "format": "html"})
    assert r.status_code == 404 and b"Baseline" not in r.content
    assert viewer.get("/reports/nope/", {"site": site_b.pk}).status_code == 404
    assert Client().get("/reports/").status_code == 302  # login first
