"""`otcsms worker`: the scheduler and the database queue's worker, interleaved in one process.

Each round enqueues the due schedules (scheduler.enqueue_due), then runs every ready task with
django-tasks-db's own worker in batch mode (it locks each task row with SKIP LOCKED on PostgreSQL, and
claims it in an exclusive transaction on SQLite, so no two workers run one task), then sleeps. With the RQ
backend the worker only schedules: RQ's workers run the tasks.

SIGTERM or SIGINT stops the worker after the task in hand (exit 0); a second signal interrupts that task,
which is recorded as failed and retried later (exit 1).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import close_old_connections

from otcsms.jobs.backend import uses_database_queue
from otcsms.jobs.inflight import fail_abandoned
from otcsms.jobs.outcomes import one_line
from otcsms.jobs.scheduler import enqueue_due

if TYPE_CHECKING:
    from django_tasks_db.management.commands.db_worker import Worker

log = logging.getLogger("otcsms.jobs")
_SLEEP_STEP = 0.2  # how quickly a sleeping worker notices a stop request
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass
class Stop:
    """Stop requests from signals, seen by the loop and by the database worker it is running."""

    requested: bool = False
    forced: bool = False
    db_worker: Worker | None = field(default=None, repr=False)

    def __call__(self, signum: int, frame: types.FrameType | None) -> None:
        if self.requested:
            self.forced = True
            raise SystemExit(1)
        log.warning("received %s: stopping after the task in hand", signal.Signals(signum).name)
        self.requested = True
        if self.db_worker is not None:
            self.db_worker.running = False  # its loop ends after the task in hand


@dataclass(frozen=True, slots=True)
class Round:
    enqueued: list[str]
    failed: str = ""  # why the round failed (one line), e.g. the database could not be reached


def worker_id() -> str:
    # Unique across the pool (django-tasks-db records it on every task it runs); at most 64 characters.
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{os.urandom(4).hex()}"


def run_round(stop: Stop, ident: str) -> Round:
    """One scheduler pass, then every ready task (database backend)."""
    close_old_connections()  # drop a connection that broke or outlived CONN_MAX_AGE since the last round
    try:
        fail_abandoned()  # first: a schedule whose run died would otherwise skip its slots forever
        enqueued = enqueue_due()
        if uses_database_queue() and not stop.requested:
            run_ready_tasks(stop, ident)
    except Exception as exc:
        # A database or Redis that went away for a moment must not end a long-running worker: the round is
        # logged with its traceback and the next one tries again. (Errors inside tasks never get here: they
        # fail their task.)
        log.exception("worker round failed")
        return Round([], failed=one_line(f"{type(exc).__name__}: {exc}"))
    return Round(enqueued)


def run_ready_tasks(stop: Stop, ident: str) -> None:
    """Run ready tasks of this instance's queue until none is left (or a stop is requested)."""
    # The worker class of django-tasks-db's `db_worker` command, used as that command uses it but without
    # its signal handlers: ours decide when the process ends.
    from django_tasks_db.management.commands.db_worker import Worker

    db_worker = Worker(queue_names=[settings.TASKS_QUEUE], interval=0, batch=True, backend_name="default",
                       startup_delay=False, max_tasks=None, worker_id=ident,
                       excluded_queue_names=[])  # fmt: skip
    stop.db_worker = db_worker
    try:
        db_worker.run()
    finally:
        stop.db_worker = None


def sleep(stop: Stop, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not stop.requested and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(_SLEEP_STEP, left))


def run(*, once: bool, interval: float, on_round: Callable[[Round], None] | None = None) -> int:
    """Run rounds every ``interval`` seconds until stopped (or one round with ``once``); the exit code."""
    stop = Stop()
    previous = {sig: signal.signal(sig, stop) for sig in _STOP_SIGNALS}
    ident = worker_id()
    try:
        while True:
            outcome = run_round(stop, ident)
            if on_round is not None:
                on_round(outcome)
            if once:
                return 1 if outcome.failed or stop.forced else 0
            if stop.requested:
                break
            sleep(stop, interval)
            if stop.requested:
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if stop.forced else 0
