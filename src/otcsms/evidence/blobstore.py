"""The evidence blob store: file contents named by their SHA-256, behind Django's storage API.

``STORAGES["evidence"]`` (settings: a directory under the data directory by default, any backend such as
django-storages' S3 by configuration). A blob's name is derived from its hash alone (``sha256/ab/cd/<hash>``):
the uploader's file name never reaches the store, so it cannot name a path. The same content is stored once.

An upload is first received into a temporary file while it is hashed, measured and refused as soon as it
passes the size limit; only a complete upload within the limit becomes a blob.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage, storages

from otcsms.evidence.sniff import HEAD_BYTES

MAX_TEXT_BYTES = 2 * 1024 * 1024  # text kept for search and diffs, per version


class UploadTooLargeError(ValueError):
    """The upload is over the size limit: nothing was stored (413)."""


@dataclass
class Received:
    path: str  # the file as received: our temporary file, or the one Django spooled the upload into
    sha256: str
    size: int
    head: bytes


def storage() -> Storage:
    return storages["evidence"]


def blob_name(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 in hex")
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class _OnDisk(File[bytes]):
    """A received file the storage may move into place (FileSystemStorage renames a file that says where it
    is on disk instead of copying it; other backends read it)."""

    def __init__(self, path: str, name: str) -> None:
        super().__init__(open(path, "rb"), name=name)  # noqa: SIM115 (closed by put)
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


Source = Iterable[bytes] | File[bytes]


@contextmanager
def received(source: Source, limit: int) -> Iterator[Received]:
    """The upload on disk, hashed and measured; UploadTooLargeError past ``limit`` bytes. An upload Django has
    already spooled to a temporary file is hashed where it is; anything else is received into a temporary file
    of ours, removed when the block ends whatever happens in it."""
    spooled = getattr(source, "temporary_file_path", None)
    if callable(spooled) and isinstance(source, File):
        if (source.size or 0) > limit:
            raise UploadTooLargeError(f"the file is larger than the limit of {limit} bytes")
        path = str(spooled())
        with open(path, "rb") as spooled_file:
            incoming = _hashed(iter(lambda: spooled_file.read(CHUNK), b""), limit, None, path)
        yield incoming
        return
    chunks = source.chunks(CHUNK) if isinstance(source, File) else source
    descriptor, path = tempfile.mkstemp(prefix="otcsms-upload-")
    try:
        with os.fdopen(descriptor, "wb") as out:
            incoming = _hashed(chunks, limit, out, path)
        yield incoming
    finally:
        if os.path.exists(path):  # moved into the store by put(), or not
            os.unlink(path)


CHUNK = 1024 * 1024


def _hashed(chunks: Iterable[bytes], limit: int, out: Any, path: str) -> Received:
    digest = hashlib.sha256()
    size = 0
    head = b""
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise UploadTooLargeError(f"the file is larger than the limit of {limit} bytes")
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        digest.update(chunk)
        if out is not None:
            out.write(chunk)
    return Received(path, digest.hexdigest(), size, head)


def put(incoming: Received) -> bool:
    """Store the received file as its blob; True when this call created it, False when it was there. A file on
    the same filesystem as a local store is moved into place, not copied."""
    name = blob_name(incoming.sha256)
    store = storage()
    if store.exists(name):
        return False
    source = _OnDisk(incoming.path, name)
    try:
        saved = store.save(name, source)
    finally:
        source.close()
    if saved != name:  # another upload of the same content won the race: keep one copy
        store.delete(saved)
        return False
    return True


def stored_hashes() -> Iterator[str]:
    """The hash of every blob file in the store (names that are not a hash are not ours: left alone)."""
    store = storage()
    if not store.exists("sha256"):
        return
    for first in store.listdir("sha256")[0]:
        for second in store.listdir(f"sha256/{first}")[0]:
            for name in store.listdir(f"sha256/{first}/{second}")[1]:
                if (
                    len(name) == 64
                    and name.startswith(first + second)
                    and all(c in "0123456789abcdef" for c in name)
                ):
                    yield name


def discard(sha256: str) -> None:
    storage().delete(blob_name(sha256))


def exists(sha256: str) -> bool:
    return storage().exists(blob_name(sha256))


def open_blob(sha256: str) -> File[bytes]:
    return storage().open(blob_name(sha256), "rb")


def read_text(path: str) -> str:
    """The text of a received text-like file (its first MAX_TEXT_BYTES), for search and diffs."""
    with open(path, "rb") as source:
        raw = source.read(MAX_TEXT_BYTES)
    text = raw.decode("utf-8-sig", errors="replace")
    return text.replace("\x00", "")
