"""The pages: a system's reconciliation and import, a person's access and termination, the review screen's
save endpoint, and the change log's formula-safe export."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from otcsms.access.models import AccessGrant, ReviewItem
from otcsms.access.services import start_review
from tests.access.conftest import grant


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_system_page_imports_and_shows_the_reconciliation(hmi, a_contributor):
    client = logged_in(a_contributor)
    upload = SimpleUploadedFile("hmi.csv", b"username,kind\nopshared,shared\nghost,human\n")
    r = client.post(f"/access/systems/{hmi.system.pk}/import/", {"file": upload}, follow=True)
    assert r.status_code == 200
    page = r.content.decode()
    assert "2 accounts read for HMI-1" in page
    assert 'data-category="unknown"' in page and 'data-category="shared-without-owner"' in page
    bad = SimpleUploadedFile("hmi.csv", b"username,colour\nann,red\n")
    page = client.post(
        f"/access/systems/{hmi.system.pk}/import/", {"file": bad}, follow=True
    ).content.decode()
    assert "nothing was imported" in page and "colour" in page


def test_a_viewer_cannot_import(hmi, site_a):
    from tests.conftest import make_user

    viewer = make_user("vic", roles={site_a: "viewer"})
    upload = SimpleUploadedFile("hmi.csv", b"username\nann\n")
    assert (
        logged_in(viewer).post(f"/access/systems/{hmi.system.pk}/import/", {"file": upload}).status_code
        == 403
    )


def test_person_page_terminates_with_times(hmi, a_approver):
    g = grant(hmi, hmi.dan)
    client = logged_in(a_approver)
    assert "Revoke every grant" in client.get(f"/access/people/{hmi.dan.pk}/").content.decode()
    r = client.post(f"/access/people/{hmi.dan.pk}/terminate/", {"reason": "left the company",
                                                                 "effective_at": "2020-01-01T08:00"}, follow=True)  # fmt: skip
    assert (
        "Revoked 1 grants" in r.content.decode() and "later than the site&#x27;s limit" in r.content.decode()
    )
    g.refresh_from_db()
    assert g.status == "revoked" and g.revocation_delay_hours() > 24


def test_review_screen_saves_one_decision_at_a_time(hmi, a_approver, site_a, outsider):
    g = grant(hmi, hmi.ann)
    campaign = start_review(a_approver, site_a, title="Q1", period_start=g.starts_on, period_end=g.starts_on)
    item = ReviewItem.objects.get(campaign=campaign)
    client = logged_in(a_approver)
    assert "data-decide-url" in client.get(f"/access/reviews/{campaign.pk}/").content.decode()
    url = f"/access/reviews/{campaign.pk}/decide/"
    r = client.post(url, {"item": item.pk, "decision": "revoked"}, headers={"HX-Request": "true"})
    assert r.status_code == 422 and "comment" in r.content.decode()
    r = client.post(url, {"item": item.pk, "decision": "revoked", "comment": "not needed"},
                    headers={"HX-Request": "true"})  # fmt: skip
    assert r.status_code == 200 and r.content.decode() == "1 / 1 reviewed (100%)"
    assert AccessGrant.objects.get(pk=g.pk).status == "revoked"
    assert logged_in(outsider).post(url, {"item": item.pk, "decision": "confirmed"}).status_code == 404


def test_change_log_export_never_starts_a_formula(hmi, a_approver, auditor):
    g = grant(hmi, hmi.ann)
    logged_in(a_approver).post(f"/access/grants/{g.pk}/revoke/", {"reason": '=HYPERLINK("http://x")'})
    r = logged_in(auditor).get(f"/access/log/?system={hmi.system.pk}&format=csv")
    text = r.content.decode("utf-8-sig")
    assert r.status_code == 200 and "\"'=HYPERLINK" in text and ',"=' not in text


def test_site_page_shows_the_systems(hmi, a_contributor, site_a):
    grant(hmi, hmi.ann)
    page = logged_in(a_contributor).get(f"/sites/{site_a.pk}/").content.decode()
    assert "Access: systems" in page and "HMI-1" in page and "0 accounts, 1 grants" in page
