"""What a file is, read from its first bytes (never from its name): the media type a version records.

Plain Python (no Django, no dependency): a table of the signatures evidence files start with, then, for text,
a look at what kind of text it is. Markup that a browser would run (HTML, SVG, XML) is told apart from plain
text, so downloads can refuse to present it as anything a browser would render.
"""

from __future__ import annotations

import json

HEAD_BYTES = 8192  # how much of the file the detection reads

# (offset, signature, media type), first match wins.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF-", "application/pdf"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"BM", "image/bmp"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # .doc, .xls, .vsd, .msg
    (0, b"\x1f\x8b", "application/gzip"),
    (0, b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (0, b"Rar!\x1a\x07", "application/vnd.rar"),
    (0, b"MZ", "application/vnd.microsoft.portable-executable"),
    (0, b"\x7fELF", "application/x-executable"),
    (257, b"ustar", "application/x-tar"),
)
_RIFF_WEBP = "image/webp"
_ZIP = b"PK\x03\x04"
_OOXML = {
    b"word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    b"xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    b"ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    b"visio/": "application/vnd.ms-visio.drawing.main+xml",
}

# Text-like types: diffable, searchable.
TEXT_TYPES = frozenset(
    {
        "text/plain",
        "text/markdown",
        "text/csv",
        "application/json",
        "application/xml",
        "text/html",
        "image/svg+xml",
    }
)
# Types a browser renders and may run script in: never served as themselves.
ACTIVE_TYPES = frozenset({"text/html", "image/svg+xml", "application/xml", "application/xhtml+xml"})
# Claimed types that say nothing (any content may carry them).
VAGUE_CLAIMS = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})


def detect(head: bytes) -> str:
    """The media type of a file starting with ``head`` (up to HEAD_BYTES of it)."""
    for offset, signature, media_type in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _RIFF_WEBP
    if head.startswith(_ZIP):
        for prefix, media_type in _OOXML.items():
            if prefix in head:
                return media_type
        return "application/zip"
    text = _as_text(head)
    if text is None:
        return "application/octet-stream"
    return _text_kind(text)


def _as_text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as exc:
            # a multi-byte character cut at the end of the head is still text
            if encoding == "utf-8-sig" and exc.start >= len(head) - 3:
                return head[: exc.start].decode(encoding, errors="ignore")
            if head[:2] not in (b"\xff\xfe", b"\xfe\xff"):
                break
    return None


def _text_kind(text: str) -> str:
    start = text.lstrip()[:1024].lower()
    if start.startswith(("<!doctype html", "<html", "<head", "<body", "<script", "<iframe")):
        return "text/html"
    if "<svg" in start:
        return "image/svg+xml"
    if start.startswith("<?xml") or start.startswith("<"):
        return "application/xml"
    if start.startswith(("{", "[")):
        try:
            json.loads(text)
        except ValueError:
            pass
        else:
            return "application/json"
    if start.startswith("#") or "\n## " in text[:4096]:
        return "text/markdown" if _looks_markdown(text) else "text/plain"
    return "text/plain"


def _looks_markdown(text: str) -> bool:
    lines = text.splitlines()[:50]
    return any(line.startswith(("# ", "## ", "### ", "- ", "* ", "```")) for line in lines)


def is_text_like(media_type: str) -> bool:
    return media_type in TEXT_TYPES or media_type.startswith("text/")


def claim_matches(claimed: str, detected: str) -> bool:
    """Does the type the client claimed agree with the content? Vague claims agree with anything; text claims
    with any text (a .cfg sent as text/plain that holds JSON is no lie)."""
    claimed = claimed.split(";")[0].strip().lower()
    if claimed in VAGUE_CLAIMS or claimed == detected:
        return True
    if is_text_like(detected) and detected not in ACTIVE_TYPES:
        return claimed.startswith("text/") or claimed in TEXT_TYPES - ACTIVE_TYPES
    if detected in ACTIVE_TYPES:
        return claimed in ACTIVE_TYPES or claimed == "text/xml"
    if detected == "application/zip" or detected.startswith("application/vnd.openxmlformats"):
        return claimed.startswith(("application/vnd.", "application/zip", "application/x-zip"))
    if detected == "application/x-ole-storage":
        return claimed.startswith(("application/msword", "application/vnd.ms-", "application/vnd.visio"))
    return False
