"""A signed-off review's record stored as evidence: three document versions through the evidence app, linked to
the requirements of the shipped library (evidence links and object links of kind evidence), refused with
nothing written when the review is open or the user may not publish the change log."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.access.models import EvidenceExport
from otcsms.access.services import decide, sign_off, start_review
from otcsms.catalogs.models import Requirement
from otcsms.evidence import services as evidence
from otcsms.evidence.blobstore import open_blob
from otcsms.evidence.freshness import state_of
from otcsms.evidence.models import Document, DocumentVersion, EvidenceLink
from otcsms.links.models import ObjectLink
from tests.access.conftest import grant
from tests.conftest import audit_count


@pytest.fixture
def signed_off(hmi, site_a, a_approver):
    g1 = grant(hmi, hmi.ann)
    g1.justification = "=cmd|' /C calc'!A0"  # a hostile cell: the export must keep it text
    g1.save()
    g2 = grant(hmi, hmi.dan, "view")
    review = start_review(a_approver, site_a, title="Q4 2026", period_start=date(2026, 10, 1),
                          period_end=date(2026, 12, 31))  # fmt: skip
    decide(a_approver, review.items.get(grant=g1), decision="confirmed", comment="still on shift")
    decide(a_approver, review.items.get(grant=g2), decision="revoked", comment="moved to the lab")
    return sign_off(a_approver, review, note="all decided")


def requirement(key: str, ref: str) -> Requirement:
    return Requirement.objects.get(framework__key=key, framework__is_current=True, ref=ref)


def linked_refs(document: Document) -> set[str]:
    refs = set(
        Requirement.objects.filter(
            pk__in=EvidenceLink.objects.filter(document=document).values("target_id")
        ).values_list("ref", flat=True)
    )
    shown = set(
        Requirement.objects.filter(
            pk__in=ObjectLink.objects.filter(
                source_id=document.pk, source_type__model="document", kind="evidence"
            ).values("target_id")
        ).values_list("ref", flat=True)
    )
    assert refs == shown  # counted by the evidence app and shown on the requirement's page alike
    return refs


def test_the_record_becomes_three_documents_linked_to_cip_004_and_sr_1_3(
    shipped_library, api, signed_off, a_admin
):
    r = api(a_admin).post(f"/access-reviews/{signed_off.pk}/evidence", {})
    assert r.status_code == 201, r.json()
    assert r.json()["missing_requirements"] == []
    parts = {e.part: e for e in EvidenceExport.objects.filter(campaign=signed_off).select_related("document")}
    assert set(parts) == {"review", "changes", "reconciliation"}
    review_doc = parts["review"].document
    assert review_doc.title == "Access review record: Q4 2026" and review_doc.kind == "record"
    assert {"CIP-004-7 R4.2", "CIP-004-7 R4.3", "SR 1.3", "SR 2.1", "USER 1.4", "4.3.3.5.6"} == linked_refs(
        review_doc
    )
    assert {"CIP-004-7 R5.1", "SR 1.3"} <= linked_refs(parts["changes"].document)
    assert {"CIP-004-7 R4.2", "SR 1.3", "SR 2.1"} <= linked_refs(parts["reconciliation"].document)
    source = ObjectLink.objects.get(source_id=review_doc.pk, kind="source")
    assert source.target_id == signed_off.pk and source.target_type.model == "reviewcampaign"

    version = parts["review"].version
    assert version.status == "in_review" and version.submitted_by_id == a_admin.pk
    with open_blob(version.sha256) as blob:
        rows = list(csv.reader(io.StringIO(blob.read().decode("utf-8-sig"))))
    assert rows[0][0] == "review" and any("moved to the lab" in row for row in rows)
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    with open_blob(parts["changes"].version.sha256) as blob:
        assert "revoked at" in blob.read().decode("utf-8-sig")  # the review's revocation is in the log

    # An approver other than the exporter approves: the link to SR 1.3 is current evidence from then on.
    from tests.conftest import PASSWORD, make_user

    other = make_user("otto", roles={signed_off.site: "approver"})
    evidence.approve_version(version, by=other, password=PASSWORD)
    link = EvidenceLink.objects.get(document=review_doc, target_id=requirement("iec62443-3-3", "SR 1.3").pk)
    assert state_of(link).current


def test_a_second_export_adds_versions_not_documents_or_links(shipped_library, api, signed_off, a_admin):
    client = api(a_admin)
    assert client.post(f"/access-reviews/{signed_off.pk}/evidence", {}).status_code == 201
    links = (EvidenceLink.objects.count(), ObjectLink.objects.count())
    assert client.post(f"/access-reviews/{signed_off.pk}/evidence", {}).status_code == 201
    assert Document.objects.filter(site=signed_off.site).count() == 3
    assert sorted(DocumentVersion.objects.values_list("number", flat=True)) == [1, 1, 1, 2, 2, 2]
    assert (EvidenceLink.objects.count(), ObjectLink.objects.count()) == links


def test_refused_exports_write_nothing(
    shipped_library, api, hmi, site_a, signed_off, a_approver, a_admin, auditor
):
    approver, admin, reader = api(a_approver), api(a_admin), api(auditor)  # their tokens are written first
    open_review = start_review(a_approver, site_a, title="Q1 2027", period_start=date(2027, 1, 1),
                               period_end=date(2027, 3, 31))  # fmt: skip
    events = audit_count()
    r = approver.post(f"/access-reviews/{signed_off.pk}/evidence", {})  # may not read the audit trail
    assert r.status_code == 403 and "audit trail" in r.json()["detail"]
    assert reader.post(f"/access-reviews/{signed_off.pk}/evidence", {}).status_code == 403  # read-only
    r = admin.post(f"/access-reviews/{open_review.pk}/evidence", {})
    assert r.status_code == 409 and "signed-off" in r.json()["detail"]
    assert admin.post("/access-reviews/99999999/evidence", {}).status_code == 404
    assert audit_count() == events
    assert not Document.objects.exists() and not EvidenceExport.objects.exists()


def test_the_button_on_the_review_page(shipped_library, signed_off, a_admin, a_approver):
    client = Client()
    client.force_login(a_admin)
    page = client.get(reverse("web:access_review", args=[signed_off.pk])).content.decode()
    assert "Store the record as evidence" in page and "Progress per reviewer" in page
    r = client.post(reverse("web:access_review_evidence", args=[signed_off.pk]), follow=True)
    assert "Stored 3 evidence documents" in r.content.decode()
    assert "Access review record: Q4 2026" in r.content.decode()
    client.force_login(a_approver)
    page = client.get(reverse("web:access_review", args=[signed_off.pk])).content.decode()
    assert "Store the record as evidence" not in page and "site admins and organisation admins" in page
    assert client.post(reverse("web:access_review_evidence", args=[signed_off.pk])).status_code == 403
