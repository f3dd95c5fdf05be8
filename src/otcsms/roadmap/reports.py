"""The roadmap report of a site (``otcsms report roadmap``): its phases with dates, budget and capacity, the
actions placed in each with the money, effort and risk reduction they carry, the Gantt chart, the actions left
out and why, and progress so far.

A builder for the reports app (core.registry.ReportKind): (site, user, params) -> a mapping with title,
template, context and summary; a bad parameter is a ValueError. It reads the plan the planner last stored
(``RoadmapPlan.result``); a site never planned is planned now for the report, and nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from otcsms.core.models import User
from otcsms.roadmap import lifecycle, services
from otcsms.roadmap.models import Action
from otcsms.roadmap.timeline import timeline_svg
from otcsms.tenancy.models import Site
from otcsms.ui import charts

SVG_NS = ' xmlns="http://www.w3.org/2000/svg"'
PAGE_ONLY = re.compile(r' data-action="\d+"')  # the timeline page's hooks: a report has no script


def build(site: Site, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    if params:
        raise ValueError(f"unknown report parameter {sorted(params)[0]!r:.40}; this report takes none")
    plan = services.plan_of(site)
    result = plan.result
    computed_at = plan.computed_at
    if not result:  # never planned: plan now, keep nothing
        try:
            result = services.result_document(services.compute(plan), plan.phases)
        except services.RoadmapInputError as exc:
            result = {"placements": {}, "totals": [], "problems": [str(exc)]}
        computed_at = None
    actions = list(
        Action.objects.for_user(user).filter(site=site).select_related("owner", "goal").order_by("pk")
    )
    placements = result.get("placements") or {}
    phases: list[dict[str, Any]] = []
    for i, phase in enumerate(plan.phases):
        phases.append({
            "number": i + 1, "name": phase["name"], "budget": phase.get("budget"), "capacity": phase.get("capacity"),
            "starts": plan.starts_on + timedelta(days=phase["start_day"]),
            "ends": plan.starts_on + timedelta(days=phase["end_day"]),
            "actions": [], "cost": 0.0, "effort": 0.0, "risk_reduction": 0.0,
        })  # fmt: skip
    unplaced: list[dict[str, Any]] = []
    done: list[Action] = []
    for action in actions:
        if action.status == lifecycle.DONE:
            done.append(action)
            continue
        if action.status == lifecycle.CANCELLED:
            continue
        placement = placements.get(str(action.pk)) or {}
        index = placement.get("phase")
        row = {"action": action, "reason": placement.get("reason", "not planned yet: run the planner")}
        if isinstance(index, int) and 0 <= index < len(phases):
            phase = phases[index]
            phase["actions"].append(row)
            phase["cost"] += float(action.cost)
            phase["effort"] += float(action.effort_days)
            phase["risk_reduction"] += float(action.risk_reduction)
        else:
            unplaced.append(row)
    cost_chart = charts.bars(
        [charts.Value(f"{p['number']}: {p['name']}", p["cost"], "#3b6fb6") for p in phases],
        title="Cost per phase",
    )
    risk_chart = charts.bars(
        [charts.Value(f"{p['number']}: {p['name']}", p["risk_reduction"], "#2e8b57") for p in phases],
        title="Risk reduction per phase",
    )
    placed = sum(len(p["actions"]) for p in phases)
    progress = services.progress(site.pk)
    return {
        "title": "Roadmap",
        "template": "roadmap/report.html",
        "context": {
            "plan": plan,
            "phases": phases,
            "unplaced": unplaced,
            "done": done,
            "computed_at": computed_at,
            "problems": result.get("problems") or [],
            "method": result.get("method", ""),
            "gantt": PAGE_ONLY.sub("", timeline_svg(site).replace(SVG_NS, "", 1)),
            "cost_chart": cost_chart,
            "risk_chart": risk_chart,
            "progress": progress,
            "total_cost": sum(p["cost"] for p in phases),
            "total_risk_reduction": sum(p["risk_reduction"] for p in phases),
        },
        "summary": (
            f"{placed} action{'s' if placed != 1 else ''} in {len(phases)} phase{'s' if len(phases) != 1 else ''}, "
            f"{len(unplaced)} not placed, {len(done)} done"
        ),
    }
