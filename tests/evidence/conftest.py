"""Fixtures of the evidence tests: site A's approver, a document, and uploading through the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from otcsms.evidence import blobstore, services
from tests.conftest import PASSWORD, make_user


@pytest.fixture
def a_approver(site_a):
    return make_user("anna", roles={site_a: "approver"})


@pytest.fixture
def a_approver2(site_a):
    return make_user("arno", roles={site_a: "approver"})


@pytest.fixture
def policy(site_a, a_contributor):
    return services.create_document(site_id=site_a.pk, kind="policy", title="Remote access policy",
                                    tags="Remote Access, SR-1.3", owner_id=a_contributor.pk, by=a_contributor)  # fmt: skip


def upload(client, document_id: int, content: bytes, name: str = "policy.txt", content_type: str = "text/plain",
           summary: str = ""):  # fmt: skip
    """POST a file to the document as a multipart form, as a browser or `curl -F` does."""
    data = {"file": SimpleUploadedFile(name, content, content_type=content_type), "change_summary": summary}
    return client.client.post(f"/api/v1/documents/{document_id}/versions", data=data, headers=client.headers)


def blob_files() -> list[Path]:
    root = Path(blobstore.storage().location)  # type: ignore[attr-defined]
    return [p for p in root.rglob("*") if p.is_file()]


def approved(document, contributor, approver, content: bytes = b"approved text\n"):
    """A version of ``document`` uploaded and submitted by ``contributor``, approved by ``approver``."""
    version = services.upload_version(document, [content], file_name="doc.txt", by=contributor)
    services.submit_version(version, by=contributor)
    return services.approve_version(version, by=approver, password=PASSWORD)


def set_next_review(document, day):
    """Move a document's review date (as time passing would), through a save: the trail records it."""
    from otcsms.evidence.models import Document

    stored = Document.objects.get(pk=document.pk)
    stored.next_review = day
    stored.save()
    return stored
