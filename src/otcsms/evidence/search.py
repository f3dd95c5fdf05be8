"""Search over documents: titles, tags and the text of text-like versions, as the user may see them.

One interface (``search_documents``) whatever the database: a case-insensitive substring match over the
three, on the rows ``for_user`` allows, newest first. SQLite FTS5 and PostgreSQL full-text search can replace
the query behind it without changing a caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from otcsms.core.scoping import UserLike
from otcsms.evidence.models import Document, DocumentVersion

MAX_QUERY = 200
SNIPPET = 80


@dataclass(frozen=True, slots=True)
class Hit:
    document: Document
    version: DocumentVersion | None  # the version whose text matched
    snippet: str


def search_documents(user: UserLike, query: str, *, site_id: int | None = None, limit: int = 50) -> list[Hit]:
    words = query.strip()[:MAX_QUERY]
    if not words:
        return []
    documents = Document.objects.for_user(user).for_site(site_id)
    in_text = DocumentVersion.objects.filter(document=OuterRef("pk"), text__icontains=words)
    matched = documents.filter(Q(title__icontains=words) | Q(tags__icontains=words) | Exists(in_text))
    hits = []
    for document in matched.order_by("-created_at", "-pk")[:limit]:
        version = (
            DocumentVersion.objects.filter(document=document, text__icontains=words)
            .order_by("-number")
            .first()
        )
        hits.append(Hit(document, version, _snippet(version.text, words) if version else ""))
    return hits


def _snippet(text: str, words: str) -> str:
    at = text.lower().find(words.lower())
    if at < 0:
        return ""
    start = max(0, at - SNIPPET)
    piece = text[start : at + len(words) + SNIPPET].replace("\n", " ")
    return ("…" if start else "") + piece + ("…" if at + len(words) + SNIPPET < len(text) else "")
