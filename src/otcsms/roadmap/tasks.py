"""The scheduled making of roadmap actions from their sources (vulnerabilities, drift findings)."""

from __future__ import annotations

from otcsms.jobs.decorators import job
from otcsms.jobs.defaults import ScheduleSpec

# Declared in roadmap/registry.py (``jobs``): the jobs app creates the schedule with the others at ``init``.
# Minute 40: after the hourly collection (minute 15) and the checks that turn drift into findings.
ACTIONS_FROM_SOURCES = ScheduleSpec(
    "roadmap-from-sources",
    "otcsms.roadmap.tasks.roadmap_from_sources",
    "Create or update a roadmap action for every open vulnerability and drift finding, one per source "
    "(docs/roadmap.md).",
    cron="40 * * * *",
)


@job("roadmap-from-sources")
def roadmap_from_sources() -> str:
    """Every site, each in its own transaction; the worker is the actor of every write."""
    from otcsms.roadmap import sources

    return sources.sync_all().describe()
