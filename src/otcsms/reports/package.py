"""The audit package of a site: one zip an auditor reads on a machine without otcsms.

index.html            what is in the package, when, by whom, from which data; links to everything below
reports/<kind>.html   every report kind of the site (standalone HTML) and its PDF
reports/<kind>.pdf
evidence/<file>       the current approved version of every document of the site, byte for byte
audit/events.jsonl    the audit trail from the site's first event to the checkpointed head: the site's
                      events in full (for a user who may read the site's trail), every other event as
                      its seq and hashes only (enough to follow the chain, nothing of other sites)
audit/checkpoint.json the chain head signed (Ed25519) when the package was made, after the whole chain
                      was verified with the instance's key
audit/verify.py       checks the checkpoint's signature and that the events link up to it
SHA256SUMS            the SHA-256 of every other member (`sha256sum -c SHA256SUMS`)
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.db.models import Min
from django.template.loader import render_to_string
from django.utils.text import get_valid_filename, slugify

from otcsms.core.checkpoints import current_checkpoint
from otcsms.core.models import AuditEvent, User
from otcsms.evidence import blobstore
from otcsms.evidence.models import Document
from otcsms.reports import framework
from otcsms.tenancy.models import Site

KIND = "audit-package"
VERIFY_SCRIPT = Path(__file__).with_name("verify_package.py")


@dataclass
class PackedFile:
    name: str
    sha256: str
    size: int
    title: str = ""


def filename(site: Site, report: framework.Report) -> str:
    return report.filename("zip").replace(f"-{report.kind}-", f"-{KIND}-")


def build_package(site: Site, user: User, out: IO[bytes]) -> str:
    """Write the package of ``site`` as ``user`` may see it to ``out``; returns its file name."""
    members: list[PackedFile] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:

        def add(name: str, data: bytes, title: str = "") -> None:
            zf.writestr(name, data)
            members.append(PackedFile(name, hashlib.sha256(data).hexdigest(), len(data), title))

        checkpoint = current_checkpoint()  # verifies the whole chain first
        reports = []
        for kind in framework.kinds().values():
            report = framework.build(kind.name, site, user)
            html = framework.render_html(report)
            add(f"reports/{kind.name}.html", html.encode("utf-8"), kind.title)
            add(f"reports/{kind.name}.pdf", framework.html_to_pdf(html), kind.title + " (PDF)")
            reports.append(report)
        evidence = _add_evidence(zf, site, user, members)
        events = _audit_segment(site, user, checkpoint.seq)
        add("audit/events.jsonl", events)
        add("audit/checkpoint.json", json.dumps(checkpoint.as_dict(), indent=1).encode("utf-8"))
        add("audit/verify.py", VERIFY_SCRIPT.read_bytes())
        first = reports[0] if reports else framework.build("coverage", site, user)
        index = render_to_string("reports/package_index.html", {
            "site": site, "provenance": first.provenance, "reports": [m for m in members if m.name.startswith("reports/")],
            "evidence": evidence, "checkpoint": checkpoint, "may_read_trail": _may_read_trail(site, user),
        })  # fmt: skip
        add("index.html", index.encode("utf-8"))
        sums = "".join(f"{m.sha256}  {m.name}\n" for m in members)
        zf.writestr("SHA256SUMS", sums)
    return filename(site, first)


def _add_evidence(zf: zipfile.ZipFile, site: Site, user: User, members: list[PackedFile]) -> list[dict]:
    rows = []
    documents = (
        Document.objects.for_user(user)
        .for_site(site.pk)  # its own documents and those of other sites covering it
        .filter(current_version__isnull=False, retired_at__isnull=True)
        .select_related("current_version")
        .order_by("title", "pk")
    )
    for document in documents:
        version = document.current_version
        if version is None or version.status != "approved":
            continue
        stem = get_valid_filename(version.file_name)[:80] or "file"
        name = f"evidence/{document.pk}-v{version.number}-{stem}"
        digest = hashlib.sha256()
        size = 0
        with (
            blobstore.storage().open(blobstore.blob_name(version.sha256), "rb") as source,
            zf.open(name, "w", force_zip64=True) as target,
        ):
            while chunk := source.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
        if digest.hexdigest() != version.sha256:
            raise framework.ReportError(
                f"the stored file of {document} v{version.number} does not match its hash"
            )
        members.append(PackedFile(name, version.sha256, size, document.title))
        rows.append({"document": document, "version": version, "name": name, "sha256": version.sha256})
    return rows


def _may_read_trail(site: Site, user: User) -> bool:
    return AuditEvent.objects.for_user(user).filter(site_id=site.pk).exists() or user.is_org_admin


def _audit_segment(site: Site, user: User, head: int) -> bytes:
    """From the site's first event to ``head``: the site's events in full if the user may read them, every
    other event as seq and hashes."""
    start = AuditEvent.objects.filter(site_id=site.pk).aggregate(first=Min("seq"))["first"] or head
    readable = _may_read_trail(site, user)
    lines = []
    columns = ("seq", "occurred_us", "actor_kind", "actor_label", "object_type", "object_id", "object_repr",
               "site_id", "action", "data", "prev_hash", "hash")  # fmt: skip
    rows = AuditEvent.objects.filter(seq__gte=start, seq__lte=head).order_by("seq").values_list(*columns)
    for row in rows.iterator(chunk_size=5000):
        event = dict(zip(columns, row, strict=True))
        if not (readable and event["site_id"] == site.pk):
            event = {"seq": event["seq"], "prev_hash": event["prev_hash"], "hash": event["hash"]}
        lines.append(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def package_file(site: Site, user: User) -> tuple[str, IO[bytes]]:
    """The package in a temporary file (rewound), for a download to stream."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    name = build_package(site, user, spool)
    spool.seek(0)
    return slugify(name.rsplit(".", 1)[0]) + ".zip", spool
