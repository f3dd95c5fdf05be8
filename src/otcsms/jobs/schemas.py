"""API schemas of schedules and job runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from otcsms.core.schemas import Filter, InputSchema
from otcsms.jobs import runs, timing


class ScheduleOut(Schema):
    id: int
    name: str
    description: str
    task_path: str
    interval_seconds: int | None
    cron: str
    timing: str = Field(description="The timing in words, e.g. 'every 1 hour' or 'cron 30 3 * * * (UTC)'.")
    enabled: bool
    next_run_at: datetime = Field(description="The next slot, or the retry time after a failure (UTC).")
    last_enqueued_at: datetime | None
    last_finished_at: datetime | None
    last_result: Literal["", "ok", "failed"] = Field(description="'' before the first run.")
    last_message: str = Field(description="The last run's summary, or its error.")
    last_task_id: str
    failure_count: int = Field(description="Failures in a row; reset by a successful run.")
    run_requested_at: datetime | None
    last_skipped_at: datetime | None = Field(
        description="The last slot passed over because the previous run had not finished (runs never overlap)."
    )

    @staticmethod
    def resolve_timing(obj) -> str:
        return obj.timing_label()


class ScheduleUpdate(InputSchema):
    enabled: bool | None = None
    interval_seconds: int | None = Field(
        None, ge=timing.MIN_INTERVAL_SECONDS, le=timing.MAX_INTERVAL_SECONDS,
        description="Run every so many seconds (drops the cron expression).",
    )  # fmt: skip
    cron: str | None = Field(
        None, max_length=timing.MAX_CRON_LENGTH,
        description="minute hour day-of-month month day-of-week in UTC, or @hourly/@daily/... (drops the interval).",
    )  # fmt: skip
    description: str | None = Field(None, max_length=500)
    reason: str = Field("", max_length=500, description="Why (recorded in the audit trail).")


class ScheduleFilter(Filter):
    enabled: bool | None = None
    last_result: Literal["", "ok", "failed"] | None = None


class RunRequested(Schema):
    schedule_id: int
    task_id: str


class JobRunOut(Schema):
    id: str
    job: str = Field(description="The job's task function, e.g. audit_checkpoint.")
    task_path: str
    schedule_id: int | None = Field(description="The schedule that enqueued it (null when enqueued by code).")
    status: Literal["READY", "RUNNING", "FAILED", "SUCCESSFUL"]
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    return_value: Any = Field(description="What the job returned (its summary) when it succeeded.")
    error: str = Field(description="The exception of a failed run, one line.")
    traceback: str | None = Field(
        description="The full traceback (organisation admins only; null otherwise)."
    )

    @staticmethod
    def resolve_id(obj) -> str:
        return str(obj.id)

    @staticmethod
    def resolve_job(obj) -> str:
        return runs.job_of(obj)

    @staticmethod
    def resolve_schedule_id(obj) -> int | None:
        return runs.schedule_id_of(obj)

    @staticmethod
    def resolve_error(obj) -> str:
        return runs.error_of(obj)

    @staticmethod
    def resolve_traceback(obj, context) -> str | None:
        request = (context or {}).get("request")
        admin = request is not None and getattr(request.user, "is_org_admin", False)
        return (obj.traceback or "") if admin and obj.status == "FAILED" else None


class JobRunFilter(Filter):
    status: Literal["READY", "RUNNING", "FAILED", "SUCCESSFUL"] | None = None
    schedule: str | None = Field(None, max_length=100, description="Runs of this schedule's job (by name).")
