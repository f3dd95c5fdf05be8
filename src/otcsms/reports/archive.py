"""The backup archive's format, and its check before anything is restored. Plain Python (no Django).

A backup is one zip file:

    manifest.json                      format, version, when, instance, audit head, migrations, the
                                       fingerprint of each of the instance's keys, and the SHA-256 and size
                                       of every other member
    db/NNNN-<app>.<model>.jsonl        the rows of one model, one JSON object per line (Django's jsonl form)
    blobs/sha256/ab/cd/<sha256>        the evidence files, named by their content's hash

No key is in the archive (a secret is never stored in clear): the keys travel separately, as the data folder's
key files do, and the target instance must hold the same keys before it restores. The manifest records each
key's ``fingerprint`` (HMAC-SHA256 keyed with the key over a fixed label), which tells whether a key is the
same without revealing it.

``check`` reads the whole archive before anything is written and refuses (ArchiveError) a name that could
leave the target (absolute, ``..``, backslash, drive letter, an unexpected folder), a duplicate name, a member
missing from the manifest or listed but absent, a size or hash that does not match, and a zip bomb (more
bytes than declared, a member compressed more than MAX_RATIO:1, more than MAX_TOTAL bytes in all).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

FORMAT = "otcsms-backup"
VERSION = 2  # 1 held the keys in clear: no longer read
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 2_000_000
MAX_RATIO = 200  # JSON rows compress ~10:1, files less; zeros compress ~1000:1
RATIO_FLOOR = 1024 * 1024  # members below this size may compress as well as they like
MAX_TOTAL = 1024**4  # 1 TiB uncompressed
CHUNK = 1024 * 1024
KEYS = ("secret_key", "audit_key", "audit_signing_key")
REQUIRED_KEYS = ("secret_key", "audit_key")  # an instance may have no signing key yet
FINGERPRINT_LABEL = b"otcsms backup key fingerprint v1"
_NAME = re.compile(
    r"db/\d{4}-[a-z0-9_]+\.[a-z0-9_]+\.jsonl|blobs/sha256/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}"
)
_HEX64 = re.compile(r"[0-9a-f]{64}")


class ArchiveError(ValueError):
    """Not a sound otcsms backup: nothing may be restored from it."""


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Checked:
    manifest: dict[str, Any]
    members: list[Member]  # in manifest order (the rows of a model before those that need them)

    @property
    def tables(self) -> list[str]:
        return [m.name for m in self.members if m.name.startswith("db/")]

    @property
    def blobs(self) -> list[Member]:
        return [m for m in self.members if m.name.startswith("blobs/")]


def fingerprint(key: bytes) -> str:
    """A key's fingerprint: HMAC-SHA256 keyed with the key over a fixed label (hex). Equal keys give equal
    fingerprints; the fingerprint tells nothing of the key (unlike a plain hash, it cannot be tested against
    guesses without the key itself)."""
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def same_fingerprint(key: bytes, recorded: str) -> bool:
    return hmac.compare_digest(fingerprint(key), recorded)


def safe_name(name: str) -> bool:
    """A member name otcsms writes, and nothing that could point elsewhere."""
    return bool(_NAME.fullmatch(name))


class HashingWriter:
    """A binary stream that hashes and counts what passes through it to another stream."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.target.write(data)

    def member(self, name: str) -> Member:
        return Member(name, self.digest.hexdigest(), self.size)


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes in chunks, never more than it declares (zipfile checks the CRC at the end)."""
    remaining = info.file_size
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            remaining -= len(chunk)
            if remaining < 0:
                raise ArchiveError(f"{info.filename} holds more than it declares")
            yield chunk
    if remaining != 0:
        raise ArchiveError(f"{info.filename} holds less than it declares")


def check(path: Path) -> Checked:
    """Everything about the archive at ``path`` that can be known without writing anything."""
    if not zipfile.is_zipfile(path):
        raise ArchiveError(f"{path.name} is not an otcsms backup (not a zip file)")
    try:
        with zipfile.ZipFile(path) as zf:
            return _check(zf)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise ArchiveError(f"{path.name} is damaged: {exc}") from None


def _check(zf: zipfile.ZipFile) -> Checked:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(f"too many members ({len(infos)})")
    seen: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if name in seen:
            raise ArchiveError(f"member {name[:80]!r} appears twice")
        if name != MANIFEST and not safe_name(name):
            raise ArchiveError(f"unexpected member name {name[:80]!r}")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveError(
                f"{name[:80]} expands {info.file_size // max(info.compress_size, 1)}:1: refused"
            )
        total += info.file_size
        seen[name] = info
    if total > MAX_TOTAL:
        raise ArchiveError("the archive expands to more than 1 TiB: refused")
    manifest = _manifest(zf, seen.get(MANIFEST))
    listed = manifest["members"]
    names = [m.name for m in listed]
    if len(set(names)) != len(names):
        raise ArchiveError("the manifest lists a member twice")
    missing = [n for n in names if n not in seen]
    if missing:
        raise ArchiveError(f"member {missing[0]!r} is in the manifest but not in the archive")
    unlisted = [n for n in seen if n != MANIFEST and n not in set(names)]
    if unlisted:
        raise ArchiveError(f"member {unlisted[0][:80]!r} is not in the manifest")
    for member in listed:
        info = seen[member.name]
        if info.file_size != member.size:
            raise ArchiveError(f"{member.name}: size {info.file_size}, the manifest says {member.size}")
        digest = hashlib.sha256()
        for chunk in read_member(zf, info):
            digest.update(chunk)
        if digest.hexdigest() != member.sha256:
            raise ArchiveError(f"{member.name}: SHA-256 does not match the manifest")
        if member.name.startswith("blobs/") and not member.name.endswith(member.sha256):
            raise ArchiveError(f"{member.name}: an evidence file not named by its SHA-256")
    return Checked(manifest, listed)


def _manifest(zf: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> dict[str, Any]:
    if info is None:
        raise ArchiveError("no manifest.json: not an otcsms backup")
    if info.file_size > MAX_MANIFEST_BYTES:
        raise ArchiveError("manifest.json is too large")
    try:
        document = json.loads(b"".join(read_member(zf, info)))
    except (ValueError, UnicodeDecodeError):
        raise ArchiveError("manifest.json is not JSON") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArchiveError("manifest.json is not an otcsms backup manifest")
    if document.get("version") != VERSION:
        raise ArchiveError(
            f"backup format version {document.get('version')!r} is not supported (only {VERSION})"
        )
    raw = document.get("members")
    if not isinstance(raw, list):
        raise ArchiveError("manifest.json lists no members")
    members = []
    for item in raw:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and isinstance(item.get("sha256"), str)
            and re.fullmatch(r"[0-9a-f]{64}", item["sha256"])
            and isinstance(item.get("size"), int)
            and not isinstance(item.get("size"), bool)
            and 0 <= item["size"] <= MAX_TOTAL
        ):
            raise ArchiveError("manifest.json has a malformed member entry")
        if not safe_name(item["name"]):
            raise ArchiveError(f"manifest.json names an unexpected member {item['name'][:80]!r}")
        members.append(Member(item["name"], item["sha256"], item["size"]))
    migrations = document.get("migrations")
    if not isinstance(migrations, list) or not all(
        isinstance(m, list) and len(m) == 2 and all(isinstance(p, str) for p in m) for m in migrations
    ):
        raise ArchiveError("manifest.json has no list of migrations")
    keys = document.get("keys")
    if not (
        isinstance(keys, dict)
        and all(
            name in KEYS and isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str)
            and _HEX64.fullmatch(entry["fingerprint"])
            for name, entry in keys.items()
        )
    ):  # fmt: skip
        raise ArchiveError("manifest.json has no well-formed key fingerprints")
    for name in REQUIRED_KEYS:
        if name not in keys:
            raise ArchiveError(f"manifest.json has no fingerprint of the {name}")
    document["members"] = members
    return document
