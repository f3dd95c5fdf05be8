"""Plain computations of C10 (no Django): measured times of an exercise, drill cadence, CIP-008 deadlines.

Kept free of Django so they are unit-tested and reused by the checks, the pages and the drill report alike.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

# Timeline milestones, in the order an incident (real or drilled) normally reaches them.
DETECTED = "detected"
ESCALATED = "escalated"
CONTAINED = "contained"
RECOVERED = "recovered"
MILESTONES = (DETECTED, ESCALATED, CONTAINED, RECOVERED)

CIP_IMPACTS = frozenset({"high", "medium", "low"})
CIP_CADENCE_MONTHS = 15  # CIP-008 R2: the response plan is tested at least this often
OTHER_CADENCE_MONTHS = 12  # otcsms's default where NERC CIP does not apply
PLAN_TEST_MONTHS = 15  # an IR plan not exercised for this long is reported by a check

# CIP-008 R4 (our summary): the first notification of a reportable incident is due one hour after it was
# determined reportable; each update is due seven days after new information about it became known.
INITIAL_NOTIFICATION = dt.timedelta(hours=1)
UPDATE_NOTIFICATION = dt.timedelta(days=7)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; the 31st of a shorter month becomes its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_cadence_months(nerc_impact: str) -> int:
    """Months between drills when a site sets none: 15 for NERC CIP sites (CIP-008 R2), else 12."""
    return CIP_CADENCE_MONTHS if nerc_impact in CIP_IMPACTS else OTHER_CADENCE_MONTHS


def next_drill_due(last_held: dt.date | None, cadence_months: int, since: dt.date) -> dt.date:
    """When the next drill is due: ``cadence_months`` after the last one held, or after ``since`` (when the
    site started its programme) if none was ever held."""
    return add_months(last_held or since, cadence_months)


@dataclass(frozen=True, slots=True)
class Measure:
    milestone: str
    reached_at: dt.datetime | None
    minutes: int | None  # from the start of the exercise; None: not reached (not marked on the timeline)


def measured_times(start: dt.datetime | None, marks: Iterable[tuple[dt.datetime, str]]) -> list[Measure]:
    """Minutes from ``start`` to the first timeline entry marked with each milestone.

    ``start``: when the exercise (or incident) began; None takes the earliest entry. An entry before the start
    counts as minute 0 (a detection logged before the first inject is not a negative time)."""
    ordered = sorted(marks, key=lambda m: m[0])
    origin = start if start is not None else (ordered[0][0] if ordered else None)
    first: dict[str, dt.datetime] = {}
    for at, milestone in ordered:
        if milestone in MILESTONES and milestone not in first:
            first[milestone] = at
    found = []
    for milestone in MILESTONES:
        reached = first.get(milestone)
        minutes = None
        if reached is not None and origin is not None:
            minutes = max(0, int((reached - origin).total_seconds() // 60))
        found.append(Measure(milestone, reached, minutes))
    return found


@dataclass(frozen=True, slots=True)
class Deadline:
    name: str
    due: dt.datetime
    met_at: dt.datetime | None

    def overdue(self, now: dt.datetime) -> bool:
        return self.met_at is None and now > self.due

    def late(self) -> bool:
        return self.met_at is not None and self.met_at > self.due


def cip008_deadlines(
    determined_at: dt.datetime | None,
    new_information: Iterable[dt.datetime],
    notifications: Iterable[dt.datetime],
) -> list[Deadline]:
    """The notification deadlines of a reportable incident and the notification that met each, if any.

    The initial notification is due one hour after the incident was determined reportable; every piece of new
    information after that asks for an update within seven days. Each deadline is met by the first notification
    sent after what triggered it (one update may answer several pieces of new information)."""
    if determined_at is None:
        return []
    sent = sorted(n for n in notifications if n >= determined_at)
    triggers = [("Initial notification", determined_at, determined_at + INITIAL_NOTIFICATION)]
    for at in sorted(i for i in new_information if i > determined_at):
        triggers.append(("Update", at, at + UPDATE_NOTIFICATION))
    deadlines = []
    for name, trigger, due in triggers:
        met = next((n for n in sent if n >= trigger), None)
        deadlines.append(Deadline(f"{name} (due {due:%Y-%m-%d %H:%M} UTC)", due, met))
    return deadlines
