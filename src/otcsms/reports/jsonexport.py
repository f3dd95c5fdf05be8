"""`otcsms export-json FILE` and `otcsms import-json FILE`: all program data of the instance as one JSON
document, for moving an instance between SQLite and PostgreSQL (or reading it with any JSON tool).

The backup (``reports.backup``) solves the same problem as a zip; this is its JSON twin and shares its parts: the
same models (every concrete model but sessions), read in one read snapshot while the service runs; the same key
fingerprints and the same checks before anything is written (the target empty, its keys the source's, no
migration unknown here); the same loading (rows inserted as they are, times as stored, many-to-many rows,
sequences reset) in one transaction that verifies the audit chain before it commits.

The document::

    {"format": "otcsms-json", "version": 1, "otcsms": "...", "created_at": "...Z", "instance": "...",
     "audit_seq": N, "database": "sqlite", "migrations": [[app, name], ...],
     "keys": {"secret_key": {"fingerprint": "..."}, ...},
     "models": [{"model": "app.model", "rows": [{"model": ..., "pk": ..., "fields": {...}}, ...]}, ...],
     "files": [{"sha256": "...", "size": N, "base64": "..."}, ...]}

Rows are Django's "python" serialisation with date-times in full ISO 8601 (microseconds kept), decimals as
strings, binary fields in base64. Files are the evidence files the document versions name.

**The audit chain** travels as rows (``core.auditevent`` and the chain head), byte for byte: nothing is re-hashed,
so the events keep their seq, times, actors and hashes, and the import verifies the whole chain with this
instance's audit key, which must therefore be the source's (as for a restore: copy the key files or set the
OTCSMS_* variables). A chain that does not verify rolls the whole import back. The import itself writes no
audit event (it would be the first event of a chain the source did not sign); the next write continues the
chain from the source's head.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core import serializers
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, models, transaction

import otcsms
from otcsms.core.audit import verify_chain
from otcsms.evidence import blobstore
from otcsms.evidence.models import DocumentVersion
from otcsms.reports import backup
from otcsms.reports.framework import audit_head_seq, instance_id

FORMAT = "otcsms-json"
VERSION = 1
MAX_BYTES = 8 * 1024**3  # a document is read whole: larger instances move with `otcsms backup` / `restore`
_HEX64 = re.compile(r"[0-9a-f]{64}")
Progress = Callable[[str], None]


class JsonImportError(backup.RestoreError):
    """The document cannot be imported (malformed, not otcsms's, a target not empty, keys not the source's)."""


def _plain(value: Any) -> Any:
    """What json cannot write by itself, without loss: date-times with their microseconds."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False, separators=(",", ":"))


class ExportSummary:
    def __init__(self) -> None:
        self.rows = 0
        self.tables = 0
        self.files = 0
        self.bytes = 0
        self.audit_seq = 0


def export_json(path: Path, progress: Progress | None = None) -> ExportSummary:
    """Write the document to ``path`` (through ``path.partial``, renamed when complete; mode 0600: it holds every
    row, password hashes included, though no key)."""
    summary = ExportSummary()
    fingerprints = backup.key_fingerprints()
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out, backup.read_snapshot():
            summary.audit_seq = audit_head_seq()
            head = {
                "format": FORMAT, "version": VERSION, "otcsms": otcsms.__version__,
                "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "instance": instance_id(),
                "audit_seq": summary.audit_seq, "database": connection.vendor,
                "migrations": backup.applied_migrations(), "keys": fingerprints,
            }  # fmt: skip
            out.write(_dumps(head)[:-1] + ',\n"models":[\n')
            for number, model in enumerate(backup.dumped_models()):
                if progress:
                    progress(model._meta.label_lower)
                out.write(
                    ("," if number else "") + _dumps({"model": model._meta.label_lower})[:-1] + ',"rows":['
                )
                _write_rows(out, model, summary)
                out.write("]}\n")
            out.write('],\n"files":[\n')
            for number, sha256 in enumerate(
                sorted(set(DocumentVersion.objects.values_list("blob_id", flat=True)))
            ):
                out.write(("," if number else "") + _dumps(_file(sha256)) + "\n")
                summary.files += 1
            out.write("]}\n")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    summary.bytes = path.stat().st_size
    return summary


def _write_rows(out: IO[str], model: type[models.Model], summary: ExportSummary) -> None:
    first = True
    chunk: list[models.Model] = []

    def flush() -> None:
        nonlocal first
        for row in serializers.serialize("python", chunk):
            out.write(("" if first else ",\n") + _dumps(row))
            first = False
        summary.rows += len(chunk)
        chunk.clear()

    for row in model._base_manager.order_by("pk").iterator(chunk_size=backup.ROWS_PER_CHUNK):
        chunk.append(row)
        if len(chunk) == backup.ROWS_PER_CHUNK:
            flush()
    flush()
    summary.tables += 1


def _file(sha256: str) -> dict[str, Any]:
    with blobstore.storage().open(blobstore.blob_name(sha256), "rb") as source:
        data = source.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise backup.RestoreError(f"evidence file {sha256} in the blob store does not match its hash")
    return {"sha256": sha256, "size": len(data), "base64": base64.b64encode(data).decode("ascii")}


