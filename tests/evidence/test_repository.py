"""The repository: uploads become content-addressed, immutable versions; hostile uploads are refused or made
harmless; downloads never render in the app's origin."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError

from otcsms.core.models import AuditEvent
from otcsms.evidence import blobstore, services
from otcsms.evidence.models import DocumentVersion
from tests.conftest import audit_count
from tests.evidence.conftest import approved, blob_files, upload

pytestmark = pytest.mark.django_db


def test_upload_stores_a_content_addressed_version_audited_with_its_actor(api, a_contributor, policy):
    content = b"Remote access is granted through the DMZ jump host only.\n"
    r = upload(api(a_contributor), policy.pk, content, summary="first issue")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert (body["size"], body["number"], body["status"]) == (len(content), 1, "draft")
    assert body["media_type"] == "text/plain" and body["type_mismatch"] is False
    assert body["uploaded_by_id"] == a_contributor.pk and body["change_summary"] == "first issue"
    with blobstore.open_blob(body["sha256"]) as stored:
        assert stored.read() == content
    event = AuditEvent.objects.get(object_type="evidence.documentversion", object_id=str(body["id"]))
    assert event.action == "create" and event.actor_user_id == a_contributor.pk


def test_the_same_content_is_stored_once(api, a_contributor, policy, site_a):
    content = b"same bytes, two versions and two documents\n"
    other = services.create_document(site_id=site_a.pk, kind="record", title="Copy", by=a_contributor)
    first = upload(api(a_contributor), policy.pk, content).json()
    second = upload(api(a_contributor), other.pk, content, name="copy.txt").json()
    assert first["sha256"] == second["sha256"] and first["id"] != second["id"]
    named = [p for p in blob_files() if p.name == first["sha256"]]
    assert len(named) == 1
    assert len([p for p in blob_files() if first["sha256"] in p.name]) == 1  # no "_abc123" duplicate either


def test_an_upload_over_the_limit_is_refused_and_leaves_nothing(api, a_contributor, policy, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 4096
    content = b"x" * 5000
    client = api(a_contributor)
    before = audit_count()
    r = upload(client, policy.pk, content)
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    assert not blobstore.exists(hashlib.sha256(content).hexdigest())
    assert not DocumentVersion.objects.exists() and audit_count() == before


def test_a_large_body_is_refused_before_it_is_read(api, a_contributor, policy, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 4096
    client = api(a_contributor)
    r = client.client.post(f"/api/v1/documents/{policy.pk}/versions", data=b"", content_type="multipart/form-data; boundary=x",
                           headers={**client.headers, "Content-Length": str(10 * 1024 * 1024)})  # fmt: skip
    assert r.status_code == 413


def test_the_service_refuses_while_receiving_a_stream_without_length(policy, a_contributor):
    sent = []

    def endless():
        while True:
            sent.append(1)
            yield b"y" * 1024

    with pytest.raises(services.UploadTooLargeError):
        services.upload_version(policy, endless(), file_name="big.bin", by=a_contributor, limit=10 * 1024)
    assert len(sent) == 11  # stopped at the first chunk over the limit, not at the end of the stream
    assert not DocumentVersion.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "/abs/path.txt",
        "evil\u202etxt.exe",
        "a\x00b.txt",
        "",
    ],
)
def test_file_names_are_never_paths(api, a_contributor, policy, name):
    content = f"content for {name!r}\n".encode()
    r = upload(api(a_contributor), policy.pk, content, name=name or "x")
    assert r.status_code == 201, r.content
    shown = r.json()["file_name"]
    assert "/" not in shown and "\\" not in shown and "\x00" not in shown and "\u202e" not in shown
    assert not shown.startswith(".")
    sha = r.json()["sha256"]
    stored = [p for p in blob_files() if p.name == sha]
    assert len(stored) == 1 and stored[0].parent.name == sha[2:4] and stored[0].parent.parent.name == sha[:2]


def test_a_claimed_type_that_the_content_contradicts_is_flagged(api, a_contributor, policy):
    r = upload(
        api(a_contributor), policy.pk, b"%PDF-1.7\n...not a png", name="diagram.png", content_type="image/png"
    )
    body = r.json()
    assert body["media_type"] == "application/pdf" and body["claimed_type"] == "image/png"
    assert body["type_mismatch"] is True


def test_a_failed_upload_leaves_no_blob_and_no_version(api, a_contributor, a_approver, policy):
    approved(policy, a_contributor, a_approver)
    services.retire_document(policy, by=a_approver, reason="replaced by the group policy")
    content = b"a blob that must not survive the refusal\n"
    client = api(a_contributor)
    before = audit_count()
    r = upload(client, policy.pk, content)
    assert r.status_code == 409
    assert not blobstore.exists(hashlib.sha256(content).hexdigest())
    assert DocumentVersion.objects.filter(document=policy).count() == 1 and audit_count() == before


@pytest.mark.parametrize(
    ("content", "detected"),
    [
        (b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "text/html"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>', "image/svg+xml"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(3)</script></svg>', "image/svg+xml"),
    ],
)  # fmt: skip
def test_html_and_svg_downloads_never_run(api, a_contributor, policy, content, detected):
    client = api(a_contributor)
    version = upload(client, policy.pk, content, name="diagram.svg", content_type="image/svg+xml").json()
    assert version["media_type"] == detected
    r = client.get(f"/document-versions/{version['id']}/content")
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith("attachment;") and "diagram.svg" in r["Content-Disposition"]
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Type"] == "application/octet-stream"
    assert "sandbox" in r["Content-Security-Policy"] and "default-src 'none'" in r["Content-Security-Policy"]
    assert b"".join(r.streaming_content) == content


def test_page_download_has_the_same_headers(client, a_contributor, policy):
    version = services.upload_version(policy, [b"<svg><script>alert(1)</script></svg>"], file_name="x.svg",
                                      by=a_contributor)  # fmt: skip
    client.force_login(a_contributor)
    r = client.get(f"/document-versions/{version.pk}/download/")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment;")
    assert r["X-Content-Type-Options"] == "nosniff" and r["Content-Type"] == "application/octet-stream"
    assert "sandbox" in r["Content-Security-Policy"]


@pytest.mark.parametrize("persona", ["outsider", "b_viewer"])
def test_other_sites_cannot_download_or_diff(request, api, a_contributor, policy, persona):
    version = services.upload_version(policy, [b"site A only\n"], file_name="a.txt", by=a_contributor)
    client = api(request.getfixturevalue(persona))
    for path in ("content", "diff"):
        assert client.get(f"/document-versions/{version.pk}/{path}").status_code == 404
    assert client.get(f"/documents/{policy.pk}").status_code == 404
    r = upload(client, policy.pk, b"intrusion\n")
    assert r.status_code == 404
    assert DocumentVersion.objects.count() == 1


def test_a_viewer_of_the_site_reads_but_cannot_upload(api, site_a, policy):
    from tests.conftest import make_user

    viewer = make_user("vera", roles={site_a: "viewer"})
    client = api(viewer)
    assert client.get(f"/documents/{policy.pk}").status_code == 200
    before = audit_count()
    assert upload(client, policy.pk, b"not mine to add\n").status_code == 403
    assert audit_count() == before


def test_text_versions_get_a_diff_against_the_previous_one(api, a_contributor, policy):
    client = api(a_contributor)
    upload(client, policy.pk, b"line one\nline two\nline three\n")
    second = upload(client, policy.pk, b"line one\nline 2\nline three\n").json()
    diff = client.get(f"/document-versions/{second['id']}/diff").json()
    assert "-line two" in diff["diff"] and "+line 2" in diff["diff"]
    binary = upload(
        client, policy.pk, b"\x89PNG\r\n\x1a\n\x00\x00binary", name="p.png", content_type="image/png"
    ).json()
    assert client.get(f"/document-versions/{binary['id']}/diff").json()["diff"] is None


def test_an_approved_version_cannot_be_changed(a_contributor, a_approver, policy):
    version = approved(policy, a_contributor, a_approver)
    version = DocumentVersion.objects.get(pk=version.pk)
    version.change_summary = "rewritten after the fact"
    with pytest.raises(ValidationError):
        version.full_clean()


def test_versions_have_no_write_endpoints(api, org_admin, a_contributor, policy):
    version = services.upload_version(policy, [b"fixed\n"], file_name="a.txt", by=a_contributor)
    client = api(org_admin)
    assert client.patch(f"/document-versions/{version.pk}", {"change_summary": "x"}).status_code == 405
    assert client.delete(f"/document-versions/{version.pk}").status_code == 405


def test_a_file_django_spooled_to_disk_is_moved_into_the_store_intact(api, a_contributor, policy, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # anything larger goes to a temporary file first
    content = bytes(range(256)) * 40 + b"%PDF-"  # 10 KB of binary
    r = upload(
        api(a_contributor), policy.pk, content, name="spooled.bin", content_type="application/octet-stream"
    )
    assert r.status_code == 201, r.content
    with blobstore.open_blob(r.json()["sha256"]) as stored:
        assert stored.read() == content
    again = upload(api(a_contributor), policy.pk, content, name="again.bin").json()
    assert (
        again["sha256"] == r.json()["sha256"]
        and len([p for p in blob_files() if p.name == again["sha256"]]) == 1
    )
