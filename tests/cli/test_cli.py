"""The `otcsms` command as a real process, on a real instance (SQLite file or a scratch PostgreSQL database)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.cli import instances
from tests.cli.instances import OTCSMS

# Older imports of these from this module keep working; the fixtures are registered in tests/conftest.py.
Instance, instance = instances.Instance, instances.instance


def test_init_users_tokens_and_audit_verify(instance):
    first = instance.run("init", "--admin-username", "root-admin")
    lines = first.stdout.splitlines()
    assert "username: root-admin" in lines
    password = next(line.split(": ", 1)[1] for line in lines if line.startswith("password: "))
    assert len(password) >= 12
    for name in ("secret_key", "audit_key", "audit_signing_key"):
        assert (instance.data_dir / name).stat().st_mode & 0o777 == 0o600, name
    events = instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0]

    again = instance.run("init")
    assert "password:" not in again.stdout
    assert instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0] == events

    instance.run("demo", "--no-serve")
    instance.run("user", "add", "eve", "--password", "a-long-enough-password", "--role", "viewer",
                 "--site", "harbor-pkg")  # fmt: skip
    refused = instance.run("token", "create", "eve", "--name", "bad\u202ename", check=2)
    assert "bidirectional" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    token = json.loads(instance.run("token", "create", "eve", "--json").stdout)["token"]
    assert token.startswith("otc_")
    stored = instance.sql("SELECT digest FROM core_apitoken")
    assert stored and all(token not in row[0] for row in stored)

    report = json.loads(instance.run("audit", "verify", "--json").stdout)
    assert report["ok"] and report["events"] > events
    actors = {row[0] for row in instance.sql("SELECT DISTINCT actor_kind FROM core_auditevent")}
    assert actors == {"cli", "system"}
    # the shipped library is the system's housekeeping, set going by `otcsms init` (its label says by whom)
    system = instance.sql(
        "SELECT DISTINCT actor_label, object_type FROM core_auditevent WHERE actor_kind = 'system'"
    )
    assert system and all(
        label.startswith("system:shipped library (cli:") and kind.startswith("catalogs.")
        for label, kind in system
    ), system

    target = report["head_seq"] // 2
    instance.sql("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ("edited by hand", target))
    broken = instance.run("audit", "verify", check=1)
    assert f"#{target}" in broken.stdout
    assert json.loads(instance.run("audit", "verify", "--json", check=1).stdout)["first_bad_seq"] == target


@pytest.mark.parametrize(
    "args,reason",
    [
        (("user", "add", "x", "--password", "long-enough-pass"), "otcsms init"),
        (("audit", "verify"), "otcsms init"),
        (("audit", "checkpoint"), "otcsms init"),
        (("token", "create", "nobody"), "otcsms init"),
    ],
)
def test_commands_before_init_exit_2_with_one_line(instance, args, reason):
    proc = instance.run(*args, check=2)
    assert reason in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_bad_input_exits_2_and_writes_nothing(initialised_instance):
    instance = initialised_instance  # `otcsms init --admin-password an-admin-password` has run
    events = instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0]
    cases = [
        ("user", "add", "weak", "--password", "123"),
        ("user", "add", "x", "--password", "long-enough-pass", "--role", "emperor", "--site", "a"),
        (
            "user",
            "add",
            "x",
            "--password",
            "long-enough-pass",
            "--role",
            "viewer",
            "--site",
            "../../etc/passwd",
        ),
        ("user", "add", "x", "--password", "long-enough-pass", "--role", "viewer"),
        ("token", "create", "ghost"),
        ("serve", "--port", "99999"),
    ]
    for args in cases:
        proc = instance.run(*args, check=2)
        assert proc.stderr.strip(), args
    assert instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0] == events


def test_malformed_environment_is_refused(instance):
    instance.env["OTCSMS_DEBUG"] = "maybe"
    proc = instance.run("init", check=2)
    assert "OTCSMS_DEBUG" in proc.stderr


def test_malformed_audit_key_is_refused_without_echoing_it(instance):
    instance.env["OTCSMS_AUDIT_KEY"] = "short-secret"
    proc = instance.run("init", check=2)
    assert "OTCSMS_AUDIT_KEY" in proc.stderr and "short-secret" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# --- audit checkpoints and a database writer without the key -----------------------------------------


def head_row(instance) -> tuple:
    return instance.sql("SELECT seq, hash, seal FROM core_auditchainhead WHERE id = 1")[0]


def test_checkpoint_catches_a_cut_and_rewound_chain(initialised_instance, tmp_path):
    instance = initialised_instance  # `otcsms init --admin-password an-admin-password` has run
    old_seq, old_hash, old_seal = head_row(instance)
    instance.run("user", "add", "eve", "--password", "a-long-enough-password")
    instance.run("user", "add", "mallory", "--password", "a-long-enough-password")

    saved = tmp_path / "checkpoint.json"
    written = instance.run("audit", "checkpoint", "-o", str(saved)).stdout
    checkpoint = json.loads(saved.read_text())
    assert f"event #{checkpoint['seq']}" in written and checkpoint["public_key"] in written
    assert checkpoint["seq"] == head_row(instance)[0] > old_seq
    printed = json.loads(instance.run("audit", "checkpoint").stdout)
    assert printed["seq"] == checkpoint["seq"] and printed["head_hash"] == checkpoint["head_hash"]
    held = instance.run("audit", "verify", "--checkpoint", str(saved))
    assert "held" in held.stdout

    # Cut the last events and put back the head row as it was before them (a backup has it).
    instance.sql("DELETE FROM core_auditevent WHERE seq > %s", (old_seq,))
    instance.sql(
        "UPDATE core_auditchainhead SET seq = %s, hash = %s, seal = %s WHERE id = 1",
        (old_seq, old_hash, old_seal),
    )
    instance.run("audit", "verify")  # undetectable without a checkpoint: docs/audit-trail.md says so
    cut = instance.run("audit", "verify", "--checkpoint", str(saved), check=1)
    assert f"event #{checkpoint['seq']}" in cut.stdout and "no longer in the chain" in cut.stdout
    report = json.loads(instance.run("audit", "verify", "--checkpoint", str(saved), "--json", check=1).stdout)
    assert report["ok"] is False and report["first_bad_seq"] == checkpoint["seq"]
    assert report["checkpoints"][0]["ok"] is False


def test_edit_rehashed_without_the_key_is_found(initialised_instance):
    import hashlib

    from otcsms.core.audit import event_header

    instance = initialised_instance  # `otcsms init --admin-password an-admin-password` has run
    target = head_row(instance)[0] // 2
    instance.sql("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ("edited by hand", target))
    rows = instance.sql(
        "SELECT seq, occurred_us, actor_kind, actor_user_id, actor_token_id, actor_label, request_id, "
        "object_type, object_id, object_repr, site_id, action, data, prev_hash FROM core_auditevent "
        "WHERE seq >= %s ORDER BY seq",
        (target,),
    )
    prev, rehashed = rows[0][13], []
    for row in rows:  # re-hash the rest of the chain with plain SHA-256, as the chain used to be hashed
        digest = hashlib.sha256(f"{prev}\n{event_header(*row[:12])}\n{row[12]}".encode()).hexdigest()
        rehashed.append((prev, digest, row[0]))
        prev = digest
    instance.sql_many("UPDATE core_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s", rehashed)
    instance.sql("UPDATE core_auditchainhead SET hash = %s WHERE id = 1", (prev,))
    broken = instance.run("audit", "verify", check=1)
    assert f"BROKEN at event #{target}" in broken.stdout
    refused = instance.run("audit", "checkpoint", check=1)
    assert not refused.stdout and f"#{target}" in refused.stderr


def test_invalid_checkpoint_files_exit_2_with_one_line(initialised_instance, tmp_path):
    instance = initialised_instance  # `otcsms init --admin-password an-admin-password` has run
    good = json.loads(instance.run("audit", "checkpoint").stdout)
    from otcsms.core.checkpoints import sign

    foreign = sign(bytes(range(64, 96)), good["seq"], good["head_hash"], created_at=good["created_at"])
    flipped = good["signature"][:-1] + ("0" if good["signature"][-1] != "0" else "1")
    cases = {
        "tampered-seq.json": json.dumps({**good, "seq": good["seq"] - 1}),
        "tampered-signature.json": json.dumps({**good, "signature": flipped}),
        "foreign-key.json": json.dumps(foreign.as_dict()),
        "bad.json": "{not json",
        "fields.json": json.dumps({"seq": good["seq"], "head_hash": good["head_hash"]}),
        "huge.json": " " * (1024 * 1024 + 1),
    }
    paths = []
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        paths.append(tmp_path / name)
    (tmp_path / "a-directory").mkdir()
    paths += [tmp_path / "a-directory", tmp_path / "absent.json"]
    for path in paths:
        proc = instance.run("audit", "verify", "--checkpoint", str(path), check=2)
        assert len(proc.stderr.strip().splitlines()) == 1 and str(path) in proc.stderr, proc.stderr
        assert not proc.stdout
    proc = instance.run("audit", "checkpoint", "-o", str(tmp_path / "a-directory"), check=2)
    assert len(proc.stderr.strip().splitlines()) == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_loopback_and_stops_on_sigterm(initialised_instance):
    instance = initialised_instance  # `otcsms init --admin-password an-admin-password` has run
    port = free_port()
    proc = subprocess.Popen([*OTCSMS, "serve", "--port", str(port), "--workers", "1"], env=instance.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert body == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as r:  # noqa: S310
            assert "Content-Security-Policy" in r.headers
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/otcsms/otcsms.css", timeout=5) as r:  # noqa: S310
            assert r.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0
