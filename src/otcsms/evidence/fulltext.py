"""The full-text index of documents, one per database vendor, kept by the database itself.

SQLite: an FTS5 table ``evidence_fts`` (porter stemming over unicode61) with one row per document (title, tags,
description as the summary) and one per version that has text or a change summary (summary, body). Triggers on
the two tables keep it in step, whatever writes them. A document's row is ``rowid = 2 * id``, a version's
``2 * id + 1``.

PostgreSQL: a stored generated ``search_vector`` column (``tsvector``, English configuration, weights A title,
B tags, C description and change summary, D text) on each of the two tables, each with a GIN index. The text of a
version is indexed up to ``PG_TEXT_CHARS`` characters: a ``tsvector`` cannot exceed 1 MB.

Created by migration 0003 (``install``). Beware: Django rebuilds a SQLite table for some schema changes and its
triggers go with it; a migration that alters ``evidence_document`` or ``evidence_documentversion`` must call
``install`` again (``tests/evidence/test_search.py`` checks the triggers are there after all migrations).
"""

from __future__ import annotations

from typing import Any

PG_TEXT_CHARS = 131072

_DOC_ROW = (
    "INSERT INTO evidence_fts(rowid, title, tags, summary, body, document_id, version_id) "
    "VALUES (new.id * 2, new.title, new.tags, new.description, '', new.id, NULL)"
)
_VERSION_ROW = (
    "INSERT INTO evidence_fts(rowid, title, tags, summary, body, document_id, version_id) "
    "SELECT new.id * 2 + 1, '', '', new.change_summary, new.\"text\", new.document_id, new.id "
    "WHERE new.\"text\" != '' OR new.change_summary != ''"
)

SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS evidence_fts USING fts5(title, tags, summary, body, "
    "document_id UNINDEXED, version_id UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_document_insert AFTER INSERT ON evidence_document "
    f"BEGIN {_DOC_ROW}; END",
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_document_update AFTER UPDATE OF title, tags, description "  # noqa: S608 - constant SQL
    f"ON evidence_document BEGIN DELETE FROM evidence_fts WHERE rowid = old.id * 2; {_DOC_ROW}; END",
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_document_delete AFTER DELETE ON evidence_document "
    "BEGIN DELETE FROM evidence_fts WHERE rowid = old.id * 2; END",
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_version_insert AFTER INSERT ON evidence_documentversion "
    f"BEGIN {_VERSION_ROW}; END",
    'CREATE TRIGGER IF NOT EXISTS evidence_fts_version_update AFTER UPDATE OF "text", change_summary '  # noqa: S608 - constant SQL
    "ON evidence_documentversion BEGIN DELETE FROM evidence_fts WHERE rowid = old.id * 2 + 1; "
    f"{_VERSION_ROW}; END",
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_version_delete AFTER DELETE ON evidence_documentversion "
    "BEGIN DELETE FROM evidence_fts WHERE rowid = old.id * 2 + 1; END",
    # What is already there (a fresh install has nothing; an upgrade has its documents).
    "DELETE FROM evidence_fts",
    "INSERT INTO evidence_fts(rowid, title, tags, summary, body, document_id, version_id) "
    "SELECT id * 2, title, tags, description, '', id, NULL FROM evidence_document",
    "INSERT INTO evidence_fts(rowid, title, tags, summary, body, document_id, version_id) "
    "SELECT id * 2 + 1, '', '', change_summary, \"text\", document_id, id FROM evidence_documentversion "
    "WHERE \"text\" != '' OR change_summary != ''",
)
SQLITE_TRIGGERS = tuple(
    statement.split()[5] for statement in SQLITE if statement.startswith("CREATE TRIGGER")
)

_EN = "'english'::regconfig"
POSTGRESQL = (
    "ALTER TABLE evidence_document ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector({_EN}, coalesce(title, '')), 'A') || "
    f"setweight(to_tsvector({_EN}, coalesce(tags, '')), 'B') || "
    f"setweight(to_tsvector({_EN}, coalesce(description, '')), 'C')) STORED",
    "CREATE INDEX IF NOT EXISTS evidence_document_search ON evidence_document USING gin (search_vector)",
    "ALTER TABLE evidence_documentversion ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector({_EN}, coalesce(change_summary, '')), 'C') || "
    f"setweight(to_tsvector({_EN}, left(coalesce(\"text\", ''), {PG_TEXT_CHARS})), 'D')) STORED",
    "CREATE INDEX IF NOT EXISTS evidence_version_search ON evidence_documentversion USING gin (search_vector)",
)

SQLITE_REMOVE = (
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    "DROP TABLE IF EXISTS evidence_fts",
)
POSTGRESQL_REMOVE = (
    "DROP INDEX IF EXISTS evidence_document_search",
    "ALTER TABLE evidence_document DROP COLUMN IF EXISTS search_vector",
    "DROP INDEX IF EXISTS evidence_version_search",
    "ALTER TABLE evidence_documentversion DROP COLUMN IF EXISTS search_vector",
)


def sqlite_has_fts5(cursor: Any) -> bool:
    cursor.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
    if cursor.fetchone()[0]:
        return True
    try:  # built as a loadable module instead: try it
        cursor.execute("CREATE VIRTUAL TABLE temp.evidence_fts_probe USING fts5(x)")
        cursor.execute("DROP TABLE temp.evidence_fts_probe")
    except Exception:
        return False
    return True


def install(schema_editor: Any) -> None:
    """Create the index for this database (a migration's schema editor); nothing where neither applies."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            if not sqlite_has_fts5(cursor):
                return
        statements: tuple[str, ...] = SQLITE
    elif vendor == "postgresql":
        statements = POSTGRESQL
    else:
        return
    for statement in statements:
        schema_editor.execute(statement, params=None)


def remove(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_REMOVE, "postgresql": POSTGRESQL_REMOVE}.get(vendor, ())
    for statement in statements:
        schema_editor.execute(statement, params=None)
