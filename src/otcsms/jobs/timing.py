"""When a schedule runs next, and how long a failed job waits before its retry.

Plain Python (no Django): the scheduler, the models' validation and the tests share these rules.
Times are aware UTC datetimes; cron expressions are read in UTC.
"""

from __future__ import annotations

import datetime as dt

from croniter import croniter

MIN_INTERVAL_SECONDS = 10
MAX_INTERVAL_SECONDS = 366 * 86_400
MAX_CRON_LENGTH = 100


def cron_problem(expression: str, now: dt.datetime) -> str | None:
    """Why ``expression`` cannot drive a schedule, or None. Five fields (minute hour day month weekday)
    or an alias such as @daily; it must also match some time in the future (not "0 0 31 2 *")."""
    text = expression.strip()
    if not text or len(text) > MAX_CRON_LENGTH:
        return f"a cron expression is 1-{MAX_CRON_LENGTH} characters"
    if not text.startswith("@") and len(text.split()) != 5:
        return "a cron expression has five fields: minute hour day-of-month month day-of-week"
    try:
        valid = croniter.is_valid(text)
    except Exception:  # croniter raises assorted errors on odd input; any of them means "not valid"
        valid = False
    if not valid:
        return f"{text!r} is not a valid cron expression"
    try:
        next_cron(text, now)
    except Exception:  # CroniterBadDateError and friends: no date ever matches
        return f"{text!r} never matches a date"
    return None


def next_cron(expression: str, after: dt.datetime) -> dt.datetime:
    """The first time strictly after ``after`` that ``expression`` matches (UTC)."""
    return croniter(expression.strip(), after.astimezone(dt.UTC)).get_next(dt.datetime)


def next_interval_slot(slot: dt.datetime, interval: int, now: dt.datetime) -> dt.datetime:
    """The first slot after ``now`` on the grid ``slot + k * interval``: the cadence stays regular, and slots
    missed while no worker ran are skipped, not caught up one after another."""
    step = dt.timedelta(seconds=interval)
    if slot > now:
        return slot
    missed = (now - slot) // step
    return slot + (missed + 1) * step


def retry_delay(failures: int, base: int, cap: int) -> int:
    """Seconds before retrying after ``failures`` failures in a row: base, 2 x base, 4 x base, ... at most cap."""
    if failures <= 0:
        return 0
    return min(cap, base * 2 ** min(failures - 1, 32))


def describe_interval(seconds: int) -> str:
    """'every 1 hour', 'every 90 seconds', 'every 2 days'."""
    for unit, size in (("day", 86_400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"every {count} {unit}{'s' if count != 1 else ''}"
    return f"every {seconds} seconds"
