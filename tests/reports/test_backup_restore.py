"""`otcsms backup` of a running instance and `otcsms restore` into an empty one, as real processes: every row
and every evidence byte come back, the audit chain verifies; SQLite -> PostgreSQL on a real server. The archive
holds no key: the target must hold the source's keys already, or the restore writes nothing."""

from __future__ import annotations

import base64
import json
import shutil
import zipfile
from pathlib import Path

from tests.cli.instances import Instance

EVIDENCE = bytes(range(256)) * 41 + b"firewall policy v1"
SEED = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otcsms.settings")
django.setup()
from django.core.files.base import ContentFile
from otcsms.core.actor import acting_as, cli_actor
from otcsms.evidence import services
from otcsms.tenancy.models import Site
with acting_as(cli_actor()):
    site = Site.objects.get(code="mill-one")
    doc = services.create_document(site_id=site.pk, title="Firewall policy", kind="policy")
    services.upload_version(doc, ContentFile(bytes(range(256)) * 41 + b"firewall policy v1"), file_name="fw.bin")
"""


def seeded(instance: Instance, tmp_path: Path) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text("name\nMill One\nMill Two\n", encoding="utf-8")
    instance.run("import", "sites", str(sites))
    zones = tmp_path / "zones.csv"
    zones.write_text("name,sl_t\nControl,2\nDMZ,1\n", encoding="utf-8")
    instance.run("import", "zones", str(zones), "--site", "mill-one", check=None)
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", SEED], env=instance.env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def rows_of(archive_path: Path) -> dict[str, list[dict]]:
    """Every row of an archive by model, as parsed JSON (key order of JSON columns aside)."""
    found = {}
    with zipfile.ZipFile(archive_path) as zf:
        for name in zf.namelist():
            if name.startswith("db/"):
                model = name.split("-", 1)[1].removesuffix(".jsonl")
                found[model] = [json.loads(line) for line in zf.read(name).decode().splitlines() if line]
    return found


def empty_instance(tmp_path: Path, name: str, database_url: str | None) -> Instance:
    return Instance(tmp_path / name, database_url)


KEY_FILES = ("secret_key", "audit_key", "audit_signing_key")


def copy_keys(source: Instance, target: Instance, names: tuple[str, ...] = KEY_FILES) -> None:
    """What the admin does before a restore: the source's key files into the new data folder."""
    target.data_dir.mkdir(mode=0o700, exist_ok=True)
    for name in names:
        shutil.copy2(source.data_dir / name, target.data_dir / name)


def key_forms(text: str) -> set[bytes]:
    """Every form a key could take in an archive: its text, its bytes, their hex and base64."""
    forms = {text.encode("ascii")}
    if all(c in "0123456789abcdefABCDEF" for c in text):
        raw = bytes.fromhex(text)
        forms |= {raw, raw.hex().encode(), raw.hex().upper().encode(), base64.b64encode(raw),
                  base64.urlsafe_b64encode(raw).rstrip(b"=")}  # fmt: skip
    return forms


def test_backup_and_restore_sqlite_to_postgresql(initialised_instance, tmp_path, scratch_postgres):
    source = initialised_instance
    seeded(source, tmp_path)
    backup = tmp_path / "instance.zip"
    done = source.run("backup", str(backup))
    assert "backup written to" in done.stdout
    assert "the keys are not in the archive" in done.stdout
    assert oct(backup.stat().st_mode & 0o777) == "0o600"  # every row, password hashes included
    with zipfile.ZipFile(backup) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist())
    assert {m["name"] for m in manifest["members"]} | {"manifest.json"} == names
    assert any(n.startswith("blobs/sha256/") for n in names)
    assert not any(n.startswith("keys/") for n in names)
    assert set(manifest["keys"]) == set(KEY_FILES)
    assert manifest["audit_seq"] == source.sql("SELECT seq FROM core_auditchainhead WHERE id = 1")[0][0]

    target = empty_instance(tmp_path, "restored", scratch_postgres)  # no `otcsms init`
    copy_keys(source, target)
    restored = target.run("restore", str(backup))
    assert "audit chain verified" in restored.stdout
    verify = target.run("audit", "verify")
    assert verify.returncode == 0

    again = tmp_path / "again.zip"
    target.run("backup", str(again))
    before, after = rows_of(backup), rows_of(again)
    assert before.keys() == after.keys()
    for model in before:
        assert after[model] == before[model], model
    assert sum(len(r) for r in before.values()) > 1000  # the framework library, users, sites, the trail
    blob = next((target.data_dir / "evidence").rglob("*"), None)
    stored = [p for p in (target.data_dir / "evidence").rglob("*") if p.is_file()]
    assert blob is not None and [p.read_bytes() for p in stored] == [EVIDENCE]
    # the restored instance works on: a new write continues the chain under the restored key
    sites = tmp_path / "more.csv"
    sites.write_text("name\nMill Three\n", encoding="utf-8")
    target.run("import", "sites", str(sites))
    target.run("audit", "verify")
    # and a report names the same instance id as the source
    out = tmp_path / "cov.html"
    target.run("report", "coverage", "--site", "mill-one", "-o", str(out))
    first = source.sql("SELECT hash FROM core_auditevent WHERE seq = 1")[0][0]
    assert first[:16] in out.read_text(encoding="utf-8")


