"""What a run of a scheduled job left behind: its message, or its error and when it is retried.

Only bookkeeping fields change here (``Schedule.audit_ignore_fields``), with queryset updates: no audit
event, so the audit chain's head lock is never taken, and each transaction is one or two statements.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from otcsms.jobs.models import Schedule
from otcsms.jobs.timing import retry_delay

log = logging.getLogger("otcsms.jobs")
MESSAGE_LENGTH = 500


def one_line(text: str) -> str:
    """A message fit for the schedule's one-line field: control characters as spaces, cut to length."""
    flat = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(flat.split())[:MESSAGE_LENGTH]


def describe_error(exc: BaseException) -> str:
    detail = str(exc)
    return one_line(f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__)


def record_success(schedule_id: int | None, message: str) -> None:
    if schedule_id is None:
        return
    with transaction.atomic():
        Schedule.objects.filter(pk=schedule_id).update(
            last_result=Schedule.Result.OK,
            last_message=one_line(message),
            last_finished_at=timezone.now(),
            failure_count=0,
        )


def record_failure(schedule_id: int | None, exc: BaseException) -> dt.datetime | None:
    """Record the error and move the schedule's next run to the retry time; returns that time."""
    message = describe_error(exc)
    log.warning("job of schedule %s failed: %s", schedule_id, message)
    if schedule_id is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        # Locked (PostgreSQL; SQLite's write transaction already is): two failures must count as two.
        failures = (
            Schedule.objects.select_for_update()
            .filter(pk=schedule_id)
            .values_list("failure_count", flat=True)
            .first()
        )
        if failures is None:
            return None  # the schedule was deleted meanwhile
        failures += 1
        delay = retry_delay(failures, settings.JOBS_RETRY_BASE_SECONDS, settings.JOBS_RETRY_MAX_SECONDS)
        retry_at = now + dt.timedelta(seconds=delay)
        Schedule.objects.filter(pk=schedule_id).update(
            last_result=Schedule.Result.FAILED,
            last_message=message,
            last_finished_at=now,
            failure_count=failures,
            next_run_at=retry_at,
        )
    return retry_at
