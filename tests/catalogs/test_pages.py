"""The framework library in the web UI: list, tree with search, requirement page, coverage, import."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from otcsms.catalogs.models import Framework, Requirement
from tests.catalogs.conftest import licensed_62443_3_3, row_counts


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str, status: int = 200, **headers) -> str:
    r = client.get(url, headers=headers)
    assert r.status_code == status, (url, r.status_code)
    return r.content.decode()


def current(key: str) -> Framework:
    return Framework.objects.get(key=key, is_current=True)


def test_framework_list_and_navigation(mini_library, b_viewer):
    html = page(logged_in(b_viewer), "/frameworks/")
    assert 'href="/frameworks/"' in html  # the navigation entry
    for fw in Framework.objects.all():
        assert fw.name in html and f"<code>{fw.key}</code>" in html
    assert "Identifiers and structure only" in html  # the licence note
    assert "Import a framework" not in html  # viewers do not import


def test_framework_tree_and_htmx_search(mini_library, a_contributor):
    client = logged_in(a_contributor)
    fw = current("iec62443-3-3")
    html = page(client, f"/frameworks/{fw.pk}/")
    branches = fw.requirements.filter(children__isnull=False).distinct().count()
    assert html.count("<details") == html.count("</details>") == branches
    assert "<code>SR 1.3</code> Account lifecycle administration" in html
    assert 'class="badge warn"' in html and 'class="badge ok"' in html  # unverified and verified rows
    assert '<span class="chip small on">SL1</span>' in html
    assert html.count("<details") == html.count("</details>")
    partial = page(client, f"/frameworks/{fw.pk}/?q=account", **{"HX-Request": "true"})
    assert "<html" not in partial and "SR 1.3" in partial and "match" in partial
    full = page(client, f"/frameworks/{fw.pk}/?q=zzznothing")
    assert "No requirement matches" in full and "<html" in full
    res = page(client, f"/frameworks/{fw.pk}/?kind=RE&assessable=1")
    assert "49 requirements match" in res


def test_large_frameworks_start_folded(mini_library, b_viewer):
    nerc = current("nerc-cip")
    client = logged_in(b_viewer)
    assert " open>" not in page(client, f"/frameworks/{nerc.pk}/?open=none")
    assert " open>" in page(client, f"/frameworks/{nerc.pk}/?open=all")


def test_requirement_page_shows_counterparts_with_reasons(library, b_viewer):
    sr13 = Requirement.objects.get(framework__key="iec62443-3-3", ref="SR 1.3")
    html = page(logged_in(b_viewer), f"/requirements/{sr13.pk}/")
    for name in ["NIST SP 800-53", "NIST Cybersecurity Framework", "NERC CIP", "IEC 62443-4-2"]:
        assert f"<h3>{name}" in html
    for ref in ["AC-2", "PR.AC-1", "CIP-004-7 R4", "CR 1.3"]:
        assert f"<code>{ref}</code>" in html
    assert (
        "otcsms expert mapping" in html
        and "SR 1.3 asks the capability of the control system as a whole, CR 1.3" in html
    )
    assert '<span class="chip on" title="selected at SL 1">SL1</span>' in html
    assert "unverified" in html and "recalled" in html
    assert "This catalog carries no text for SR 1.3" in html
    # The mapped set first; the related set folded, with the counts of both.
    mapped, related = (
        html.index('<table class="data crosswalk mapped">'),
        html.index('<details class="related-reach"'),
    )
    assert mapped < related
    # SR 1.3 = AC-2 = the overlay's AC-2: equal twice stays a mapping; paths over an intersect are related
    assert "nist-sp800-82r3-overlay:AC-2" in html[mapped:related]
    assert "<td>related</td>" in html[related:] and "<td>related</td>" not in html[mapped:related]
    assert re.search(r"<strong>\d+ mapped, \d+ related</strong>", html)
    only = page(logged_in(b_viewer), f"/requirements/{sr13.pk}/?fw=nerc-cip&hops=1")
    assert "nist-sp800-82r3-overlay:AC-2" not in only and "CIP-004-7 R5" in only
    assert '<details class="related-reach"' not in only  # one hop: nothing is only related


def test_800_53_page_shows_baselines_and_text(library, b_viewer):
    ac2 = Requirement.objects.get(framework__key="nist-sp800-53r5", ref="AC-2")
    html = page(logged_in(b_viewer), f"/requirements/{ac2.pk}/")
    assert '<span class="chip on" title="in the LOW baseline">LOW</span>' in html
    assert "[Assignment: organization-defined" in html


def test_coverage_page_side_by_side_with_gaps(mini_library, b_viewer):
    a, b = current("nerc-cip"), current("iec62443-3-3")
    html = page(logged_in(b_viewer), f"/frameworks/coverage/?a={a.pk}&b={b.pk}")
    assert html.count('class="cov-row"') == a.requirements.filter(depth=0).count() + 7
    assert "covered by" in html and "Gaps:" in html and 'role="img"' in html
    empty = page(logged_in(b_viewer), "/frameworks/coverage/")
    assert "Choose two frameworks" in empty
    same = page(logged_in(b_viewer), f"/frameworks/coverage/?a={a.pk}&b={a.pk}")
    assert "two different frameworks" in same


def test_import_page_is_for_org_admins_and_shows_the_migration(
    mini_library, frameworks, a_contributor, org_admin
):
    assert logged_in(a_contributor).get("/frameworks/import/").status_code == 403
    admin = logged_in(org_admin)
    content = json.dumps(licensed_62443_3_3(frameworks)).encode()
    r = admin.post("/frameworks/import/", {"file": SimpleUploadedFile("licensed.json", content)})
    html = r.content.decode()
    assert r.status_code == 200 and "Migration from 2013-r2" in html
    assert "1 added, 1 removed, 1 retitled" in html and "SR 7.3 RE 1" in html
    sr13 = Requirement.objects.get(framework__key="iec62443-3-3", framework__is_current=True, ref="SR 1.3")
    assert "Licensed text of SR 1.3" in page(admin, f"/requirements/{sr13.pk}/")
    old = Requirement.objects.get(framework__key="iec62443-3-3", framework__version="2013-r2", ref="SR 1.3")
    old_html = page(admin, f"/requirements/{old.pk}/")
    assert "an earlier version" in old_html and f'href="/requirements/{sr13.pk}/"' in old_html


def test_import_page_lists_every_problem_and_writes_nothing(mini_library, org_admin):
    admin = logged_in(org_admin)
    bad = b'format: otcsms-library\nformat_version: 1\nkind: framework\nframework: {id: "Bad Id"}\n'
    before = row_counts()
    r = admin.post("/frameworks/import/", {"file": SimpleUploadedFile("bad.yaml", bad)})
    html = r.content.decode()
    assert r.status_code == 422 and "Nothing was imported" in html and "bad.yaml" in html
    assert "/framework/id" in html and "is a required property" in html
    assert row_counts() == before
    assert admin.post("/frameworks/import/", {}).status_code == 422


def test_export_downloads_oscal_and_library_files(mini_library, b_viewer):
    fw = current("iec62443-4-2")
    client = logged_in(b_viewer)
    r = client.get(f"/frameworks/{fw.pk}/export/")
    assert r.status_code == 200 and "iec62443-4-2-2019.oscal.json" in r["Content-Disposition"]
    assert json.loads(r.content)["catalog"]["metadata"]["version"] == "2019"
    lib = json.loads(client.get(f"/frameworks/{fw.pk}/export/?format=library").content)
    assert lib["framework"]["id"] == "iec62443-4-2" and len(lib["framework"]["requirements"]) == 99


@pytest.mark.parametrize(
    "url",
    [
        "/frameworks/{fw}/",
        "/frameworks/{fw}/export/",
        "/frameworks/{fw}/diff/",
        "/frameworks/{fw}/review/",
        "/requirements/{req}/",
    ],
)
def test_outsiders_see_no_library_pages(mini_library, outsider, url):
    fw = current("iec62443-3-3")
    req = fw.requirements.first()
    assert logged_in(outsider).get(url.format(fw=fw.pk, req=req.pk)).status_code == 404
    assert "iec62443" not in page(logged_in(outsider), "/frameworks/")


def test_anonymous_is_sent_to_login(client, mini_library):
    r = client.get("/frameworks/")
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")
