"""Serving a version's file: always as a download, never as something the browser renders in our origin.

``Content-Disposition: attachment`` with the display name, ``X-Content-Type-Options: nosniff``, a content type
that is the detected one only for formats that cannot run script (HTML, SVG and XML are served as
``application/octet-stream``), and a Content-Security-Policy that forbids everything should a browser open it
anyway (``sandbox`` gives it a unique origin: no cookies, no script).
"""

from __future__ import annotations

import difflib

from django.http import FileResponse

from otcsms.evidence import blobstore
from otcsms.evidence.models import DocumentVersion

SERVED_AS_ITSELF = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain", "text/csv", "application/json"}
)
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
MAX_DIFF_LINES = 5000


def file_response(version: DocumentVersion) -> FileResponse:
    content_type = (
        version.media_type if version.media_type in SERVED_AS_ITSELF else "application/octet-stream"
    )
    response = FileResponse(
        blobstore.open_blob(version.sha256), as_attachment=True, filename=version.file_name,
        content_type=content_type,
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["ETag"] = f'"{version.sha256}"'
    return response


def previous_version(version: DocumentVersion) -> DocumentVersion | None:
    return (
        DocumentVersion.objects.filter(document_id=version.document_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def text_diff(version: DocumentVersion) -> tuple[DocumentVersion | None, list[str] | None]:
    """The previous version and a unified diff of the text against it; None when either is not text-like."""
    previous = previous_version(version)
    if previous is None or not (version.is_text and previous.is_text):
        return previous, None
    lines = list(
        difflib.unified_diff(
            previous.text.splitlines(), version.text.splitlines(), fromfile=f"v{previous.number}",
            tofile=f"v{version.number}", lineterm="", n=3,
        )
    )  # fmt: skip
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines"]
    return previous, lines
