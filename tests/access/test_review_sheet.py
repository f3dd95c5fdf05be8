"""An access review in a spreadsheet (issue 19): the workbook out, decided offline, imported back through the API
and the page; all or nothing with every bad row reported, each decision the importing user's (in the audit
trail), only the decisions that user may take on the review screen."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from otcsms.access import review_sheet
from otcsms.access.models import AccessGrant, ReviewItem
from otcsms.access.services import sign_off
from otcsms.core.models import AuditEvent
from otcsms.plant.importfiles import ImportRejected
from tests.access.test_reviews import two_reviewers
from tests.conftest import audit_count

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def edited(data: bytes, changes: dict[str, dict[str, str]]) -> bytes:
    """The workbook with cells changed: {"HMI-1 Ann": {"decision": "confirmed"}} (rows found by system and person)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Access review"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        key = f"{row[header.index('system')].value} {row[header.index('person')].value}"
        for column, value in changes.get(key, {}).items():
            row[header.index(column)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_review_comes_back_from_a_spreadsheet_as_the_importing_reviewer(api, hmi, site_a, a_approver):
    review, cat = two_reviewers(hmi, site_a, a_approver)
    as_cat = api(cat)
    sheet = as_cat.get(f"/access-reviews/{review.pk}/sheet")
    assert sheet.status_code == 200 and sheet["Content-Type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    rows = list(book["Access review"].iter_rows(values_only=True))
    assert rows[0] == review_sheet.COLUMNS and len(rows) == 4
    assert book["Access review"].freeze_panes == "B2" and "How to use" in book.sheetnames
    decided = {"HMI-1 Ann": {"decision": "confirmed", "comment": "still on shift"},
               "HMI-1 Dan": {"decision": "revoked", "comment": "=left in November"}}  # fmt: skip
    # one row Cat may not decide (the historian's grants are the approver's): the whole file is refused
    refused = edited(sheet.content, {**decided, "HIST-1 Ann": {"decision": "confirmed"}})
    before = audit_count()
    r = _post(as_cat, review, refused)
    assert r.status_code == 422
    assert [p["row"] for p in r.json()["detail"]] == [2] and "reviewer" in r.json()["detail"][0]["reason"]
    assert audit_count() == before
    assert set(review.items.values_list("decision", flat=True)) == {"pending"}
    # without it, Cat's two decisions are recorded as Cat, the revocation revokes the grant
    good = edited(sheet.content, decided)
    r = _post(as_cat, review, good)
    assert r.status_code == 200, r.content
    assert r.json()["updated"] == 2
    items = {f"{i.grant.system.name} {i.grant.person.name}": i for i in review.items.select_related("grant")}
    assert (items["HMI-1 Ann"].decision, items["HMI-1 Ann"].decided_by) == ("confirmed", cat)
    assert items["HMI-1 Dan"].comment == "=left in November"  # the cell guard is undone on reading
    assert items["HMI-1 Dan"].grant.status == AccessGrant.Status.REVOKED
    assert items["HIST-1 Ann"].decision == "pending"
    events = AuditEvent.objects.filter(object_type="access.reviewitem", seq__gt=before)
    assert {e.actor_user_id for e in events} == {cat.pk} and events.count() == 2
    # the same file again changes nothing: its cells are what the review holds now
    after = audit_count()
    r = _post(as_cat, review, good)
    assert r.json()["updated"] == 0 and audit_count() == after


def test_every_bad_row_is_reported_and_nothing_is_written(hmi, site_a, a_approver):
    review, _cat = two_reviewers(hmi, site_a, a_approver)
    data = review_sheet.export_xlsx(review)[1]
    hostile = edited(data, {
        "HMI-1 Ann": {"decision": "maybe"},
        "HMI-1 Dan": {"decision": "revoked", "comment": None, "person": "Somebody else"},
        "HIST-1 Ann": {"comment": "a comment without a decision"},
    })  # fmt: skip
    before = audit_count()
    with pytest.raises(ImportRejected) as rejected:
        review_sheet.import_review(review, hostile, "q4.xlsx", by=a_approver)
    assert {(p.row, p.column) for p in rejected.value.problems} == {
        (2, "comment"),
        (3, "decision"),
        (4, "person"),
        (4, "comment"),
    }
    assert audit_count() == before
    item = review.items.first()
    for text, reason in [
        ("id,decision\nR-999999,confirmed\n", "no grant 'R-999999'"),
        (f"id,decision,password\nR-{review.items.first().pk},confirmed,x\n", "unknown column"),
        ("decision\nconfirmed\n", "the id column is required"),
        (f"id,decision\nR-{item.pk},confirmed\nR-{item.pk},confirmed\n", "the same id as row 2"),
    ]:
        with pytest.raises(ImportRejected, match=reason):
            review_sheet.import_review(review, text.encode(), "q4.csv", by=a_approver)
    for i in review.items.all():
        i.decision, i.comment = "confirmed", "ok"
        i.save()
    sign_off(a_approver, review)
    with pytest.raises(ImportRejected, match="signed off"):
        review_sheet.import_review(review, data, "q4.xlsx", by=a_approver)
    assert audit_count() == before + 4  # the decisions and the sign-off above, nothing from the imports


def test_the_page_downloads_and_imports_and_other_sites_get_nothing(hmi, site_a, a_approver, b_viewer, api):
    review, _cat = two_reviewers(hmi, site_a, a_approver)
    client = Client()
    client.force_login(a_approver)
    page = client.get(reverse("web:access_review_sheet", args=[review.pk]))
    assert page.status_code == 200 and b'id="review-sheet-import"' in page.content
    assert (
        reverse("web:access_review_sheet", args=[review.pk]).encode()
        in client.get(reverse("web:access_review", args=[review.pk])).content
    )
    data = client.get(reverse("web:access_review_sheet_download", args=[review.pk])).content
    bad = edited(data, {"HMI-1 Ann": {"decision": "revoked"}})
    r = client.post(reverse("web:access_review_sheet", args=[review.pk]), {"file": _upload(bad)})
    assert r.status_code == 422 and b"say why the grant is revoked" in r.content
    good = edited(data, {"HMI-1 Ann": {"decision": "revoked", "comment": "moved to the lab"}})
    r = client.post(reverse("web:access_review_sheet", args=[review.pk]), {"file": _upload(good)})
    assert r.status_code == 302
    assert (
        review.items.get(grant__person=hmi.ann, grant__system=hmi.system).decision
        == ReviewItem.Decision.REVOKED
    )
    other = Client()
    other.force_login(b_viewer)
    assert other.get(reverse("web:access_review_sheet_download", args=[review.pk])).status_code == 404
    as_bob = api(b_viewer)
    assert as_bob.get(f"/access-reviews/{review.pk}/sheet").status_code == 404
    r = _post(as_bob, review, good)
    assert r.status_code == 404


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("q4.xlsx", data, content_type=XLSX)


def _post(client, review, data: bytes):
    return client.client.post(
        f"/api/v1/access-reviews/{review.pk}/import", data={"file": _upload(data)}, headers=client.headers
    )
