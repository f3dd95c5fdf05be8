"""The version lifecycle: contributors draft and submit, approvers approve (never their own), reasons on rejection
and retirement, a signature per approval, supersession, and reviews that move the review date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from otcsms.core.models import AuditEvent
from otcsms.evidence import services
from otcsms.evidence.models import ApprovalSignature, Document, DocumentReview, DocumentVersion
from otcsms.org.scope_lifecycle import review_due_after
from tests.conftest import PASSWORD, audit_count
from tests.evidence.conftest import approved, set_next_review, upload

pytestmark = pytest.mark.django_db

SIGN = {"password": PASSWORD}  # the approver re-enters their password to sign


def _draft(api, user, document, content=b"v1 text\n"):
    return upload(api(user), document.pk, content).json()


def test_contributor_drafts_and_submits_an_approver_approves_and_signs(
    api, a_contributor, a_approver, policy
):
    version = _draft(api, a_contributor, policy)
    contributor, approver = api(a_contributor), api(a_approver)
    r = contributor.post(f"/document-versions/{version['id']}/submit")
    assert r.status_code == 200 and r.json()["status"] == "in_review"
    assert contributor.post(f"/document-versions/{version['id']}/approve", SIGN).status_code == 403
    r = approver.post(f"/document-versions/{version['id']}/approve", SIGN)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved" and r.json()["approved_by_id"] == a_approver.pk
    document = Document.objects.get(pk=policy.pk)
    assert document.current_version_id == version["id"]
    assert document.next_review == review_due_after(timezone.localdate(), 12)  # policies: yearly by default
    signature = ApprovalSignature.objects.get(version_id=version["id"])
    assert (signature.signer_id, signature.sha256, signature.meaning) == (
        a_approver.pk,
        version["sha256"],
        "approved",
    )
    assert services.signature_holds(signature)
    signatures = approver.get("/document-signatures", version_id=version["id"]).json()["items"]
    assert [s["sha256"] for s in signatures] == [version["sha256"]]
    event = AuditEvent.objects.filter(
        object_type="evidence.documentversion", object_id=str(version["id"])
    ).first()
    assert event is not None and event.actor_user_id == a_approver.pk


def test_nobody_approves_what_they_uploaded_or_submitted(api, a_approver, a_approver2, policy):
    version = _draft(api, a_approver, policy)
    client = api(a_approver)
    client.post(f"/document-versions/{version['id']}/submit")
    before = audit_count()
    r = client.post(f"/document-versions/{version['id']}/approve", SIGN)
    assert r.status_code == 403 and "second pair of eyes" in r.json()["detail"]
    assert audit_count() == before
    assert api(a_approver2).post(f"/document-versions/{version['id']}/approve", SIGN).status_code == 200


def test_approving_a_draft_that_was_not_submitted_is_a_conflict(api, a_contributor, a_approver, policy):
    version = _draft(api, a_contributor, policy)
    r = api(a_approver).post(f"/document-versions/{version['id']}/approve", SIGN)
    assert r.status_code == 409 and "draft" in r.json()["detail"]


def test_rejection_needs_a_reason_and_returns_the_version_to_draft(api, a_contributor, a_approver, policy):
    version = _draft(api, a_contributor, policy)
    api(a_contributor).post(f"/document-versions/{version['id']}/submit")
    approver = api(a_approver)
    before = audit_count()
    assert approver.post(f"/document-versions/{version['id']}/reject", {"reason": ""}).status_code == 422
    assert approver.post(f"/document-versions/{version['id']}/reject", {}).status_code == 422
    assert audit_count() == before
    r = approver.post(
        f"/document-versions/{version['id']}/reject", {"reason": "section 4 contradicts SR 1.3"}
    )
    assert r.status_code == 200 and r.json()["status"] == "draft"
    event = AuditEvent.objects.filter(
        object_type="evidence.documentversion", object_id=str(version["id"])
    ).first()
    assert event.payload["reason"] == "section 4 contradicts SR 1.3" and event.actor_user_id == a_approver.pk


def test_approving_the_next_version_supersedes_the_one_in_force(a_contributor, a_approver, policy):
    first = approved(policy, a_contributor, a_approver, b"first\n")
    second = approved(policy, a_contributor, a_approver, b"second\n")
    assert DocumentVersion.objects.get(pk=first.pk).status == "superseded"
    assert Document.objects.get(pk=policy.pk).current_version_id == second.pk


def test_retirement_needs_a_reason_and_an_approver(api, a_contributor, a_approver, policy):
    approved(policy, a_contributor, a_approver)
    assert (
        api(a_contributor).post(f"/documents/{policy.pk}/retire", {"reason": "obsolete"}).status_code == 403
    )
    assert api(a_approver).post(f"/documents/{policy.pk}/retire", {"reason": "  "}).status_code == 422
    r = api(a_approver).post(f"/documents/{policy.pk}/retire", {"reason": "replaced by the group policy"})
    assert (
        r.status_code == 200 and r.json()["retired_at"] is not None and r.json()["current_version_id"] is None
    )
    assert DocumentVersion.objects.get(document=policy).status == "retired"
    assert api(a_approver).post(f"/documents/{policy.pk}/retire", {"reason": "again"}).status_code == 409


def test_a_review_resets_the_next_review_date(api, a_contributor, a_approver, policy):
    approved(policy, a_contributor, a_approver)
    set_next_review(policy, dt.date(2020, 1, 1))
    assert Document.objects.get(pk=policy.pk).review_overdue()
    r = api(a_contributor).post(
        f"/documents/{policy.pk}/reviews", {"outcome": "no-change", "note": "still right"}
    )
    assert r.status_code == 201, r.content
    expected = review_due_after(timezone.localdate(), 12)
    assert r.json()["next_review"] == expected.isoformat()
    assert Document.objects.get(pk=policy.pk).next_review == expected
    assert DocumentReview.objects.get(document=policy).reviewed_by_id == a_contributor.pk


def test_a_review_that_retires_needs_an_approver_and_a_reason(api, a_contributor, a_approver, policy):
    approved(policy, a_contributor, a_approver)
    assert (
        api(a_contributor)
        .post(f"/documents/{policy.pk}/reviews", {"outcome": "retired", "note": "gone"})
        .status_code
        == 403
    )
    assert api(a_approver).post(f"/documents/{policy.pk}/reviews", {"outcome": "retired"}).status_code == 422
    r = api(a_approver).post(f"/documents/{policy.pk}/reviews", {"outcome": "retired", "note": "site closed"})
    assert r.status_code == 201 and Document.objects.get(pk=policy.pk).is_retired


def test_review_interval_defaults_by_kind(site_a, a_contributor):
    record = services.create_document(site_id=site_a.pk, kind="record", title="Drill log", by=a_contributor)
    config = services.create_document(
        site_id=site_a.pk, kind="configuration", title="FW-1 config", by=a_contributor
    )
    assert (record.review_interval_months, config.review_interval_months) == (0, 6)


def test_document_create_and_update_through_the_api(api, a_contributor, site_a, site_b):
    from otcsms.plant.models import Zone

    zone = Zone.objects.create(site=site_a, name="Control")
    foreign = Zone.objects.create(site=site_b, name="Other plant")
    client = api(a_contributor)
    body = {"site_id": site_a.pk, "kind": "network-diagram", "title": "Control zone diagram", "zone_ids": [zone.pk],
            "tags": " Network,  DMZ ,network"}  # fmt: skip
    r = client.post("/documents", body)
    assert r.status_code == 201, r.content
    assert r.json()["zone_ids"] == [zone.pk] and r.json()["tags"] == ["network", "dmz"]
    assert r.json()["review_interval_months"] == 12
    before = audit_count()
    assert client.post("/documents", {**body, "zone_ids": [foreign.pk]}).status_code == 422
    assert client.post("/documents", {**body, "site_id": site_b.pk}).status_code == 403
    assert client.post("/documents", {**body, "nonsense": 1}).status_code == 422
    assert audit_count() == before
    r = client.patch(f"/documents/{r.json()['id']}", {"zone_ids": [], "title": "Renamed"})
    assert r.status_code == 200 and r.json()["zone_ids"] == [] and r.json()["title"] == "Renamed"


# --- re-authentication of the signer ---------------------------------------------------------------


def _in_review(api, contributor, document):
    version = _draft(api, contributor, document)
    api(contributor).post(f"/document-versions/{version['id']}/submit")
    return version


@pytest.mark.parametrize(
    ("body", "status"),
    [({"password": "not-the-password"}, 403), ({}, 422), ({"password": ""}, 422), ({"password": 12345}, 422),
     ({"password": "x" * 1001}, 422), ({"password": PASSWORD, "extra": 1}, 422)],
)  # fmt: skip
def test_approval_without_the_right_password_is_refused_and_writes_nothing(
    api, a_contributor, a_approver, policy, body, status
):
    version = _in_review(api, a_contributor, policy)
    approver = api(a_approver)  # (its token is written before counting)
    before = audit_count()
    r = approver.post(f"/document-versions/{version['id']}/approve", body)
    assert r.status_code == status and r.json()["detail"]
    assert audit_count() == before and not ApprovalSignature.objects.exists()
    assert DocumentVersion.objects.get(pk=version["id"]).status == "in_review"


def test_an_api_token_signs_only_with_the_password_and_the_signature_says_so(
    api, a_contributor, a_approver, policy
):
    version = _in_review(api, a_contributor, policy)
    token_client = api(a_approver)  # a bearer token: the token alone is not enough
    assert token_client.post(f"/document-versions/{version['id']}/approve").status_code == 422
    r = token_client.post(f"/document-versions/{version['id']}/approve", SIGN)
    assert r.status_code == 200
    signature = ApprovalSignature.objects.get(version_id=version["id"])
    assert signature.reauthenticated and signature.channel == "token"
    assert services.signature_holds(signature)
    out = token_client.get("/document-signatures", version_id=version["id"]).json()["items"][0]
    assert (out["reauthenticated"], out["channel"]) == (True, "token")
    # the record cannot be made to claim another channel: the HMAC covers it
    signature.channel = "user"
    assert not services.signature_holds(signature)


def test_the_page_approves_with_the_password_and_refuses_without(
    client, api, a_contributor, a_approver, policy
):
    version = _in_review(api, a_contributor, policy)
    client.force_login(a_approver)
    page = client.get(f"/documents/{policy.pk}/").content.decode()
    assert 'type="password" name="password"' in page
    before = audit_count()
    r = client.post(
        f"/document-versions/{version['id']}/approve/", {"password": "wrong-password"}, follow=True
    )
    assert "password is not right" in r.content.decode()
    assert audit_count() == before and DocumentVersion.objects.get(pk=version["id"]).status == "in_review"
    client.post(f"/document-versions/{version['id']}/approve/", {"password": PASSWORD})
    signature = ApprovalSignature.objects.get(version_id=version["id"])
    assert signature.reauthenticated and signature.channel == "user" and services.signature_holds(signature)
