"""The phases of a roadmap plan as stored (a JSON list) and their rules. Plain Python (no Django).

A phase is ``{"name", "start_day", "end_day", "budget", "capacity"}``: days counted from the plan's start,
the money it may spend (None: no limit) and the team's person-days in it (None: no limit). Phases follow
one another without overlap.
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

from otcsms.roadmap.planner import Phase

MAX_PHASES = 12
MAX_DAY = 36_500
MAX_AMOUNT = 1e12
KEYS = frozenset({"name", "start_day", "end_day", "budget", "capacity"})


def phases_problem(phases: Any) -> str | None:
    """Why ``phases`` is not a valid list of phases, or None."""
    if not isinstance(phases, list) or not 1 <= len(phases) <= MAX_PHASES:
        return f"a list of 1 to {MAX_PHASES} phases"
    previous_end = 0
    for number, phase in enumerate(phases, start=1):
        if not isinstance(phase, dict) or set(phase) - KEYS or "name" not in phase:
            return f"phase {number}: an object with name, start_day, end_day, budget, capacity"
        name = phase["name"]
        if not isinstance(name, str) or not 0 < len(name.strip()) <= 60 or not name.isprintable():
            return f"phase {number}: a name of 1-60 printable characters"
        start, end = phase.get("start_day"), phase.get("end_day")
        if not _is_int(start) or not _is_int(end) or not 0 <= start < end <= MAX_DAY:
            return f"phase {number}: whole days with 0 <= start_day < end_day <= {MAX_DAY}"
        if start < previous_end:
            return (
                f"phase {number} starts on day {start}, before phase {number - 1} ends (day {previous_end})"
            )
        for key in ("budget", "capacity"):
            value = phase.get(key)
            if value is not None and not _is_amount(value):
                return f"phase {number}: {key} is empty (no limit) or a number from 0 to {MAX_AMOUNT:.0e}"
        previous_end = end
    return None


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_amount(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= MAX_AMOUNT
    )


def to_planner(phases: list[dict[str, Any]]) -> list[Phase]:
    return [
        Phase(
            name=str(p["name"]),
            budget=None if p.get("budget") is None else float(p["budget"]),
            capacity=None if p.get("capacity") is None else float(p["capacity"]),
        )
        for p in phases
    ]


def with_limits(
    phases: list[dict[str, Any]], budgets: list[float | None], capacities: list[float | None]
) -> list[dict[str, Any]]:
    """The phases with new budgets and capacities (what-if, or the plan page's inputs)."""
    return [
        {**p, "budget": budgets[i] if i < len(budgets) else p.get("budget"),
         "capacity": capacities[i] if i < len(capacities) else p.get("capacity")}
        for i, p in enumerate(phases)
    ]  # fmt: skip
