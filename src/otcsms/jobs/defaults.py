"""The schedules every instance has (created by `otcsms init`, never changed by it afterwards)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    name: str
    task_path: str
    description: str
    interval_seconds: int | None = None
    cron: str = ""


DEFAULT_SCHEDULES = (
    ScheduleSpec(
        "audit-checkpoint",
        "otcsms.jobs.tasks.audit_checkpoint",
        "Verify the audit chain and write a signed checkpoint to the checkpoint directory "
        "(OTCSMS_CHECKPOINT_DIR): ship that directory to another machine.",
        interval_seconds=3600,
    ),
    ScheduleSpec(
        "run-checks",
        "otcsms.jobs.tasks.run_checks",
        "Run the continuous checks and record their findings.",
        interval_seconds=3600,
    ),
    ScheduleSpec(
        "collect-configs",
        "otcsms.configs.tasks.collect_configs",
        "Read the configuration of every asset with an OPC UA or Modbus TCP server endpoint and record a new "
        "version when it changed (docs/configs.md).",
        cron="15 * * * *",
    ),
    ScheduleSpec(
        "prune-task-results",
        "otcsms.jobs.tasks.prune_task_results",
        "Delete finished task results older than 30 days from the database queue.",
        cron="30 3 * * *",
    ),
)
