"""The backup archive is checked whole before a restore writes anything: hostile or damaged archives are
refused with a reason (path traversal names, a zip bomb, a missing member, a hash that does not match)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from otcsms.reports import archive
from otcsms.reports.archive import ArchiveError

ROWS = b'{"model": "tenancy.site", "pk": 1, "fields": {"name": "Mill"}}\n'
BLOB = b"evidence bytes"
BLOB_NAME = "blobs/sha256/{0}/{1}/{2}"


def blob_name(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return BLOB_NAME.format(digest[:2], digest[2:4], digest)


def good_members() -> dict[str, bytes]:
    return {
        "db/0001-tenancy.site.jsonl": ROWS,
        blob_name(BLOB): BLOB,
    }


KEYS = {
    "secret_key": {"fingerprint": archive.fingerprint(b"k" * 50)},
    "audit_key": {"fingerprint": archive.fingerprint(bytes(range(32)))},
}


def write(
    path: Path, content: dict[str, bytes], *, listed: dict[str, bytes] | None = None, **manifest
) -> Path:
    """An archive holding ``content``, its manifest listing ``listed`` (default: the content) and ``manifest``."""
    entries = [
        {"name": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
        for n, d in (listed if listed is not None else content).items()
    ]
    document = {"format": archive.FORMAT, "version": archive.VERSION, "migrations": [["core", "0001_initial"]],
                "keys": KEYS, "members": entries} | manifest  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(document))
        for name, data in content.items():
            zf.writestr(name, data)
    return path


def test_a_sound_archive_passes(tmp_path):
    checked = archive.check(write(tmp_path / "ok.zip", good_members()))
    assert checked.tables == ["db/0001-tenancy.site.jsonl"]
    assert [m.name for m in checked.blobs] == [blob_name(BLOB)]


@pytest.mark.parametrize(
    "name",
    ["../../etc/cron.d/evil", "/etc/passwd", "db/../../x.jsonl", "blobs\\..\\x", "C:/x", "db/0001-a.b.jsonl/../x",
     "keys/other_key", "keys/audit_key", "keys/secret_key", "blobs/sha256/00/00/" + "0" * 63 + "G"],
)  # fmt: skip
def test_names_that_could_leave_the_target_are_refused(tmp_path, name):
    members = good_members() | {name: b"x"}
    with pytest.raises(ArchiveError, match="unexpected member"):
        archive.check(write(tmp_path / "evil.zip", members))


def test_a_zip_bomb_is_refused_before_it_is_expanded(tmp_path):
    members = good_members() | {"db/0002-core.user.jsonl": b"\0" * (40 * 1024 * 1024)}
    path = write(tmp_path / "bomb.zip", members)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(ArchiveError, match="expands"):
        archive.check(path)


def test_a_member_that_lies_about_its_size_is_refused(tmp_path):
    path = write(tmp_path / "ok.zip", good_members())
    raw = bytearray(path.read_bytes())
    # shrink the declared size of the first member in the central directory (and its local header)
    name = b"db/0001-tenancy.site.jsonl"
    for at in [i for i in range(len(raw)) if raw.startswith(name, i)]:
        header = raw.rfind(b"PK", 0, at)
        signature = bytes(raw[header : header + 4])
        offset = 22 if signature == b"PK\x03\x04" else 24
        raw[header + offset : header + offset + 4] = (5).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(ArchiveError):
        archive.check(path)


def test_missing_unlisted_and_mismatching_members_are_refused(tmp_path):
    members = good_members()
    with pytest.raises(ArchiveError, match="in the manifest but not in the archive"):
        archive.check(write(tmp_path / "a.zip", {k: v for k, v in members.items() if not k.startswith("db/")},
                            listed=members))  # fmt: skip
    with pytest.raises(ArchiveError, match="not in the manifest"):
        archive.check(
            write(
                tmp_path / "b.zip", members, listed={k: v for k, v in members.items() if k != blob_name(BLOB)}
            )
        )
    tampered = dict(members)
    tampered["db/0001-tenancy.site.jsonl"] = ROWS.replace(b"Mill", b"Evil")
    with pytest.raises(ArchiveError, match="SHA-256 does not match"):
        archive.check(write(tmp_path / "c.zip", tampered, listed=members))
    wrong_blob = {k: v for k, v in members.items() if not k.startswith("blobs/")} | {
        blob_name(b"other"): BLOB
    }
    with pytest.raises(ArchiveError, match="not named by its SHA-256"):
        archive.check(write(tmp_path / "d.zip", wrong_blob))
    no_key = {k: v for k, v in KEYS.items() if k != "audit_key"}
    with pytest.raises(ArchiveError, match="no fingerprint of the audit_key"):
        archive.check(write(tmp_path / "e.zip", members, keys=no_key))


def test_a_key_fingerprint_is_keyed_and_not_a_plain_hash_of_the_key():
    key = bytes(range(32))
    assert archive.fingerprint(key) == archive.fingerprint(bytes(range(32)))
    assert archive.fingerprint(key) != archive.fingerprint(bytes(range(1, 33)))
    assert archive.fingerprint(key) not in {
        hashlib.sha256(key).hexdigest(),
        hashlib.sha256(key.hex().encode()).hexdigest(),
    }
    assert key.hex() not in archive.fingerprint(key)
    assert archive.same_fingerprint(key, archive.fingerprint(key))
    assert not archive.same_fingerprint(key, "0" * 64)


@pytest.mark.parametrize(
    "manifest,reason",
    [
        ({"format": "something-else"}, "not an otcsms backup manifest"),
        ({"version": 99}, "not supported"),
        ({"members": "all"}, "lists no members"),
        ({"members": [{"name": "db/0001-a.b.jsonl", "sha256": "x", "size": 1}]}, "malformed"),
        ({"members": [{"name": "db/0001-a.b.jsonl", "sha256": "0" * 64, "size": True}]}, "malformed"),
        ({"members": [{"name": "../x", "sha256": "0" * 64, "size": 1}]}, "unexpected member"),
        ({"migrations": "none"}, "no list of migrations"),
        ({"keys": None}, "no well-formed key fingerprints"),
        ({"keys": {"audit_key": "ab" * 32}}, "no well-formed key fingerprints"),
        ({"keys": {"other_key": {"fingerprint": "0" * 64}}}, "no well-formed key fingerprints"),
        ({"keys": {"audit_key": {"fingerprint": "../x"}}}, "no well-formed key fingerprints"),
    ],
)
def test_malformed_manifests_are_refused(tmp_path, manifest, reason):
    with pytest.raises(ArchiveError, match=reason):
        archive.check(write(tmp_path / "m.zip", good_members(), **manifest))


def test_not_a_zip_and_a_truncated_zip_are_refused(tmp_path):
    text = tmp_path / "x.zip"
    text.write_text("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
    with pytest.raises(ArchiveError, match="not a zip"):
        archive.check(text)
    good = write(tmp_path / "ok.zip", good_members())
    cut = tmp_path / "cut.zip"
    data = good.read_bytes()
    cut.write_bytes(data[: len(data) // 2] + data[-22:])
    with pytest.raises(ArchiveError):
        archive.check(cut)


def test_restore_of_a_hostile_archive_exits_2_and_writes_nothing(tmp_path):
    evil = write(tmp_path / "evil.zip", good_members() | {"../../escaped": b"x"})
    target = tmp_path / "target"
    keys = ("DATABASE_URL", "OTCSMS_SECRET_KEY", "OTCSMS_AUDIT_KEY", "OTCSMS_AUDIT_SIGNING_KEY")
    env = {k: v for k, v in os.environ.items() if k not in keys} | {"OTCSMS_DATA_DIR": str(target)}
    proc = subprocess.run([sys.executable, "-m", "otcsms.cli", "restore", str(evil)], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert (
        proc.returncode == 2 and "unexpected member" in proc.stderr and "nothing was restored" in proc.stderr
    )
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not target.exists() and not (tmp_path.parent / "escaped").exists()
