"""The scheduled collection: every asset with an OPC UA or Modbus TCP server endpoint or a DNP3 outstation
endpoint, site by site, when its schedule (the asset's, else its site's, else every run) says it is due."""

from __future__ import annotations

from otcsms.jobs.decorators import job
from otcsms.jobs.defaults import ScheduleSpec

# Declared in configs/registry.py (``jobs``): the jobs app creates the schedule with the others at ``init``.
COLLECT_CONFIGS = ScheduleSpec(
    "collect-configs",
    "otcsms.configs.tasks.collect_configs",
    "Read the configuration of every asset with an OPC UA, Modbus TCP or DNP3 endpoint that is due by its "
    "collection schedule and record a new version when it changed (docs/configs.md).",
    cron="15 * * * *",
)


@job("collect-configs")
def collect_configs() -> str:
    """Read every collectable asset live; each asset is recorded in its own short transaction."""
    from otcsms.configs import services
    from otcsms.plant.models import Asset
    from otcsms.tenancy.models import Site

    counts = {"ok": 0, "unreachable": 0, "error": 0, "not_collectable": 0, "not_due": 0}
    new = 0
    for site in Site.objects.order_by("pk"):
        assets = list(
            Asset.objects.filter(site=site, endpoints__protocol__in=services.COLLECTABLE,
                                 endpoints__role__in=services.ANSWERING_ROLES)
            .distinct().select_related("site", "zone").prefetch_related("endpoints").order_by("pk")
        )  # fmt: skip
        due = services.due_for_collection(assets)
        counts["not_due"] += len(assets) - len(due)
        for result in services.collect(due):
            counts[result.status] += 1
            new += result.created
    total = sum(counts.values()) - counts["not_due"]
    return (f"{total} assets collected: {counts['ok']} read ({new} new versions), {counts['unreachable']} "
            f"unreachable, {counts['error']} failed; {counts['not_due']} not due")  # fmt: skip
