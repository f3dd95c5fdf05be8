"""`otcsms backup` and `otcsms restore`: the whole instance in one archive (format: reports/archive.py).

Backup reads everything in one read transaction (PostgreSQL: REPEATABLE READ, READ ONLY; SQLite: one read
transaction, which in WAL mode is a snapshot while writers go on), so the service keeps running and the
archive is one consistent moment: every model's rows streamed as JSON lines (Django's serializer: portable
between SQLite and PostgreSQL), the evidence files the rows name (content-addressed, so never changed once
written), and the manifest last, with a fingerprint of each key. The keys themselves are never in the archive
(no secret in clear): they travel separately, as the data folder's key files.

Restore goes into an empty instance only, which must already hold the source's keys (key files copied into
the new data folder, or the OTCSMS_* variables set). The archive is checked whole first (archive.check), then
the keys against the manifest's fingerprints, before anything is written: a bad archive or a missing or
different key writes nothing. Then the schema is migrated, the files put in the blob store, and every row
loaded in one transaction that also verifies the audit chain: a chain that does not verify rolls it all back
(and the files put are removed).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

import otcsms
from otcsms.core.audit import verify_chain
from otcsms.core.models import AuditEvent, User
from otcsms.evidence import blobstore
from otcsms.evidence.models import DocumentVersion
from otcsms.reports import archive
from otcsms.reports.framework import audit_head_seq, instance_id

# Not program data: logins end with the old instance.
LEFT_OUT = frozenset({"sessions.session"})
ROWS_PER_CHUNK = 2000
Progress = Callable[[str], None]


class RestoreError(ValueError):
    """The backup or restore cannot go on (not an empty instance, a key missing or different, a chain that
    does not verify)."""


def dumped_models() -> list[type[models.Model]]:
    """Every concrete model with a table of its own, in app order (the apps' layer order)."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in LEFT_OUT:
            continue
        found.append(model)
    return found


@contextmanager
def read_snapshot() -> Iterator[None]:
    outer = (
        connection.in_atomic_block
    )  # inside a transaction already (a test's): its snapshot is the one read
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def applied_migrations() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


@dataclass
class BackupSummary:
    rows: int = 0
    tables: int = 0
    files: int = 0
    bytes: int = 0
    audit_seq: int = 0


# Each key: its file in the data folder has its name; this variable can give it instead.
KEY_VARIABLES = {
    "secret_key": "OTCSMS_SECRET_KEY",
    "audit_key": "OTCSMS_AUDIT_KEY",
    "audit_signing_key": "OTCSMS_AUDIT_SIGNING_KEY",
}


def instance_keys() -> dict[str, bytes | None]:
    """The keys this process runs with (None: the instance has none)."""
    return {
        "secret_key": settings.SECRET_KEY.encode("utf-8") if settings.SECRET_KEY_PERSISTENT else None,
        "audit_key": settings.AUDIT_KEY,
        "audit_signing_key": settings.AUDIT_SIGNING_KEY,
    }


def key_fingerprints() -> dict[str, dict[str, str]]:
    """The manifest's ``keys``: a fingerprint of each key the instance holds (never the key)."""
    keys = instance_keys()
    for name in archive.REQUIRED_KEYS:
        if keys[name] is None:
            raise RestoreError(
                f"this instance has no {name} ({settings.DATA_DIR / name} or {KEY_VARIABLES[name]})"
            )
    return {name: {"fingerprint": archive.fingerprint(key)} for name, key in keys.items() if key is not None}


def backup(path: Path, progress: Progress | None = None) -> BackupSummary:
    """Write the archive to ``path`` (through a temporary file beside it, renamed when complete; mode 0600:
    it holds every row, password hashes included, though no key)."""
    summary = BackupSummary()
    fingerprints = key_fingerprints()
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf,
        ):
            members: list[archive.Member] = []
            with read_snapshot():
                summary.audit_seq = audit_head_seq()
                manifest: dict[str, Any] = {
                    "format": archive.FORMAT, "version": archive.VERSION, "otcsms": otcsms.__version__,
                    "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "instance": instance_id(), "audit_seq": summary.audit_seq, "database": connection.vendor,
                    "migrations": applied_migrations(), "keys": fingerprints,
                }  # fmt: skip
                for number, model in enumerate(dumped_models(), start=1):
                    name = f"db/{number:04d}-{model._meta.label_lower}.jsonl"
                    if progress:
                        progress(name)
                    members.append(_write_rows(zf, name, model, summary))
                for sha256 in sorted(set(DocumentVersion.objects.values_list("blob_id", flat=True))):
                    members.append(_write_blob(zf, sha256))
                    summary.files += 1
            manifest["members"] = [{"name": m.name, "sha256": m.sha256, "size": m.size} for m in members]
            zf.writestr(archive.MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    summary.bytes = path.stat().st_size
    return summary


def _write_rows(
    zf: zipfile.ZipFile, name: str, model: type[models.Model], summary: BackupSummary
) -> archive.Member:
    with zf.open(name, "w", force_zip64=True) as raw:
        writer = archive.HashingWriter(raw)
        rows = model._base_manager.order_by("pk").iterator(chunk_size=ROWS_PER_CHUNK)
        chunk: list[models.Model] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == ROWS_PER_CHUNK:
                writer.write(serializers.serialize("jsonl", chunk).encode("utf-8"))
                summary.rows += len(chunk)
                chunk = []
        if chunk:
            writer.write(serializers.serialize("jsonl", chunk).encode("utf-8"))
            summary.rows += len(chunk)
    summary.tables += 1
    return writer.member(name)


def _write_blob(zf: zipfile.ZipFile, sha256: str) -> archive.Member:
    name = "blobs/" + blobstore.blob_name(sha256)
    with (
        blobstore.storage().open(blobstore.blob_name(sha256), "rb") as source,
        zf.open(name, "w", force_zip64=True) as raw,
    ):
        writer = archive.HashingWriter(raw)
        while chunk := source.read(archive.CHUNK):
            writer.write(chunk)
    member = writer.member(name)
    if member.sha256 != sha256:
        raise RestoreError(f"evidence file {sha256} in the blob store does not match its hash")
    return member


# --- restore ----------------------------------------------------------------------------------------------


@dataclass
class RestoreSummary:
    rows: int = 0
    files: int = 0
    events: int = 0
    head_seq: int = 0


class HasManifest(Protocol):
    """What the checks below read: a backup's manifest, or the head of a JSON export (reports.jsonexport)."""

    @property
    def manifest(self) -> dict[str, Any]: ...


def check_target(checked: HasManifest) -> None:
    """RestoreError unless this instance is empty and knows every migration of the archive. Writes nothing."""
    tables = connection.introspection.table_names()
    if AuditEvent._meta.db_table in tables and (AuditEvent.objects.exists() or User.objects.exists()):
        raise RestoreError("this instance is not empty: restore into a new data folder and an empty database")
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [m for m in checked.manifest["migrations"] if tuple(m) not in known]
    if unknown:
        raise RestoreError(
            f"the backup was made by a newer otcsms (migration {'.'.join(unknown[0])} is unknown here)"
        )


def check_keys(checked: HasManifest) -> None:
    """RestoreError unless this instance holds every key the backup's manifest has a fingerprint of, and the
    same key. Reads settings only: writes nothing, opens no database."""
    present = instance_keys()
    for name, entry in checked.manifest["keys"].items():
        todo = (
            f"copy {name} from the source instance's data folder into {settings.DATA_DIR} "
            f"or set {KEY_VARIABLES[name]}"
        )
        key = present[name]
        if key is None:
            raise RestoreError(f"this instance has no {name}, the backup needs the source's: {todo}")
        if not archive.same_fingerprint(key, entry["fingerprint"]):
            raise RestoreError(f"the {name} here is not the source instance's (fingerprints differ): {todo}")


def restore(path: Path, checked: archive.Checked, progress: Progress | None = None) -> RestoreSummary:
    """Restore a checked archive into this (empty) instance; RestoreError leaves the database without rows."""
    summary = RestoreSummary()
    check_keys(checked)
    settings.DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_target(checked)
    with zipfile.ZipFile(path) as zf:
        call_command("migrate", interactive=False, verbosity=0)
        put: list[str] = []
        try:
            for member in checked.blobs:
                put += _put_blob(zf, member)
                summary.files += 1
            with transaction.atomic():
                _clear(dumped_models())
                for name in checked.tables:
                    if progress:
                        progress(name)
                    summary.rows += _load_rows(zf, name)
                _reset_sequences()
                report = verify_chain()
                if not report.ok:
                    raise RestoreError(f"the restored audit chain does not verify: {report.problem}")
                summary.events, summary.head_seq = report.events, report.head_seq
        except BaseException:
            for name in put:
                blobstore.storage().delete(name)
            raise
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return summary


def _put_blob(zf: zipfile.ZipFile, member: archive.Member) -> list[str]:
    name = member.name.removeprefix("blobs/")
    store = blobstore.storage()
    if store.exists(name):
        return []
    with zf.open(member.name) as source:
        from django.core.files import File

        store.save(name, File(source, name=name))
    return [name]


def _clear(dumped: list[type[models.Model]]) -> None:
    """Rows that ``migrate`` wrote (content types, permissions): the archive's replace them."""
    tables = [m._meta.db_table for m in dumped]
    for model in dumped:
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            if through is not None and through._meta.auto_created:
                tables.append(through._meta.db_table)
    with connection.cursor() as cursor:
        for table in reversed(tables):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608 (our table names)


def _load_rows(zf: zipfile.ZipFile, name: str) -> int:
    """Insert the member's rows as they are: a plain bulk insert (no save signals: the rows come with their
    own audit events, which are loaded as rows too), many-to-many rows of auto-created tables after them."""
    count = 0
    with zf.open(name) as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8")
        chunk: list[Any] = []
        try:
            for item in serializers.deserialize("jsonl", stream):
                chunk.append(item)
                if len(chunk) == ROWS_PER_CHUNK:
                    count += _insert(chunk)
                    chunk = []
            count += _insert(chunk)
        except serializers.base.DeserializationError as exc:
            raise RestoreError(f"{name}: {str(exc).splitlines()[0][:200]}") from None
    return count


def _insert(items: list[Any]) -> int:
    if not items:
        return 0
    model = type(items[0].object)
    if any(type(item.object) is not model for item in items):
        raise RestoreError(f"rows of several models in the member of {model._meta.label_lower}")
    with _times_as_stored(model):
        models.QuerySet(model).bulk_create([item.object for item in items], batch_size=500)
    for m2m in model._meta.local_many_to_many:
        through = m2m.remote_field.through
        if through is None or not through._meta.auto_created:
            continue
        source, target = m2m.m2m_column_name(), m2m.m2m_reverse_name()
        links = [
            through(**{source: item.object.pk, target: pk})
            for item in items
            for pk in (item.m2m_data or {}).get(m2m.name, ())
        ]
        models.QuerySet(through).bulk_create(links, batch_size=500)
    return len(items)


@contextmanager
def _times_as_stored(model: type[models.Model]) -> Iterator[None]:
    """A restored row keeps its stored times: ``auto_now``/``auto_now_add`` fields would be set to the time of the
    restore on insert (bulk_create runs each field's pre_save), so they are switched off while its rows go in."""
    fields = [f for f in model._meta.concrete_fields
              if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add)]  # fmt: skip
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for field in fields:
            field.auto_now = field.auto_now_add = False
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), dumped_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
