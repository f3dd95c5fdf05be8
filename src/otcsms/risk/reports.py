"""The risk register of a site (``otcsms report risks``): every threat scenario with its inherent and residual
rating, treatment, owner and review date; the heat maps of the inherent and the residual risk side by side; the
count of scenarios per level before and after the existing controls; and per zone the SL-T its risks justify.

A builder for the reports app (core.registry.ReportKind): (site, user, params) -> a mapping with title,
template, context and summary; a bad parameter is a ValueError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otcsms.core.models import User
from otcsms.plant.models import Zone
from otcsms.risk import matrix as mx
from otcsms.risk import services
from otcsms.risk.heat_chart import LEVEL_COLOURS, heat_svg
from otcsms.risk.models import RiskMatrix, ThreatScenario
from otcsms.tenancy.models import Site


def build(site: Site, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    if params:
        raise ValueError(f"unknown report parameter {sorted(params)[0]!r:.40}; this report takes none")
    matrix = RiskMatrix.of(site.organisation_id)
    scenarios = ThreatScenario.objects.for_user(user).filter(site=site)
    grid = services.heat_map(matrix, scenarios)

    def heat(which: str, title: str) -> str:
        return heat_svg(matrix, grid, title=title, ratings=(which,))

    register = list(
        scenarios.select_related(
            "zone", "asset", "conduit", "system", "owner", "acceptance_approver"
        ).order_by("-inherent_score", "title", "pk")
    )
    levels = []
    for level in mx.LEVELS[::-1]:
        levels.append({
            "level": level, "inherent": sum(s.inherent_level == level for s in register),
            "residual": sum(s.residual_level == level for s in register),
        })  # fmt: skip
    unrated = sum(not s.residual_level for s in register)
    zones = [
        services.zone_risk(zone, scenarios)
        for zone in Zone.objects.for_user(user).filter(site=site).order_by("name")
    ]
    return {
        "title": "Risk register",
        "template": "risk/report.html",
        "context": {
            "matrix": matrix,
            "register": register,
            "levels": levels,
            "unrated": unrated,
            "inherent_map": heat("inherent", "Inherent risk (no controls)"),
            "residual_map": heat("residual", "Residual risk (existing controls)"),
            "consequence_labels": list(enumerate(matrix.consequence_labels, start=1)),
            "zones": [z for z in zones if z.scenarios],
            "level_colours": LEVEL_COLOURS,
        },
        "summary": f"{len(register)} scenario{'s' if len(register) != 1 else ''}, {unrated} without a residual rating",
    }
