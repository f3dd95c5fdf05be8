"""Search over documents: titles, tags, descriptions, change summaries and the text of text-like versions, ranked,
on the documents the user may see.

One interface (``search_documents``) over the database's own full-text index (``evidence.fulltext``): SQLite
FTS5 ranked by BM25 (title weighs most, then tags, then summaries, then text), PostgreSQL ``tsvector`` ranked by
``ts_rank_cd`` with the same order of weights. Both stem English words ("firewalls" finds "firewall") and
every word of the query must match. The user's site scoping is a subquery of the same SQL statement: the index
never answers with a document the user may not see.

Where there is no index (a SQLite built without FTS5, a database other than these two) or the query has no word
in it, the search falls back to a case-insensitive substring match over the same fields, newest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from otcsms.core.scoping import UserLike
from otcsms.evidence.models import Document, DocumentVersion

MAX_QUERY = 200
MAX_WORDS = 16
SNIPPET = 80
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Hit:
    document: Document
    version: DocumentVersion | None  # the version whose text or summary matched best
    snippet: str
    rank: float = 0.0  # higher is better (0 on the substring fallback)


def cleaned(query: str) -> str:
    """The query as searched: without NUL characters (no database takes them), trimmed, at most MAX_QUERY."""
    return query.replace("\x00", "").strip()[:MAX_QUERY]


def words_of(query: str) -> list[str]:
    return _WORD.findall(cleaned(query))[:MAX_WORDS]


def search_documents(user: UserLike, query: str, *, site_id: int | None = None, limit: int = 50) -> list[Hit]:
    """The documents ``user`` may see (of ``site_id`` when given) that match every word of ``query``, best
    first."""
    text = cleaned(query)
    if not text:
        return []
    documents = Document.objects.for_user(user).for_site(site_id)
    ranked = ranked_matches(documents, text, limit)
    if ranked is None:
        return substring_search(documents, text, limit)
    found = Document.objects.in_bulk([document_id for document_id, _, _, _ in ranked])
    versions = DocumentVersion.objects.in_bulk([v for _, v, _, _ in ranked if v is not None])
    hits = []
    for document_id, version_id, rank, snippet in ranked:
        version = versions.get(version_id) if version_id is not None else None
        if not snippet:
            snippet = _snippet(version.text, text) if version is not None else ""
        hits.append(Hit(found[document_id], version, snippet, rank))
    return hits


def matching_q(query: str) -> Q:
    """A condition on documents: they match every word of ``query`` (unranked, for a list with its own order;
    applied to a scoped queryset)."""
    words = words_of(query)
    if not words or not index_available():
        return _substring_q(cleaned(query))
    if connection.vendor == "sqlite":
        inner = RawSQL(
            "SELECT document_id FROM evidence_fts WHERE evidence_fts MATCH %s", [_fts5_match(words)]
        )
    else:
        inner = RawSQL(
            "SELECT id FROM evidence_document WHERE search_vector @@ plainto_tsquery('english', %s) "
            "UNION SELECT document_id FROM evidence_documentversion "
            "WHERE search_vector @@ plainto_tsquery('english', %s)",
            [cleaned(query)] * 2,
        )
    return Q(pk__in=inner)


Ranked = list[tuple[int, int | None, float, str]]  # document id, best version id, rank, snippet


def index_available() -> bool:
    """Whether this database has the full-text index (migration 0003 creates it where it can)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'evidence_fts'"
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_attribute WHERE attrelid = 'evidence_documentversion'::regclass "
                "AND attname = 'search_vector' AND NOT attisdropped"
            )
        else:
            return False
        return bool(cursor.fetchone()[0])


