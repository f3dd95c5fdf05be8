"""The scheduled collection: every asset with an OPC UA or Modbus TCP server endpoint, site by site."""

from __future__ import annotations

from otcsms.jobs.decorators import job
from otcsms.jobs.defaults import ScheduleSpec

# Declared in configs/registry.py (``jobs``): the jobs app creates the schedule with the others at ``init``.
COLLECT_CONFIGS = ScheduleSpec(
    "collect-configs",
    "otcsms.configs.tasks.collect_configs",
    "Read the configuration of every asset with an OPC UA or Modbus TCP server endpoint and record a new "
    "version when it changed (docs/configs.md).",
    cron="15 * * * *",
)


@job("collect-configs")
def collect_configs() -> str:
    """Read every collectable asset live; each asset is recorded in its own short transaction."""
    from otcsms.configs import services
    from otcsms.plant.models import Asset
    from otcsms.tenancy.models import Site

    counts = {"ok": 0, "unreachable": 0, "error": 0, "not_collectable": 0}
    new = 0
    for site in Site.objects.order_by("pk"):
        assets = list(
            Asset.objects.filter(site=site, endpoints__protocol__in=services.COLLECTABLE, endpoints__role="server")
            .distinct().select_related("site", "zone").prefetch_related("endpoints").order_by("pk")
        )  # fmt: skip
        for result in services.collect(assets):
            counts[result.status] += 1
            new += result.created
    total = sum(counts.values())
    return (f"{total} assets collected: {counts['ok']} read ({new} new versions), {counts['unreachable']} "
            f"unreachable, {counts['error']} failed")  # fmt: skip
