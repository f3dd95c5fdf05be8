"""Runs of jobs as the database queue records them (django-tasks-db's task results), for the API and UI.

The RQ backend keeps its results in Redis; there this list is empty and RQ's own tools show the runs.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django_tasks_db.models import DBTaskResult

from otcsms.jobs.outcomes import one_line

STATUSES = ("READY", "RUNNING", "FAILED", "SUCCESSFUL")


def recent_runs(*, status: str | None = None, task_path: str | None = None) -> QuerySet[DBTaskResult]:
    """Newest first. The whole table: every task of this instance is a job."""
    runs = DBTaskResult.objects.order_by("-enqueued_at", "-id")
    if status:
        runs = runs.filter(status=status)
    if task_path:
        runs = runs.filter(task_path=task_path)
    return runs


def error_of(run: DBTaskResult) -> str:
    """The exception a failed run raised, as its traceback's last line says it ('pkg.Error: message')."""
    if run.status != "FAILED":
        return ""
    lines = [line for line in (run.traceback or "").splitlines() if line.strip()]
    return one_line(lines[-1] if lines else run.exception_class_path)


def schedule_id_of(run: DBTaskResult) -> int | None:
    kwargs = (run.args_kwargs or {}).get("kwargs") or {}
    value = kwargs.get("schedule_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def job_of(run: DBTaskResult) -> str:
    """The job's function name (task path's last part)."""
    return run.task_path.rsplit(".", 1)[-1]
