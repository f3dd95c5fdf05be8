"""The plain computations of C10: measured times, cadence, CIP-008 deadlines (no database)."""

from __future__ import annotations

import datetime as dt

from otcsms.resilience import timing

T0 = dt.datetime(2026, 3, 1, 14, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_measured_times_count_from_the_start_to_the_first_mark_of_each_milestone():
    marks = [(at(14), "detected"), (at(31), "escalated"), (at(20), "detected"), (at(52), "contained")]
    found = {m.milestone: m.minutes for m in timing.measured_times(T0, marks)}
    assert found == {"detected": 14, "escalated": 31, "contained": 52, "recovered": None}


def test_without_a_start_the_earliest_mark_is_the_start_and_early_marks_count_as_zero():
    found = {
        m.milestone: m.minutes
        for m in timing.measured_times(None, [(at(5), "detected"), (at(65), "recovered")])
    }
    assert found["detected"] == 0 and found["recovered"] == 60
    before = timing.measured_times(at(10), [(at(3), "detected")])
    assert before[0].minutes == 0
    assert [m.minutes for m in timing.measured_times(None, [])] == [None] * 4


def test_cadence_months_and_month_ends():
    assert timing.default_cadence_months("medium") == 15 and timing.default_cadence_months("") == 12
    assert timing.add_months(dt.date(2025, 11, 30), 15) == dt.date(2027, 2, 28)
    assert timing.add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)
    assert timing.next_drill_due(None, 12, dt.date(2026, 1, 15)) == dt.date(2027, 1, 15)
    assert timing.next_drill_due(dt.date(2026, 6, 1), 15, dt.date(2020, 1, 1)) == dt.date(2027, 9, 1)


def test_cip008_initial_notice_within_an_hour_and_updates_within_seven_days():
    determined = at(120)
    found = timing.cip008_deadlines(determined, [at(60), at(60 * 24 * 2)], [at(170), at(60 * 24 * 10)])
    assert [d.due for d in found] == [at(180), at(60 * 24 * 9)]
    assert found[0].met_at == at(170) and not found[0].late()
    assert found[1].met_at == at(60 * 24 * 10) and found[1].late()  # the update came a day late
    unmet = timing.cip008_deadlines(determined, [], [])
    assert unmet[0].overdue(at(181)) and not unmet[0].overdue(at(179))
    assert timing.cip008_deadlines(None, [at(1)], [at(2)]) == []
