"""The improvement job: capture every site's KPIs once a day (declared in improvement/registry.py: jobs), so the
CSMS health page and the dashboard show their trend."""

from __future__ import annotations

from otcsms.improvement import services
from otcsms.jobs.decorators import job
from otcsms.jobs.defaults import ScheduleSpec

KPI_SNAPSHOTS = ScheduleSpec(
    "kpi-snapshots",
    "otcsms.improvement.tasks.kpi_snapshots",
    "Measure every KPI of every site and keep the values (the trends of the CSMS health page and the dashboard).",
    cron="15 5 * * *",
)


@job("kpi-snapshots")
def kpi_snapshots() -> str:
    return services.capture().summary()