# --- import ---------------------------------------------------------------------------------------------------
class ImportSummary:
    def __init__(self) -> None:
        self.rows = 0
        self.files = 0
        self.events = 0
        self.head_seq = 0


class _Manifest:
    """What backup's checks read (``.manifest``): the document's head."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        self.manifest = manifest


def read_document(path: Path) -> dict[str, Any]:
    """The document, checked for shape (JsonImportError naming the first problem); nothing is written."""
    if path.stat().st_size > MAX_BYTES:
        raise JsonImportError(
            f"larger than {MAX_BYTES // 1024**3} GiB: move the instance with backup and restore"
        )
    try:
        with path.open("rb") as raw:
            document = json.load(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JsonImportError(f"not a JSON document: {str(exc)[:120]}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise JsonImportError(f"not an otcsms JSON export (format is not {FORMAT!r})")
    if document.get("version") != VERSION:
        raise JsonImportError(f"export version {str(document.get('version'))[:20]!r} is not {VERSION}")
    keys, migrations = document.get("keys"), document.get("migrations")
    if not isinstance(keys, dict) or not all(
        name in backup.KEY_VARIABLES and isinstance(v, dict) and isinstance(v.get("fingerprint"), str)
        for name, v in keys.items()
    ):
        raise JsonImportError("keys: an object {key name: {fingerprint}}")
    if not isinstance(migrations, list) or not all(
        isinstance(m, list) and len(m) == 2 and all(isinstance(p, str) for p in m) for m in migrations
    ):
        raise JsonImportError("migrations: a list of [app, name]")
    known = {m._meta.label_lower for m in backup.dumped_models()}
    tables = document.get("models")
    if not isinstance(tables, list):
        raise JsonImportError("models: a list of {model, rows}")
    seen: set[str] = set()
    for number, table in enumerate(tables, start=1):
        if (
            not isinstance(table, dict)
            or set(table) != {"model", "rows"}
            or not isinstance(table["rows"], list)
        ):
            raise JsonImportError(f"models entry {number}: an object {{model, rows}}")
        label = table["model"]
        if label not in known or label in seen:
            raise JsonImportError(
                f"models entry {number}: {str(label)[:80]!r} is not a model of this otcsms, or twice"
            )
        seen.add(label)
    files = document.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and set(f) == {"sha256", "size", "base64"} and isinstance(f["sha256"], str)
        and _HEX64.fullmatch(f["sha256"]) and isinstance(f["base64"], str)
        for f in files
    ):  # fmt: skip
        raise JsonImportError("files: a list of {sha256 (64 hex digits), size, base64}")
    return document


def _decoded(entry: dict[str, Any]) -> bytes:
    try:
        data = base64.b64decode(entry["base64"], validate=True)
    except (binascii.Error, ValueError):
        raise JsonImportError(f"file {entry['sha256']}: not base64") from None
    if len(data) != entry["size"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise JsonImportError(f"file {entry['sha256']}: its bytes do not match its size and SHA-256")
    return data


def import_json(path: Path, progress: Progress | None = None) -> ImportSummary:
    """Import a document into this (empty) instance; JsonImportError / RestoreError leave no row and no file."""
    document = read_document(path)
    head = _Manifest(document)
    backup.check_keys(head)
    files = [(entry["sha256"], _decoded(entry)) for entry in document["files"]]
    from django.conf import settings

    settings.DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    backup.check_target(head)
    call_command("migrate", interactive=False, verbosity=0)
    summary = ImportSummary()
    put: list[str] = []
    store = blobstore.storage()
    try:
        for sha256, data in files:
            name = blobstore.blob_name(sha256)
            if not store.exists(name):
                store.save(name, ContentFile(data, name=name))
                put.append(name)
            summary.files += 1
        with transaction.atomic():
            backup._clear(backup.dumped_models())
            for table in document["models"]:
                if progress:
                    progress(table["model"])
                summary.rows += _load(table["model"], table["rows"])
            backup._reset_sequences()
            report = verify_chain()
            if not report.ok:
                raise JsonImportError(f"the imported audit chain does not verify: {report.problem}")
            summary.events, summary.head_seq = report.events, report.head_seq
    except BaseException:
        for name in put:
            store.delete(name)
        raise
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return summary


def _load(label: str, rows: list[Any]) -> int:
    count = 0
    for start in range(0, len(rows), backup.ROWS_PER_CHUNK):
        chunk = rows[start : start + backup.ROWS_PER_CHUNK]
        if not all(isinstance(r, dict) and r.get("model") == label for r in chunk):
            raise JsonImportError(f"{label}: every row is an object of model {label}")
        try:
            items = list(serializers.deserialize("python", chunk))
        except serializers.base.DeserializationError as exc:
            raise JsonImportError(f"{label}: {str(exc).splitlines()[0][:200]}") from None
        count += backup._insert(items)
    return count


def iter_rows(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(model, row) of every row of a document: what a comparison of two exports reads."""
    for table in document["models"]:
        for row in table["rows"]:
            yield table["model"], row
