"""Grants (four eyes), revocation, termination, imports, reconciliation findings, reviews and the change log,
through the API as the personas use it."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from otcsms.access.models import AccessGrant, AccessPolicy, Account, ReviewItem
from otcsms.checks.engine import run_checks
from otcsms.checks.models import Finding
from otcsms.core.models import AuditEvent
from tests.access.conftest import grant


def grant_body(hmi, **extra):
    return {"person_id": hmi.ann.pk, "system_id": hmi.system.pk, "privilege": "operate",
            "justification": "shift operator", "requested_by_id": hmi.ben.pk, "approved_by_id": hmi.cat.pk} | extra  # fmt: skip


def test_an_approver_grants_access_and_the_trail_names_them(api, hmi, a_approver):
    r = api(a_approver).post("/access-grants", grant_body(hmi))
    assert r.status_code == 201, r.json()
    event = AuditEvent.objects.get(object_type="access.accessgrant", object_id=str(r.json()["id"]))
    assert event.action == "create" and event.actor_user_id == a_approver.pk


def test_self_approval_and_self_granting_are_refused_and_change_nothing(api, hmi, a_approver):
    client = api(a_approver)
    before = AuditEvent.objects.count()
    r = client.post("/access-grants", grant_body(hmi, approved_by_id=hmi.ben.pk))
    assert r.status_code == 422 and "someone other than the requester" in str(r.json()["detail"])
    r = client.post("/access-grants", grant_body(hmi, approved_by_id=hmi.ann.pk))
    assert r.status_code == 422 and "their own access" in str(r.json()["detail"])
    assert AuditEvent.objects.count() == before and not AccessGrant.objects.exists()


def test_contributors_may_not_grant_and_wrong_types_are_422(api, hmi, a_contributor, a_approver):
    assert api(a_contributor).post("/access-grants", grant_body(hmi)).status_code == 403
    r = api(a_approver).post("/access-grants", grant_body(hmi, privilege="god", expires_on="soon"))
    assert r.status_code == 422 and "detail" in r.json()
    assert api(a_approver).post("/access-grants", grant_body(hmi, extra_field=1)).status_code == 422


def test_grants_are_revoked_never_deleted(api, hmi, a_approver):
    g = grant(hmi, hmi.ann)
    client = api(a_approver)
    assert client.delete(f"/access-grants/{g.pk}").status_code == 405
    r = client.post(f"/access-grants/{g.pk}/revoke", {"reason": "moved to another plant"})
    assert r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["revoked_at"]
    assert client.post(f"/access-grants/{g.pk}/revoke", {"reason": "again"}).status_code == 409


def test_termination_revokes_every_grant_and_flags_late_ones(api, hmi, a_approver, site_a):
    AccessPolicy.objects.create(site=site_a, revocation_limit_hours=24)
    g1, g2 = grant(hmi, hmi.dan), grant(hmi, hmi.dan, "view", access_type="physical")
    Account.objects.create(
        site=site_a, system=hmi.system, username="dan", person=hmi.dan, privilege="operate"
    )
    left = (timezone.now() - timedelta(hours=30)).isoformat()
    r = api(a_approver).post(
        "/access-terminations", {"person_id": hmi.dan.pk, "reason": "left", "effective_at": left}
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert {x["grant_id"] for x in body["revoked"]} == {g1.pk, g2.pk}
    assert all(x["over_limit"] and x["delay_hours"] >= 30 for x in body["revoked"])
    assert body["accounts_disabled"] == 1
    assert set(AccessGrant.objects.values_list("status", flat=True)) == {"revoked"}
    hmi.dan.refresh_from_db()
    assert not hmi.dan.active


def test_import_reconcile_and_findings(api, hmi, a_contributor, site_a):
    grant(hmi, hmi.ann, "operate")
    csv = (b"username,person,kind,privilege\nann,Ann,human,operate\nghost,,human,view\n"
           b"intruder,,human,administer\nopshared,,shared,operate\n")  # fmt: skip
    upload = SimpleUploadedFile("hmi.csv", csv, content_type="text/csv")
    r = api(a_contributor).client.post(
        f"/api/v1/access-systems/{hmi.system.pk}/account-imports",
        {"file": upload},
        headers=api(a_contributor).headers,
    )
    assert r.status_code == 201, r.json()
    assert r.json()["created"] == 4
    report = api(a_contributor).get(f"/access-systems/{hmi.system.pk}/reconciliation").json()
    assert report["counts"]["unknown"] == 2 and report["counts"]["shared-without-owner"] == 1
    run_checks(site_a)
    open_checks = sorted(Finding.objects.filter(status="open").values_list("check_id", flat=True))
    assert open_checks == ["access.shared-without-owner", "access.unknown", "access.unknown"]


def test_a_bad_import_is_422_with_every_problem_and_writes_nothing(api, hmi, a_contributor):
    client = api(a_contributor)
    before = AuditEvent.objects.count()
    upload = SimpleUploadedFile("hmi.csv", "username,colour\nJosé,red\n".encode("cp1252"))
    r = client.client.post(f"/api/v1/access-systems/{hmi.system.pk}/account-imports", {"file": upload},
                           headers=client.headers)  # fmt: skip
    assert r.status_code == 422 and "UTF-8" in r.json()["detail"][0]["reason"]
    assert AuditEvent.objects.count() == before


def test_review_campaign_confirm_revoke_sign_off_and_export(api, hmi, a_approver, site_a):
    g1, g2 = grant(hmi, hmi.ann), grant(hmi, hmi.ben, "view")
    client = api(a_approver)
    r = client.post("/access-reviews", {"site_id": site_a.pk, "title": "Q2 2026", "period_start": "2026-04-01",
                                        "period_end": "2026-06-30"})  # fmt: skip
    assert r.status_code == 201, r.json()
    review = r.json()["id"]
    items = {i["grant_id"]: i["id"] for i in client.get("/review-items", campaign_id=review).json()["items"]}
    assert client.post(f"/access-reviews/{review}/sign-off", {}).status_code == 409
    assert client.post(f"/review-items/{items[g1.pk]}/decide", {"decision": "confirmed"}).status_code == 200
    assert client.post(f"/review-items/{items[g2.pk]}/decide", {"decision": "revoked"}).status_code == 422
    r = client.post(
        f"/review-items/{items[g2.pk]}/decide", {"decision": "revoked", "comment": "no longer on shift"}
    )
    assert r.status_code == 200
    g2.refresh_from_db()
    assert g2.status == "revoked" and "no longer on shift" in g2.revoke_reason
    assert client.get(f"/access-reviews/{review}/progress").json()["percent"] == 100
    assert client.post(f"/access-reviews/{review}/sign-off", {"note": "ok"}).json()["status"] == "signed-off"
    assert (
        client.post(
            f"/review-items/{items[g1.pk]}/decide", {"decision": "revoked", "comment": "x"}
        ).status_code
        == 409
    )
    export = client.get(f"/access-reviews/{review}/export", format="csv")
    assert export.status_code == 200 and b"no longer on shift" in export.content


def test_a_reviewer_who_is_only_a_viewer_may_decide_their_items_only(api, hmi, site_a, a_approver):
    from tests.conftest import make_user

    viewer = make_user("vera", roles={site_a: "viewer"})
    hmi.cat.user = viewer
    hmi.cat.save()
    g = grant(hmi, hmi.ann)
    api(a_approver).post("/access-reviews", {"site_id": site_a.pk, "title": "Q3", "period_start": "2026-07-01",
                                             "period_end": "2026-09-30"})  # fmt: skip
    item = ReviewItem.objects.get(grant=g)
    assert item.reviewer_id == viewer.pk
    assert api(viewer).post(f"/review-items/{item.pk}/decide", {"decision": "confirmed"}).status_code == 200


def test_change_log_lists_who_what_approver_and_why_for_auditors_only(
    api, hmi, auditor, a_contributor, a_approver
):
    g = grant(hmi, hmi.ann)
    api(a_approver).post(f"/access-grants/{g.pk}/revoke", {"reason": "contract ended"})
    rows = api(auditor).get("/access-changes", system_id=hmi.system.pk).json()["items"]
    assert [r["what"].split()[0] for r in rows] == ["revoked", "granted"]
    assert (
        rows[0]["why"] == "contract ended"
        and rows[0]["who"].startswith("april")
        and rows[1]["approved_by"] == "Cat"
    )
    assert api(a_contributor).get("/access-changes", person_id=hmi.ann.pk).json()["items"] == []


def test_shared_accounts_need_an_owner_when_entered_by_hand(api, hmi, a_contributor):
    r = api(a_contributor).post(
        "/accounts", {"system_id": hmi.system.pk, "username": "ops", "kind": "shared"}
    )
    assert r.status_code == 422 and "person" in r.json()["detail"]
    r = api(a_contributor).post("/accounts", {"system_id": hmi.system.pk, "username": "ops", "kind": "shared",
                                              "person_id": hmi.cat.pk})  # fmt: skip
    assert r.status_code == 201 and r.json()["site_id"] == hmi.system.site_id


def test_an_overdue_review_is_a_finding_until_signed_off(hmi, a_approver, site_a):
    from datetime import date

    from otcsms.access.services import decide, sign_off, start_review

    g = grant(hmi, hmi.ann)
    review = start_review(a_approver, site_a, title="Q4", period_start=date(2025, 10, 1),
                          period_end=date(2025, 12, 31), due_on=date(2026, 1, 15))  # fmt: skip
    run_checks(site_a)
    finding = Finding.objects.get(check_id="access.review-overdue", status="open")
    assert "1 grants are not reviewed" in finding.message
    decide(a_approver, review.items.get(grant=g), decision="confirmed")
    sign_off(a_approver, review)
    run_checks(site_a)
    finding.refresh_from_db()
    assert finding.status == "closed"


def test_termination_needs_the_right_to_revoke_and_revoked_grants_are_not_edited(
    api, hmi, a_contributor, a_approver
):
    g = grant(hmi, hmi.dan)
    r = api(a_contributor).post("/access-terminations", {"person_id": hmi.dan.pk, "reason": "left"})
    assert r.status_code == 403
    assert AccessGrant.objects.get(pk=g.pk).status == "active"
    client = api(a_approver)
    assert client.patch(f"/access-grants/{g.pk}", {"expires_on": "2030-01-01"}).status_code == 200
    client.post(f"/access-grants/{g.pk}/revoke", {"reason": "left"})
    assert client.patch(f"/access-grants/{g.pk}", {"expires_on": "2031-01-01"}).status_code == 409
    future = (timezone.now() + timedelta(days=1)).isoformat()
    r = client.post("/access-terminations", {"person_id": hmi.ann.pk, "reason": "x", "effective_at": future})
    assert r.status_code == 422 and "future" in r.json()["detail"]


def test_the_site_access_record_holds_every_part_and_no_formula(
    api, hmi, a_approver, auditor, outsider, site_a
):
    import io

    import openpyxl

    g = grant(hmi, hmi.dan)
    g.justification = '=HYPERLINK("http://evil")'
    g.save()
    left = (timezone.now() - timedelta(hours=30)).isoformat()
    api(a_approver).post(
        "/access-terminations", {"person_id": hmi.dan.pk, "reason": "left", "effective_at": left}
    )
    r = api(auditor).get(f"/sites/{site_a.pk}/access-record")
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == [
        "evidences",
        "grants",
        "accounts",
        "reconciliation",
        "reviews",
        "access changes",
    ]
    evidences = {tuple(row) for row in book["evidences"].iter_rows(values_only=True)}
    assert ("nerc-cip", "CIP-004-7 R5.1") in evidences and ("iec62443-3-3", "SR 1.3") in evidences
    header, row = list(book["grants"].iter_rows(values_only=True))
    values = dict(zip(header, row, strict=True))
    assert (
        values["beyond the site's limit"] == "yes"
        and float(values["hours from termination to revocation"]) >= 30
    )
    assert values["justification"].startswith("'=")
    assert len(list(book["access changes"].iter_rows())) > 2
    assert api(outsider).get(f"/sites/{site_a.pk}/access-record").status_code == 404


def test_a_grant_records_its_prerequisites_and_shows_them(api, hmi, a_approver):
    from django.test import Client

    client = api(a_approver)
    r = client.post("/access-grants", grant_body(hmi, prerequisites="CIP-004 training; PRA within 7 years"))
    assert r.status_code == 201 and r.json()["prerequisites"] == "CIP-004 training; PRA within 7 years"
    pk = r.json()["id"]
    assert client.patch(f"/access-grants/{pk}", {"prerequisites": "x" * 501}).status_code == 422
    assert client.patch(f"/access-grants/{pk}", {"prerequisites": "CIP-004 training"}).status_code == 200
    browser = Client()
    browser.force_login(a_approver)
    page = browser.get(f"/access/grants/{pk}/").content.decode()
    assert "Other prerequisites" in page and "CIP-004 training" in page