def ranked_matches(documents: QuerySet[Document], query: str, limit: int) -> Ranked | None:
    """The index's answer within ``documents`` (a scoped queryset), best first; None when there is no index to
    ask (or no word to ask it): the caller falls back to substring matching."""
    words = words_of(query)
    if not words or not index_available():
        return None
    scope_sql, scope_params = documents.order_by().values("pk").query.sql_with_params()
    if connection.vendor == "sqlite":
        sql, asked = _sqlite_query(words, scope_sql)
    else:
        sql, asked = _postgresql_query(cleaned(query), scope_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, [asked, *scope_params, limit])
        rows = cursor.fetchall()
    return [(int(d), None if v is None else int(v), float(r), s or "") for d, v, r, s in rows]


def _fts5_match(words: list[str]) -> str:
    return " ".join('"' + word.replace('"', "") + '"' for word in words)  # each word, all of them


def _sqlite_query(words: list[str], scope_sql: str) -> tuple[str, str]:
    match = _fts5_match(words)
    sql = (
        "WITH m AS MATERIALIZED (SELECT document_id, version_id, bm25(evidence_fts, 10.0, 5.0, 2.0, 1.0) AS r, "  # noqa: S608 - the scope is Django's parameterised SQL
        "snippet(evidence_fts, -1, '', '', '…', 20) AS s FROM evidence_fts WHERE evidence_fts MATCH %s), "
        # SQLite: with one min() in the select, the bare columns come from the row holding the minimum.
        "best AS (SELECT document_id, version_id, min(r) AS r, s FROM m GROUP BY document_id) "
        f"SELECT best.document_id, best.version_id, -best.r, best.s FROM best JOIN ({scope_sql}) scope "
        "ON scope.pk = best.document_id ORDER BY best.r, best.document_id DESC LIMIT %s"
    )
    return sql, match


def _postgresql_query(query: str, scope_sql: str) -> tuple[str, str]:
    sql = (
        "WITH q AS (SELECT plainto_tsquery('english', %s) AS query), "  # noqa: S608 - the scope is Django's parameterised SQL
        "hits AS (SELECT d.id AS document_id, NULL::bigint AS version_id, ts_rank_cd(d.search_vector, q.query) AS r "
        "FROM evidence_document d, q WHERE d.search_vector @@ q.query "
        "UNION ALL SELECT v.document_id, v.id, ts_rank_cd(v.search_vector, q.query) "
        "FROM evidence_documentversion v, q WHERE v.search_vector @@ q.query), "
        "best AS (SELECT DISTINCT ON (document_id) document_id, version_id, r FROM hits "
        "ORDER BY document_id, r DESC, version_id DESC NULLS LAST) "
        f"SELECT best.document_id, best.version_id, best.r, '' FROM best JOIN ({scope_sql}) scope "
        "ON scope.pk = best.document_id ORDER BY best.r DESC, best.document_id DESC LIMIT %s"
    )
    return sql, query


# --- the fallback ----------------------------------------------------------------------------------


def _substring_q(words: str) -> Q:
    in_text = DocumentVersion.objects.filter(document=OuterRef("pk"), text__icontains=words)
    return (
        Q(title__icontains=words)
        | Q(tags__icontains=words)
        | Q(description__icontains=words)
        | Q(Exists(in_text))
    )


def substring_search(documents: QuerySet[Document], query: str, limit: int) -> list[Hit]:
    words = cleaned(query)
    hits = []
    for document in documents.filter(_substring_q(words)).order_by("-created_at", "-pk")[:limit]:
        version = (
            DocumentVersion.objects.filter(document=document, text__icontains=words)
            .order_by("-number")
            .first()
        )
        hits.append(Hit(document, version, _snippet(version.text, words) if version else ""))
    return hits


def _snippet(text: str, query: str) -> str:
    lowered = text.lower()
    found = [(lowered.find(w.lower()), w) for w in (query, *words_of(query))]
    at, word = min(((a, w) for a, w in found if a >= 0), default=(-1, ""))
    if at < 0:
        return text[: 2 * SNIPPET].replace("\n", " ") + ("…" if len(text) > 2 * SNIPPET else "")
    start = max(0, at - SNIPPET)
    end = at + len(word) + SNIPPET
    piece = text[start:end].replace("\n", " ")
    return ("…" if start else "") + piece + ("…" if end < len(text) else "")