def test_the_archive_holds_no_key_in_any_member(initialised_instance, tmp_path):
    source = initialised_instance
    backup = tmp_path / "instance.zip"
    source.run("backup", str(backup))
    forms = {
        name: key_forms((source.data_dir / name).read_text(encoding="ascii").strip()) for name in KEY_FILES
    }
    assert all(len(f) >= 1 for f in forms.values())
    with zipfile.ZipFile(backup) as zf:
        members = zf.namelist()
        assert len(members) > 50  # the manifest, every table, and no key member
        for member in members:
            data = zf.read(member)
            for name, variants in forms.items():
                assert not any(v in data for v in variants), f"{name} in {member}"


def restore_refused(target: Instance, backup: Path) -> str:
    """Restore into ``target``, which must refuse with exit 2 and one line; returns that line."""
    proc = target.run("restore", str(backup), check=2)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "nothing was restored" in lines[0], proc.stderr
    return lines[0]


def test_restore_without_the_keys_exits_2_naming_the_key_and_writes_nothing(initialised_instance, tmp_path):
    source = initialised_instance
    backup = tmp_path / "instance.zip"
    source.run("backup", str(backup))
    bare = Instance(tmp_path / "bare", None)
    reason = restore_refused(bare, backup)
    assert "no secret_key" in reason and "OTCSMS_SECRET_KEY" in reason
    assert not bare.data_dir.exists()
    # the admin copied two of the three files: the third is named, with what to do
    partial = Instance(tmp_path / "partial", None)
    copy_keys(source, partial, ("secret_key", "audit_signing_key"))
    reason = restore_refused(partial, backup)
    assert "no audit_key" in reason
    assert "copy audit_key from the source instance's data folder" in reason and "OTCSMS_AUDIT_KEY" in reason
    assert sorted(p.name for p in partial.data_dir.iterdir()) == ["audit_signing_key", "secret_key"]


def test_restore_with_another_audit_key_exits_2_and_writes_nothing(initialised_instance, tmp_path):
    source = initialised_instance
    backup = tmp_path / "instance.zip"
    source.run("backup", str(backup))
    target = Instance(tmp_path / "other", None)
    copy_keys(source, target)
    (target.data_dir / "audit_key").write_text("cd" * 32, encoding="ascii")
    reason = restore_refused(target, backup)
    assert "audit_key here is not the source instance's" in reason and "OTCSMS_AUDIT_KEY" in reason
    assert sorted(p.name for p in target.data_dir.iterdir()) == sorted(KEY_FILES)
    # the same through the environment: the variable wins over the (right) file, and is refused
    copy_keys(source, target)
    target.env["OTCSMS_AUDIT_KEY"] = "ef" * 32
    reason = restore_refused(target, backup)
    assert "audit_key here is not the source instance's" in reason
    assert sorted(p.name for p in target.data_dir.iterdir()) == sorted(KEY_FILES)


def test_restore_refuses_a_non_empty_instance_and_writes_nothing(initialised_instance, tmp_path):
    source = initialised_instance
    backup = tmp_path / "instance.zip"
    source.run("backup", str(backup))
    proc = source.run("restore", str(backup), check=2)
    assert "not empty" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert source.run("backup", str(backup), check=2).stderr.strip().endswith("give a new file name")


WRITER = """
import os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otcsms.settings")
django.setup()
from pathlib import Path
from django.db import transaction
from otcsms.core.actor import acting_as, cli_actor
from otcsms.org.models import Person
from otcsms.tenancy.models import Site
stop, started = Path(sys.argv[1]), Path(sys.argv[2])
site = Site.objects.get(code="mill-one")
n = 0
with acting_as(cli_actor()):
    while not stop.exists() and n < 100000:
        with transaction.atomic():
            Person.objects.create(organisation=site.organisation, site=site, name=f"Writer {n}")
        n += 1
        if n == 5:
            started.write_text("yes")
print(n)
"""


def test_a_backup_taken_while_writes_go_on_is_one_consistent_moment(initialised_instance, tmp_path):
    import subprocess
    import sys
    import time

    source = initialised_instance
    sites = tmp_path / "sites.csv"
    sites.write_text("name\nMill One\n", encoding="utf-8")
    source.run("import", "sites", str(sites))
    stop, started = tmp_path / "stop", tmp_path / "started"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(stop), str(started)], env=source.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        for _ in range(600):
            if started.exists() or writer.poll() is not None:
                break
            time.sleep(0.1)
        assert started.exists(), writer.stderr.read() if writer.poll() is not None else "writer did not start"
        backup = tmp_path / "live.zip"
        source.run("backup", str(backup))
    finally:
        stop.write_text("stop")
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    with zipfile.ZipFile(backup) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    rows = rows_of(backup)
    events = rows["core.auditevent"]
    heads = rows["core.auditchainhead"]
    # the head, the events and the people written are all of the same moment
    assert heads[0]["fields"]["seq"] == manifest["audit_seq"] == max(e["pk"] for e in events)
    assert len(events) == manifest["audit_seq"]
    written = [p for p in rows["org.person"] if p["fields"]["name"].startswith("Writer ")]
    person_events = [e for e in events if e["fields"]["object_type"] == "org.person"]
    assert len(written) == len(person_events) >= 5
    # and it restores with the chain verified, the keys given by the environment this time
    target = Instance(tmp_path / "restored", None)
    for name in KEY_FILES:
        target.env["OTCSMS_" + name.upper()] = (source.data_dir / name).read_text(encoding="ascii").strip()
    assert "audit chain verified" in target.run("restore", str(backup)).stdout
