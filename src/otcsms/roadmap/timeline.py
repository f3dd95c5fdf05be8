"""The roadmap timeline of a site as an SVG Gantt chart (``gantt``): each action's bar from its own dates, or
from the phase the planner placed it in; shared by the timeline page and the roadmap report."""

from __future__ import annotations

from typing import Any

from otcsms.roadmap import gantt, lifecycle, services
from otcsms.roadmap.models import Action, ActionDependency, RoadmapPlan
from otcsms.tenancy.models import Site


def timeline_svg(site: Site) -> str:
    plan = services.plan_of(site)
    placements = (plan.result or {}).get("placements") or {}
    bands = [
        gantt.Band(f"{i + 1}: {p['name']}", p["start_day"], p["end_day"]) for i, p in enumerate(plan.phases)
    ]
    actions = list(Action.objects.filter(site=site).exclude(status=lifecycle.CANCELLED).order_by("pk"))
    deps: dict[int, list[int]] = {}
    for a, d in ActionDependency.objects.filter(site=site).values_list("action_id", "depends_on_id"):
        deps.setdefault(a, []).append(d)
    bars = []
    for action in actions:
        span = _span(plan, action, placements.get(str(action.pk)))
        if span is None:
            continue
        bars.append(gantt.Bar(action.pk, action.title, span[0], span[1], action.status,
                              tuple(deps.get(action.pk, ())), action.get_status_display()))  # fmt: skip
    bars.sort(key=lambda b: (b.start_day, b.key))
    return gantt.gantt_svg(bars, bands, title=f"Roadmap of {site.name}")


def _span(plan: RoadmapPlan, action: Action, placement: dict[str, Any] | None) -> tuple[int, int] | None:
    """Days from the plan's start: the action's own dates when it has them, else its phase."""
    if action.start_on and action.due_on:
        # what lies before the plan's start is drawn from its first day
        start = max(0, (action.start_on - plan.starts_on).days)
        return start, max(start + 1, (action.due_on - plan.starts_on).days)
    if placement and placement.get("phase") is not None and placement["phase"] < len(plan.phases):
        phase = plan.phases[placement["phase"]]
        start = phase["start_day"]
        if action.due_on:
            return start, max(start + 1, (action.due_on - plan.starts_on).days)
        length = max(1, round(float(action.effort_days) * 7 / 5)) if action.effort_days else 14
        return start, min(phase["end_day"], start + length)
    return None
