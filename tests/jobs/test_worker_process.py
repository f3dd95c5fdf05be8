"""`otcsms worker` as real processes on a real instance (SQLite file, or a scratch PostgreSQL database)."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Callable

import pytest

from tests.cli.test_cli import OTCSMS, Instance

# interval schedules run at once; prune waits for 03:30, collect-configs for a quarter past the hour
DUE_AFTER_INIT = ("audit-checkpoint", "run-checks")


class Worker:
    """A running `otcsms worker`, its output collected line by line as it comes."""

    def __init__(self, instance: Instance, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*OTCSMS, "worker", *args], env={**instance.env, **(env or {})}, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        for stream, lines in ((self.proc.stdout, self.stdout), (self.proc.stderr, self.stderr)):
            threading.Thread(target=self._collect, args=(stream, lines), daemon=True).start()

    @staticmethod
    def _collect(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))

    def wait(self, timeout: float = 120) -> int:
        code = self.proc.wait(timeout=timeout)
        time.sleep(0.1)  # let the reader threads take the last lines
        return code

    def said(self, text: str) -> bool:
        return any(text in line for line in self.stdout + self.stderr)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def hold_write_lock(instance: Instance):
    """Hold what a claim needs, so that both workers read the slot and then queue up behind us: the schedule
    rows (PostgreSQL) or the database's write lock (SQLite). Returns (release, both_waiting)."""
    if instance.database_url:
        import psycopg

        conn = psycopg.connect(instance.database_url)
        conn.execute("SELECT id FROM jobs_schedule FOR UPDATE")

        def both_waiting() -> bool:
            with psycopg.connect(instance.database_url, autocommit=True) as probe:
                row = probe.execute(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                ).fetchone()
            return row[0] >= 2

        return conn.rollback, both_waiting
    conn = sqlite3.connect(instance.data_dir / "otcsms.sqlite3", isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    # SQLite does not show who waits for its lock (a waiting connection retries a non-blocking lock in its busy
    # handler). Each worker has logged that it is about to claim; give them time to reach the lock. Too short a
    # moment is not harmless: a worker still on its way when the lock is released reads the schedule after the
    # other's commit, finds nothing due and never races, and the test's "did not race" check fails (it did once
    # with 0.5 s at load 10 on 2 cores). 3 s is many times the few milliseconds between the log line and the lock.
    asked: list[float] = []

    def a_moment_later() -> bool:
        asked.append(time.monotonic())
        return asked[-1] - asked[0] > 3.0

    return (lambda: conn.execute("ROLLBACK")), a_moment_later


def test_two_workers_racing_enqueue_each_slot_once_and_the_checkpoint_verifies(instance):
    instance.run("init", "--admin-password", "an-admin-password")
    debug = {"OTCSMS_LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1"}
    release, both_waiting = hold_write_lock(instance)
    try:
        workers = [Worker(instance, "--once", env=debug) for _ in range(2)]
        wait_for(lambda: all(w.said("claiming audit-checkpoint") for w in workers), "both workers to claim")
        wait_for(both_waiting, "both workers to wait for the lock")
    finally:
        release()
    codes = [w.wait() for w in workers]
    assert codes == [0, 0], [w.stderr[-5:] for w in workers]

    enqueued = [name for w in workers for line in w.stdout if line.startswith("enqueued: ")
                for name in line.removeprefix("enqueued: ").split(", ")]  # fmt: skip
    assert sorted(enqueued) == sorted(DUE_AFTER_INIT), "each due slot is enqueued by exactly one worker"
    assert any(w.said("slot taken by another worker") for w in workers), "the workers did not race"
    rows = instance.sql(
        "SELECT task_path, status, worker_ids FROM django_tasks_database_dbtaskresult ORDER BY task_path"
    )
    assert [(path.rsplit(".", 1)[1], status) for path, status, _ in rows] == [
        ("audit_checkpoint", "SUCCESSFUL"), ("run_checks", "SUCCESSFUL"),
    ]  # fmt: skip
    assert all(len(json.loads(ids) if isinstance(ids, str) else ids) == 1 for _, _, ids in rows)
    results = dict(instance.sql("SELECT name, last_result FROM jobs_schedule"))
    # the due ones ran; the cron schedules (prune at 03:30, the apps' own) wait for their slot
    assert {name: result for name, result in results.items() if result} == {
        "audit-checkpoint": "ok",
        "run-checks": "ok",
    }
    assert "prune-task-results" in results

    (checkpoint,) = (instance.data_dir / "checkpoints").glob("audit-checkpoint-*.json")
    held = instance.run("audit", "verify", "--checkpoint", str(checkpoint))
    assert "held" in held.stdout


def test_worker_runs_rounds_until_sigterm_then_exits_0(initialised_instance):
    instance = initialised_instance
    worker = Worker(instance, "--interval", "0.1", env={"PYTHONUNBUFFERED": "1"})
    try:
        wait_for(lambda: worker.said("otcsms worker: database backend"), "the worker to start")
        wait_for(lambda: instance.sql("SELECT last_result FROM jobs_schedule WHERE name = 'run-checks'")[0][0]
                 == "ok", "a scheduled job to run")  # fmt: skip
        wait_for(lambda: len(list((instance.data_dir / "checkpoints").glob("*.json"))) == 1, "a checkpoint")
    finally:
        worker.proc.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0, worker.stderr[-5:]
    assert worker.said("received SIGTERM")
    events = instance.sql("SELECT DISTINCT actor_kind FROM core_auditevent")
    # system: the shipped library, loaded by `otcsms init`
    assert {kind for (kind,) in events} == {"cli", "system"}, (
        "scheduling and job bookkeeping write no audit events"
    )


def test_worker_before_init_exits_2_with_one_line(instance):
    proc = instance.run("worker", "--once", check=2)
    assert "otcsms init" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_rq_backend_runs_the_same_jobs(instance):
    if not redis_answers():
        pytest.skip("!!! Redis does not answer on 127.0.0.1:6379: the RQ backend was NOT tested !!!")
    instance.run("init", "--admin-password", "an-admin-password")
    queue = f"otcsms-test-{uuid.uuid4().hex[:12]}"  # concurrent runs on one Redis never share a queue
    rq = {
        "OTCSMS_TASKS_BACKEND": "rq",
        "OTCSMS_REDIS_URL": "redis://127.0.0.1:6379/0",
        "OTCSMS_TASKS_QUEUE": queue,
    }
    slots = "SELECT name, next_run_at, last_enqueued_at FROM jobs_schedule ORDER BY name"
    before = instance.sql(slots)
    unreachable = Worker(instance, "--once", env={**rq, "OTCSMS_REDIS_URL": "redis://127.0.0.1:1/0"})
    assert unreachable.wait() == 1
    assert unreachable.said("round failed: ConnectionError")
    assert instance.sql(slots) == before, "a slot whose job could not be enqueued is not consumed"

    scheduler = Worker(instance, "--once", env=rq)
    assert scheduler.wait() == 0, scheduler.stderr[-5:]
    assert scheduler.said("enqueued: audit-checkpoint, run-checks")
    assert instance.sql("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult")[0][0] == 0

    # RQ's own worker, as docs/jobs.md says to run it, with otcsms's settings.
    env = {**instance.env, **rq, "DJANGO_SETTINGS_MODULE": "otcsms.settings"}
    rqworker = subprocess.run(
        [OTCSMS[0], "-m", "django", "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", queue],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert rqworker.returncode == 0, rqworker.stderr[-2000:]
    results = dict(instance.sql("SELECT name, last_result FROM jobs_schedule"))
    assert results["audit-checkpoint"] == "ok" and results["run-checks"] == "ok"
    (checkpoint,) = (instance.data_dir / "checkpoints").glob("audit-checkpoint-*.json")
    instance.run("audit", "verify", "--checkpoint", str(checkpoint))

    # The task results live in Redis, readable through the Tasks API like the database backend's.
    task_id = instance.sql("SELECT last_task_id FROM jobs_schedule WHERE name = 'run-checks'")[0][0]
    probe = (
        "import django; django.setup()\n"
        "from otcsms.jobs.tasks_api import task_backends\n"
        f"r = task_backends['default'].get_result({task_id!r})\n"
        "print(r.status, r.return_value)\n"
    )
    read = subprocess.run([OTCSMS[0], "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert read.stdout.strip() == "SUCCESSFUL 0 sites checked: 0 findings opened, 0 closed, 0 reopened", (
        read.stderr[-2000:]
    )


def test_an_unknown_tasks_backend_is_a_configuration_error(instance):
    instance.env["OTCSMS_TASKS_BACKEND"] = "celery"
    proc = instance.run("worker", "--once", check=2)
    assert "OTCSMS_TASKS_BACKEND" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
