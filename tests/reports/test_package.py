"""The audit package: an auditor downloads it, opens it without otcsms, checks the evidence hashes and verifies
the audit-trail segment with the script inside; nothing of another site is in it."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from otcsms.evidence import services as evidence
from tests.conftest import PASSWORD, make_user

POLICY = b"Remote access only through the jump host.\n"


@pytest.fixture
def approved_policy(site_a, a_contributor):
    approver = make_user("anna", roles={site_a: "approver"})
    doc = evidence.create_document(site_id=site_a.pk, kind="policy", title="Remote access policy",
                                   owner_id=a_contributor.pk, by=a_contributor)  # fmt: skip
    version = evidence.upload_version(doc, [POLICY], file_name="../../remote access.txt", by=a_contributor)
    evidence.submit_version(version, by=a_contributor)
    evidence.approve_version(version, by=approver, password=PASSWORD)
    draft = evidence.create_document(
        site_id=site_a.pk, kind="procedure", title="Draft procedure", by=a_contributor
    )
    evidence.upload_version(draft, [b"not approved yet"], file_name="draft.txt", by=a_contributor)
    return doc


def unpacked(data: bytes, where: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert all(not n.startswith("/") and ".." not in Path(n).parts for n in names)
        zf.extractall(where)
    return where


def verify(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(root / "audit" / "verify.py"), str(root)], capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def test_an_auditor_downloads_and_verifies_the_package_offline(
    api, assessed, approved_policy, site_a, site_b, auditor, tmp_path
):
    from otcsms.org.models import Person

    Person.objects.create(organisation=site_b.organisation, site=site_b, name="Secret person of B")
    r = api(auditor).get("/reports/audit-package", site=site_a.code)
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Type"] == "application/zip" and "audit-package" in r["Content-Disposition"]
    root = unpacked(b"".join(r.streaming_content), tmp_path / "pkg")

    names = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert {"index.html", "SHA256SUMS", "audit/events.jsonl", "audit/checkpoint.json", "audit/verify.py",
            "reports/gaps.html", "reports/gaps.pdf", "reports/soa.html", "reports/coverage.pdf"} <= names  # fmt: skip
    assert (root / "reports" / "soa.pdf").read_bytes().startswith(b"%PDF-")
    evidence_files = [n for n in names if n.startswith("evidence/")]
    assert (
        len(evidence_files) == 1 and (root / evidence_files[0]).read_bytes() == POLICY
    )  # the draft is not in
    index = (root / "index.html").read_text(encoding="utf-8")
    assert hashlib.sha256(POLICY).hexdigest() in index and "Draft procedure" not in index
    assert "http://" not in index and "https://" not in index

    events = [json.loads(line) for line in (root / "audit" / "events.jsonl").read_text().splitlines()]
    full = [e for e in events if "data" in e]
    assert full and all(e["site_id"] == site_a.pk for e in full)
    assert "Secret person of B" not in (root / "audit" / "events.jsonl").read_text()

    done = verify(root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "package verified" in done.stdout

    # tampering with an evidence file, the trail or the checkpoint is found
    (root / evidence_files[0]).write_bytes(POLICY + b"edited")
    assert verify(root).returncode == 1 and "changed: evidence/" in verify(root).stdout
    (root / evidence_files[0]).write_bytes(POLICY)
    checkpoint = json.loads((root / "audit" / "checkpoint.json").read_text())
    checkpoint["seq"] += 1
    (root / "audit" / "checkpoint.json").write_text(json.dumps(checkpoint))
    out = verify(root).stdout
    assert "signature does not hold" in out and "changed: audit/checkpoint.json" in out


def test_the_package_is_refused_to_others_and_needs_no_parameters(
    api, assessed, site_a, b_viewer, a_contributor
):
    assert api(b_viewer).get("/reports/audit-package", site=site_a.code).status_code == 403
    r = api(a_contributor).get("/reports/audit-package", site=site_a.code, format="pdf")
    assert r.status_code == 422 and "zip" in r.json()["detail"]
    r = api(a_contributor).get("/reports/audit-package", site=site_a.code, assessment="1")
    assert r.status_code == 422


def test_a_viewer_gets_the_trail_as_hashes_only(api, assessed, site_a, tmp_path):
    viewer = make_user("vera", roles={site_a: "viewer"})
    r = api(viewer).get("/reports/audit-package", site=str(site_a.pk))
    assert r.status_code == 200
    root = unpacked(b"".join(r.streaming_content), tmp_path / "pkg")
    events = [json.loads(line) for line in (root / "audit" / "events.jsonl").read_text().splitlines()]
    assert events and all(set(e) == {"seq", "prev_hash", "hash"} for e in events)
    assert verify(root).returncode == 0


def test_no_package_vouches_for_a_broken_trail(api, assessed, site_a, auditor):
    from django.db import connection

    client = api(auditor)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_repr = 'rewritten' WHERE seq = 2")
    r = client.get("/reports/audit-package", site=site_a.code)
    assert r.status_code == 409 and "BROKEN at event #2" in r.json()["detail"]
