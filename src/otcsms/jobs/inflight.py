"""Runs still in flight: a schedule's slot is skipped while its previous run has not finished, and a run
whose worker died (SIGKILL, power loss, OOM killer) is found and failed so its schedule can run again.

Only the database queue is looked at: with RQ, Redis holds the runs and RQ's own worker monitoring finds
dead workers. django-tasks-db records each run's worker as ``<host>-<pid>-<random>`` (``worker.worker_id``).

A RUNNING run is **abandoned** when
- its worker ran on this host and that process no longer exists (seen by the next round of any worker on the
  same host, seconds after the kill), or
- it started more than ``OTCSMS_JOB_RUN_TIMEOUT_SECONDS`` ago (default 6 hours) whatever its host: the only
  sign a worker on another machine left, since a worker process cannot be asked from here.
An abandoned run is marked FAILED (``AbandonedRunError``) with a conditional update, so of two workers that
see it only one records the failure; its schedule then retries with the usual backoff.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from otcsms.jobs import outcomes, runs
from otcsms.jobs.backend import uses_database_queue
from otcsms.jobs.models import Schedule

log = logging.getLogger("otcsms.jobs")
IN_FLIGHT = ("READY", "RUNNING")


class AbandonedRunError(RuntimeError):
    """The worker running this job stopped without recording how it ended."""


class RunInProgressError(RuntimeError):
    """The schedule's previous run has not finished: another run would overlap it."""


def in_flight(schedule: Schedule) -> DBTaskResult | None:
    """The schedule's last run when it is still waiting or running (database queue only)."""
    if not schedule.last_task_id or not uses_database_queue():
        return None
    return DBTaskResult.objects.filter(id=schedule.last_task_id, status__in=IN_FLIGHT).first()


def worker_process(worker: str) -> tuple[str, int] | None:
    """(host, pid) of a worker id ``<host>-<pid>-<random>``; None when it is not one of ours."""
    parts = worker.rsplit("-", 2)
    if len(parts) != 3 or not parts[0] or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, run by someone else
        return True
    return True


def abandonment(run: DBTaskResult, now: dt.datetime, host: str) -> str | None:
    """Why a RUNNING run is abandoned, or None when it may still be running."""
    worker = run.worker_ids[-1] if run.worker_ids else ""
    process = worker_process(worker)
    if process is not None and process[0] == host[:40] and not process_exists(process[1]):
        return f"worker {worker} is gone (process {process[1]} no longer exists on {host[:40]})"
    started = run.started_at or run.enqueued_at
    timeout = settings.JOBS_RUN_TIMEOUT_SECONDS
    if now - started > dt.timedelta(seconds=timeout):
        return f"no result {timeout} s after it started on worker {worker or 'unknown'}"
    return None


def fail_abandoned(now: dt.datetime | None = None) -> list[str]:
    """Fail every abandoned run and record the failure on its schedule; returns their task ids."""
    if not uses_database_queue():
        return []
    now = now or timezone.now()
    host = socket.gethostname()
    failed = []
    for run in DBTaskResult.objects.filter(status="RUNNING").order_by("started_at"):
        reason = abandonment(run, now, host)
        if reason is None:
            continue
        error = AbandonedRunError(reason)
        with transaction.atomic():
            # Conditional: a run that finished meanwhile, or that another worker failed first, is left alone.
            taken = DBTaskResult.objects.filter(id=run.id, status="RUNNING").update(
                status="FAILED", finished_at=now, exception_class_path=f"{__name__}.AbandonedRunError",
                traceback=f"{__name__}.AbandonedRunError: {reason}",
            )  # fmt: skip
        if not taken:
            continue
        log.warning("run %s of %s abandoned: %s", run.id, runs.job_of(run), reason)
        outcomes.record_failure(runs.schedule_id_of(run), error)
        failed.append(str(run.id))
    return failed
