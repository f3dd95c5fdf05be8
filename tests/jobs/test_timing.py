"""The timing rules: interval grid, cron, retry delays."""

from __future__ import annotations

import datetime as dt

import pytest

from otcsms.jobs.timing import cron_problem, describe_interval, next_cron, next_interval_slot, retry_delay

T0 = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_interval_slots_stay_on_the_grid_and_skip_missed_slots():
    assert next_interval_slot(T0, 600, at(0)) == at(10)
    assert next_interval_slot(T0, 600, at(3)) == at(10)
    # Three slots passed while no worker ran: one run now, the next on the grid, no catch-up burst.
    assert next_interval_slot(T0, 600, at(35)) == at(40)
    assert next_interval_slot(at(50), 600, at(35)) == at(50)


def test_retry_delay_doubles_up_to_the_cap():
    assert [retry_delay(n, 60, 3600) for n in range(0, 9)] == [0, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry_delay(10**6, 60, 3600) == 3600


def test_cron_in_utc():
    assert next_cron("30 3 * * *", at(0)) == dt.datetime(2026, 5, 5, 3, 30, tzinfo=dt.UTC)
    assert next_cron("@hourly", at(0)) == at(60)


@pytest.mark.parametrize(
    "expression,problem",
    [
        ("30 3 * * *", None),
        ("@daily", None),
        ("*/15 * * * 1-5", None),
        ("61 * * * *", "not a valid cron expression"),
        ("* * * * * *", "five fields"),
        ("0 0 31 2 *", "never matches"),
        ("", "1-100 characters"),
        ("x" * 101, "1-100 characters"),
        ("H * * * *", "not a valid"),
        ("\x00 * * * *", "not a valid"),
    ],
)
def test_cron_problems(expression, problem):
    found = cron_problem(expression, T0)
    assert (found is None) if problem is None else (problem in found), found


def test_interval_in_words():
    assert describe_interval(3600) == "every 1 hour"
    assert describe_interval(172_800) == "every 2 days"
    assert describe_interval(90) == "every 90 seconds"
    assert describe_interval(600) == "every 10 minutes"
