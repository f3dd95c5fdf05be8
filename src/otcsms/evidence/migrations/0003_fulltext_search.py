"""The full-text index of documents: SQLite FTS5 with triggers, or PostgreSQL tsvector columns with GIN indexes
(``otcsms.evidence.fulltext``); nothing on a SQLite built without FTS5 (search then matches substrings)."""

from django.db import migrations

from otcsms.evidence import fulltext


def install(apps, schema_editor):
    fulltext.install(schema_editor)


def remove(apps, schema_editor):
    fulltext.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0002_blob")]

    operations = [migrations.RunPython(install, remove)]
