"""Blob rows and the store's files, kept in step under one rule: whoever writes or removes a blob claims its row
first, in a transaction, and holds it until that transaction ends.

- A version is only ever created inside such a claim (``store``): the file is put into the store while the row is
  held, and the version row references the blob by a foreign key the database enforces.
- A blob is only ever removed inside such a claim (``collect``): with the row held, it checks that no version
  references it, deletes the file, then the row.

So a failed upload that cleans up after itself can never delete the file of an identical upload that is
committing at the same moment: the collector waits for the writer's claim, then sees its version. The claim is a
row lock on PostgreSQL (``SELECT ... FOR UPDATE``, or the wait on another transaction's uncommitted insert of the
same key) and the database write lock on SQLite (otcsms opens every SQLite transaction IMMEDIATE).

A process killed between putting a file and committing leaves a file without a row (or a row without a version);
``sweep`` finds both and collects them under the same claim.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from otcsms.evidence import blobstore
from otcsms.evidence.models import Blob, DocumentVersion


def claim(sha256: str, *, size: int = 0, media_type: str = "") -> Blob:
    """The blob's row, created when missing, held until the current transaction ends (call inside one)."""
    if not connection.in_atomic_block:
        raise RuntimeError("a blob is claimed inside a transaction")
    blobstore.blob_name(sha256)  # refuses anything that is not a SHA-256 in hex
    if connection.vendor == "postgresql":
        # One round trip: insert it, or (it is there) take its row lock through the conflict's no-op update
        # (which, like the insert, waits for another transaction inserting the same key to end). On a busy
        # PostgreSQL server every statement costs a wait for the server process: docs/benchmarks.md.
        table = Blob._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (sha256, size, media_type, created_at) VALUES (%s, %s, %s, %s) "  # noqa: S608 - our table name
                f"ON CONFLICT (sha256) DO UPDATE SET sha256 = EXCLUDED.sha256 "
                f"RETURNING sha256, size, media_type, created_at",
                [sha256, size, media_type, timezone.now()],
            )
            row = cursor.fetchone()
        return Blob.from_db(connection.alias, ["sha256", "size", "media_type", "created_at"], row)
    # Insert it unless it is there, then lock it (SQLite: the transaction already holds the write lock): two
    # statements whether the blob is new or known, no savepoint.
    Blob.objects.bulk_create([Blob(sha256=sha256, size=size, media_type=media_type)], ignore_conflicts=True)
    return Blob.objects.select_for_update().get(pk=sha256)


def store(incoming: blobstore.Received, media_type: str) -> Blob:
    """Claim the blob and make sure its file is in the store (moved there from ``incoming`` when missing). Call
    inside the transaction that creates the version: the claim lasts until the version is committed."""
    blob = claim(incoming.sha256, size=incoming.size, media_type=media_type)
    if blob.size != incoming.size or not blob.media_type:  # a row a collector created for a stray file
        blob.size, blob.media_type = incoming.size, media_type
        blob.save(update_fields=["size", "media_type"])
    if not blobstore.exists(incoming.sha256):
        blobstore.put(incoming)
    return blob


def collect(sha256: str) -> bool:
    """Remove the blob (its file and its row) when no version references it; True when it was removed."""
    with transaction.atomic():
        blob = claim(sha256)
        if DocumentVersion.objects.filter(blob_id=sha256).exists():
            return False
        # The file goes while the row is held: a writer claiming it next finds no file and puts its own.
        blobstore.discard(sha256)
        blob.delete()
    return True


def sweep() -> int:
    """Collect every blob no version references: rows without versions, and files without a row (left by a
    process killed mid-upload). Returns how many were removed."""
    orphans = set(Blob.objects.filter(versions__isnull=True).values_list("sha256", flat=True))
    known = set(Blob.objects.values_list("sha256", flat=True))
    orphans |= {sha256 for sha256 in blobstore.stored_hashes() if sha256 not in known}
    return sum(collect(sha256) for sha256 in sorted(orphans))
