"""The foundation review's reproductions (issue 7): tokens, scoping edges, bad input, headers, history."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from django.test import Client

from otcsms.core.inputs import parse_datetime, parse_id, parse_int, text_problem
from otcsms.core.models import ApiToken, User
from otcsms.core.spreadsheet import escape_formula, unescape_formula, write_csv
from otcsms.org.models import Person
from otcsms.plant.models import Zone
from otcsms.tenancy.models import Site
from tests.conftest import audit_count, make_user


def items(response) -> list[dict]:
    data = response.json()
    return data["items"] if isinstance(data, dict) and "items" in data else data


# --- 1. a token cannot mint, list or revoke tokens ---------------------------------------------------


def test_a_token_cannot_create_list_or_revoke_tokens(api, a_contributor):
    client = api(a_contributor)
    other, _ = ApiToken.issue(a_contributor, "other")
    before = audit_count()
    for response in (
        client.post("/tokens", {"name": "child"}),
        client.get("/tokens"),
        client.post(f"/tokens/{other.pk}/revoke"),
    ):
        assert response.status_code == 403
        assert "browser session" in response.json()["detail"]
    assert audit_count() == before
    assert ApiToken.objects.filter(user=a_contributor).count() == 2


def test_a_session_manages_its_own_tokens_only(session_api, a_contributor, b_viewer):
    client = session_api(a_contributor, csrf=True)
    created = client.post("/tokens", {"name": "script"})
    assert created.status_code == 201
    theirs, _ = ApiToken.issue(b_viewer, "bob's")
    assert [t["name"] for t in items(client.get("/tokens"))] == ["script"]
    assert client.post(f"/tokens/{theirs.pk}/revoke").status_code == 404
    assert client.post(f"/tokens/{created.json()['id']}/revoke").json()["revoked_at"] is not None


def test_a_revoked_token_leaves_no_working_descendant(api, session_api, a_contributor):
    """The reproduction: with T1, POST /tokens returned T2, which outlived T1's revocation."""
    t1 = api(a_contributor)
    assert t1.post("/tokens", {"name": "t2"}).status_code == 403
    token = ApiToken.objects.get(user=a_contributor)
    session_api(a_contributor, csrf=True).post(f"/tokens/{token.pk}/revoke")
    assert t1.get("/me").status_code == 401


# --- 3. organisation-wide people are visible to members only -----------------------------------------


def test_an_outsider_sees_no_organisation_wide_people(api, session_api, org, outsider, a_contributor, site_a):
    staff = Person.objects.create(organisation=org, name="Org-wide CISO", email="ciso@example.test")
    assert items(api(outsider).get("/people")) == []
    assert api(outsider).get(f"/people/{staff.pk}").status_code == 404
    assert api(outsider).get(f"/people/{staff.pk}/history").status_code == 404
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/history/org.person/{staff.pk}/").status_code == 404
    assert "Org-wide CISO" not in client.get("/people/").content.decode()
    # a member of any site still sees organisation-wide staff
    assert [p["name"] for p in items(api(a_contributor).get("/people"))] == ["Org-wide CISO"]


# --- 4. no 5xx on bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/people", {"site_id": str(10**30)}),
        ("/zones", {"parent_id": str(2**63)}),
        ("/sites", {"offset": str(2**63)}),
        ("/audit/events", {"since": "2026-01-01T00:00:00"}),
        ("/audit/events", {"since": "9999-12-31T23:59:59-14:00"}),
        ("/audit/events", {"until": "0001-01-01T00:00:00+14:00"}),
    ],
)
def test_out_of_range_filters_are_422_with_detail(api, org_admin, path, params):
    response = api(org_admin).get(path, **params)
    assert response.status_code == 422, response.content
    assert response.json()["detail"]


@pytest.mark.parametrize("expires_at", ["2030-01-01T00:00:00", "9999-12-31T23:59:59-14:00", "²"])
def test_token_expiry_must_be_an_aware_date_in_range(session_api, a_contributor, expires_at):
    before = audit_count()
    response = session_api(a_contributor, csrf=True).post("/tokens", {"name": "x", "expires_at": expires_at})
    assert response.status_code == 422 and response.json()["detail"]
    assert audit_count() == before


def test_an_id_beyond_64_bits_in_a_path_is_not_found(api, org_admin):
    response = api(org_admin).get(f"/sites/{10**30}")
    assert response.status_code == 404


