"""Enqueue every due schedule exactly once per slot, however many workers look at the same time.

Each due schedule is claimed with a compare-and-set: ``UPDATE ... SET next_run_at = <next slot> WHERE
id = X AND next_run_at = <the slot we read> AND enabled``. Of several workers that read the same slot, the
database lets exactly one UPDATE match (PostgreSQL re-checks the condition after the first one commits;
SQLite runs write transactions one at a time), and only that worker enqueues. With the database backend the
task row is inserted in the same transaction, so a claim and its task exist together or not at all.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from otcsms.jobs import outcomes
from otcsms.jobs.definitions import UnknownJobError, resolve_job
from otcsms.jobs.inflight import in_flight
from otcsms.jobs.models import Schedule

log = logging.getLogger("otcsms.jobs")


def due_schedules(now: dt.datetime) -> list[Schedule]:
    return list(Schedule.objects.filter(enabled=True, next_run_at__lte=now).order_by("next_run_at", "pk"))


def enqueue_due(now: dt.datetime | None = None) -> list[str]:
    """Claim and enqueue every schedule due at ``now``; returns the names this process enqueued."""
    now = now or timezone.now()
    return [s.name for s in due_schedules(now) if claim_and_enqueue(s, now) is not None]


def claim_and_enqueue(schedule: Schedule, now: dt.datetime) -> str | None:
    """Enqueue the schedule's job if this process wins its current slot; returns the task id, or None when
    another worker won it (or the job cannot be found, which is recorded as a failure and retried)."""
    log.debug("claiming %s (slot %s)", schedule.name, schedule.next_run_at.isoformat())
    try:
        job = resolve_job(schedule.task_path)
    except UnknownJobError as exc:
        with transaction.atomic():
            won = _claim(schedule, now)
        if won:
            outcomes.record_failure(schedule.pk, exc)
        return None
    with transaction.atomic():
        if not _claim(schedule, now):
            log.debug("%s: slot taken by another worker", schedule.name)
            return None
        if (previous := in_flight(schedule)) is not None:
            # Never two runs of one schedule at once: a slot that comes while the last run still waits or
            # runs is passed over (claimed, so no other worker takes it), and the schedule shows it.
            Schedule.objects.filter(pk=schedule.pk).update(last_skipped_at=now)
            log.warning("%s: slot skipped, run %s is still %s", schedule.name, previous.id, previous.status)
            return None
        result = job.enqueue(schedule_id=schedule.pk)
        Schedule.objects.filter(pk=schedule.pk).update(last_task_id=str(result.id)[:64])
    log.info("enqueued %s as task %s", schedule.name, result.id)
    return str(result.id)


def _claim(schedule: Schedule, now: dt.datetime) -> bool:
    """Move the schedule from the slot we read to the next one (inside the caller's transaction); True if it
    was still at the slot we read."""
    won = Schedule.objects.filter(pk=schedule.pk, enabled=True, next_run_at=schedule.next_run_at).update(
        next_run_at=schedule.slot_after(now), last_enqueued_at=now
    )
    return won == 1
