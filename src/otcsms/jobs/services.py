"""Changes people make to schedules: enable, disable, retime, run now. Each is audited with its actor.

Saves name the fields they change (``update_fields``): a worker may be writing the bookkeeping fields of
the same row at the same time, and a full save would put back the values read before.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from otcsms.core import registry
from otcsms.core.audit import with_reason
from otcsms.jobs.defaults import DEFAULT_SCHEDULES, ScheduleSpec
from otcsms.jobs.definitions import resolve_job
from otcsms.jobs.inflight import RunInProgressError, in_flight
from otcsms.jobs.models import Schedule

EDITABLE = ("enabled", "interval_seconds", "cron", "description")
_TIMING = ("interval_seconds", "cron")


def default_schedules() -> list[ScheduleSpec]:
    """The platform's schedules, then every app's (``Contributions.jobs``: each the path of a ScheduleSpec)."""
    declared = [registry.resolve(path) for path in registry.jobs()]
    return [*DEFAULT_SCHEDULES, *(spec for spec in declared if isinstance(spec, ScheduleSpec))]


def ensure_default_schedules() -> list[Schedule]:
    """Create the default schedules that do not exist yet (by name); existing ones are left as they are."""
    existing = set(Schedule.objects.values_list("name", flat=True))
    created = []
    with transaction.atomic():
        for spec in default_schedules():
            if spec.name in existing:
                continue
            schedule = Schedule(name=spec.name, task_path=spec.task_path, description=spec.description,
                                interval_seconds=spec.interval_seconds, cron=spec.cron)  # fmt: skip
            schedule.next_run_at = schedule.first_slot(timezone.now())
            schedule.full_clean()
            schedule.save()
            created.append(schedule)
    return created


def update_schedule(schedule: Schedule, changes: dict[str, Any], reason: str = "") -> Schedule:
    """Apply ``changes`` (fields of EDITABLE); a new timing also moves the next run (Schedule.first_slot).
    Giving a cron expression drops the interval and vice versa. Raises ValidationError."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    changes = dict(changes)
    if changes.get("cron"):
        changes.setdefault("interval_seconds", None)
    if changes.get("interval_seconds") is not None:
        changes.setdefault("cron", "")
    before = {name: getattr(schedule, name) for name in changes}
    for name, value in changes.items():
        setattr(schedule, name, value)
    schedule.full_clean()
    fields = [name for name in changes if before[name] != changes[name]]
    if not fields:
        return schedule
    if any(name in _TIMING for name in fields):
        schedule.next_run_at = schedule.first_slot(timezone.now())
        fields.append("next_run_at")
    with transaction.atomic():
        with_reason(schedule, reason).save(update_fields=fields)
    return schedule


def set_enabled(schedule: Schedule, enabled: bool, reason: str = "") -> Schedule:
    """Enable or disable. A schedule enabled again after its slot passed runs once at the next tick."""
    return update_schedule(schedule, {"enabled": enabled}, reason)


def run_now(schedule: Schedule, reason: str = "") -> str:
    """Enqueue the schedule's job at once (also when it is disabled); returns the task id. The request is
    audited (``run_requested_at``, by whoever asked); the run reports back to the schedule like any other.
    Raises RunInProgressError while the schedule's last run still waits or runs: runs never overlap."""
    job = resolve_job(schedule.task_path)
    if (previous := in_flight(schedule)) is not None:
        raise RunInProgressError(f"its run {previous.id} is still {previous.status.lower()}")
    now = timezone.now()
    with transaction.atomic():
        schedule.run_requested_at = now
        with_reason(schedule, reason or "run now").save(update_fields=["run_requested_at"])
        result = job.enqueue(schedule_id=schedule.pk)
        Schedule.objects.filter(pk=schedule.pk).update(last_enqueued_at=now, last_task_id=str(result.id)[:64])
    return str(result.id)