def test_an_import_with_a_lone_surrogate_is_rejected_by_row(api, org_admin, site_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b'[{"name": "Zone \\ud800"}]'
    client = api(org_admin)
    before = audit_count()
    r = client.client.post(
        f"/api/v1/sites/{site_a.pk}/import/zones",
        {"file": SimpleUploadedFile("zones.json", body, content_type="application/json")},
        headers=client.headers,
    )
    assert r.status_code == 422, r.content
    assert "surrogate" in json.dumps(r.json())
    assert audit_count() == before and not Zone.objects.exists()


def test_the_site_switcher_ignores_non_ascii_digits(org_admin):
    client = Client()
    client.force_login(org_admin)
    for raw in ("²", "١", str(10**30), "-1"):
        response = client.post("/site/switch/", {"site": raw, "next": "/"})
        assert response.status_code == 302


# --- 5. control characters: one text rule ------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Zone\x00A", "Zone\x07A", "Zone\u202eA", "Zone\nA", "Zone\ud800", "Zone\u2066A", "Zone\x85A"]
)
def test_names_with_controls_are_refused_by_the_api(api, org_admin, site_a, name):
    client = api(org_admin)
    before = audit_count()
    response = client.post("/zones", {"site_id": site_a.pk, "name": name})
    assert response.status_code == 422, response.content
    assert audit_count() == before


def test_free_text_may_span_lines_but_holds_no_controls(api, org_admin, site_a):
    ok = api(org_admin).post(
        "/zones", {"site_id": site_a.pk, "name": "Z1", "description": "line 1\nline 2\tx"}
    )
    assert ok.status_code == 201, ok.content
    bad = api(org_admin).post("/zones", {"site_id": site_a.pk, "name": "Z2", "description": "a\x00b"})
    assert bad.status_code == 422


def test_forms_apply_the_same_text_rule(org_admin, site_a):
    client = Client()
    client.force_login(org_admin)
    before = audit_count()
    response = client.post("/people/new/", {"name": "Eve\u202egnp.exe", "site": site_a.pk})
    assert response.status_code == 200  # the form again, with the error
    assert "bidirectional" in response.content.decode()
    assert audit_count() == before


def test_nul_in_a_query_parameter_is_a_400_not_a_database_error(api, org_admin):
    response = api(org_admin).get("/people", q="a\x00b")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


# --- 6. references resolve through the caller's scope --------------------------------------------------


def test_a_contributor_cannot_link_a_person_to_an_unrelated_account(api, a_contributor, site_a, b_viewer):
    person = Person.objects.create(organisation=site_a.organisation, site=site_a, name="Ann")
    client = api(a_contributor)
    before = audit_count()
    response = client.patch(f"/people/{person.pk}", {"user_id": b_viewer.pk})
    assert response.status_code == 422 and "user_id" in response.json()["detail"]
    # probing ids gives the same answer as an id that does not exist
    missing = client.patch(f"/people/{person.pk}", {"user_id": 10**9})
    assert missing.json()["detail"].replace(str(10**9), "N") == response.json()["detail"].replace(
        str(b_viewer.pk), "N"
    )
    assert audit_count() == before
    assert client.patch(f"/people/{person.pk}", {"user_id": a_contributor.pk}).status_code == 200


def test_users_visible_to_a_member_are_their_site_colleagues(a_contributor, b_viewer, site_a):
    colleague = make_user("carl", roles={site_a: "viewer"})
    visible = set(User.objects.for_user(a_contributor).values_list("username", flat=True))
    assert visible == {a_contributor.username, colleague.username}
    assert b_viewer.username not in visible


# --- 9. headers, cookies, CSV ----------------------------------------------------------------------------


def test_authenticated_pages_and_api_answers_are_not_stored(api, a_contributor, client):
    assert api(a_contributor).get("/me")["Cache-Control"] == "no-store"
    assert client.get("/api/v1/version")["Cache-Control"] == "no-store"
    logged_in = Client()
    logged_in.force_login(a_contributor)
    assert logged_in.get("/")["Cache-Control"] == "no-store"


def _settings_under(env: dict[str, str]) -> dict:
    code = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='otcsms.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " getattr(s, 'SECURE_PROXY_SSL_HEADER', None)]))"
    )
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("OTCSMS_") or k == "OTCSMS_AUDIT_KEY"}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_tls_switches_on_secure_cookies_and_hsts_by_default(tmp_path):
    plain = _settings_under({"OTCSMS_DATA_DIR": str(tmp_path)})
    assert plain == [False, False, 0, None]
    proxied = _settings_under({"OTCSMS_DATA_DIR": str(tmp_path), "OTCSMS_BEHIND_TLS_PROXY": "true"})
    assert proxied[:3] == [True, True, 31536000] and proxied[3] == ["HTTP_X_FORWARDED_PROTO", "https"]
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("x")
    key.write_text("x")
    direct = _settings_under(
        {"OTCSMS_DATA_DIR": str(tmp_path), "OTCSMS_TLS_CERT": str(cert), "OTCSMS_TLS_KEY": str(key)}
    )
    assert direct[:3] == [True, True, 31536000] and direct[3] is None
    switched_off = _settings_under({
        "OTCSMS_DATA_DIR": str(tmp_path), "OTCSMS_BEHIND_TLS_PROXY": "1", "OTCSMS_HSTS_SECONDS": "0",
    })  # fmt: skip
    assert switched_off[2] == 0


def test_hsts_header_is_sent_over_tls(settings, a_contributor):
    settings.SECURE_HSTS_SECONDS = 3600
    client = Client()
    client.force_login(a_contributor)
    assert "max-age=3600" in client.get("/", secure=True)["Strict-Transport-Security"]


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "'=1", "a;=1+1", "x,=HYPERLINK()", "plain"]
)
def test_no_csv_cell_becomes_a_formula_whatever_the_separator(text):
    data = write_csv(["h"], [[text]]).decode("utf-8-sig")
    for separator in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(data), delimiter=separator):
            for cell in row:
                # a spreadsheet splitting on another separator still sees one quoted cell, never a formula
                assert not cell.startswith(("=", "+", "-", "@")), (separator, cell)
    assert next(iter(csv.reader(io.StringIO(data.splitlines()[1])))) == [escape_formula(text)]
    assert unescape_formula(escape_formula(text)) == text


# --- 10. people can be created; history shows values to auditors only ----------------------------------


def test_an_org_admin_creates_organisation_wide_and_site_people(api, org_admin, a_contributor, site_a):
    created = api(org_admin).post("/people", {"name": "Org CISO"})
    assert created.status_code == 201, created.content
    assert api(a_contributor).post("/people", {"name": "Site tech", "site_id": site_a.pk}).status_code == 201
    assert api(a_contributor).post("/people", {"name": "Org-wide"}).status_code == 403


def test_history_shows_values_only_to_those_who_read_the_trail(api, org_admin, site_b, b_viewer, auditor):
    zone = Zone.objects.create(site=site_b, name="Secret zone", description="vault code 1234")
    viewer_events = items(api(b_viewer).get(f"/zones/{zone.pk}/history"))
    assert viewer_events and all(e["values_visible"] is False and e["after"] is None for e in viewer_events)
    auditor_events = items(api(auditor).get(f"/zones/{zone.pk}/history"))
    assert auditor_events[0]["after"]["description"] == "vault code 1234"
    page = Client()
    page.force_login(b_viewer)
    html = page.get(f"/history/plant.zone/{zone.pk}/").content.decode()
    assert "vault code 1234" not in html and "visible to the site" in html


def test_history_shows_no_events_recorded_on_a_site_the_user_cannot_see(api, site_a, site_b, b_viewer):
    site = Site.objects.get(pk=site_b.pk)
    events = items(api(b_viewer).get(f"/sites/{site.pk}/history"))
    assert {e["site_id"] for e in events} <= {site_b.pk, None}


# --- the shared parsers ----------------------------------------------------------------------------------


def test_parse_id_accepts_ascii_ids_in_64_bits_only():
    assert parse_id("42") == 42 and parse_id(42) == 42
    for bad in ("²", "١٢", "0", "-1", "", " 1", "1.0", str(2**63), None, True, 2**63):
        assert parse_id(bad) is None, bad
    assert parse_int("-5", minimum=-10, maximum=10) == -5 and parse_int("11", minimum=0, maximum=10) is None


def test_datetimes_need_a_zone_and_a_sane_year():
    assert parse_datetime("2026-01-31T08:00:00+01:00").isoformat() == "2026-01-31T07:00:00+00:00"
    for bad in ("2026-01-31T08:00:00", "9999-12-31T23:59:59-14:00", "nonsense", "x" * 100):
        with pytest.raises(ValueError):
            parse_datetime(bad)


def test_text_rule_names_the_problem():
    assert text_problem("a\nb", multiline=True) is None
    assert "one line" in text_problem("a\nb", multiline=False)
    assert "NUL" in text_problem("\x00", multiline=True)
    assert "surrogate" in text_problem("\udfff", multiline=True)
    assert "bidirectional" in text_problem("\u202e", multiline=True)
