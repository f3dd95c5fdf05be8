"""`otcsms worker`: run the scheduled jobs and the task queue."""

from __future__ import annotations

from typing import Annotated

import typer

from otcsms.cli_support import DataDir, fail, out, require_initialised, setup_django


def worker(
    once: Annotated[
        bool,
        typer.Option("--once", help="Enqueue the due jobs, run every ready task, then exit (cron, tests)."),
    ] = False,
    interval: Annotated[
        float,
        typer.Option(
            min=0.05, max=3600, help="Seconds between rounds (scheduling, then running ready tasks)."
        ),
    ] = 5.0,
    data_dir: DataDir = None,
) -> None:
    """Run the scheduler and the database task queue until SIGTERM (exit 0 after the task in hand)."""
    setup_django(data_dir)
    require_initialised()
    _require_jobs_tables()
    from django.conf import settings

    from otcsms.jobs import worker as loop
    from otcsms.jobs.backend import backend_label, uses_database_queue

    runs = "runs tasks" if uses_database_queue() else "schedules only: RQ's workers run the tasks"
    if not once:
        out.print(f"otcsms worker: {backend_label()} backend, queue {settings.TASKS_QUEUE}, {runs}; every "
                  f"{interval:g} s until SIGTERM", highlight=False)  # fmt: skip

    def report(outcome: loop.Round) -> None:
        if outcome.enqueued:
            out.print(f"enqueued: {', '.join(outcome.enqueued)}", highlight=False, markup=False)
        if outcome.failed:
            out.print(f"round failed: {outcome.failed}", highlight=False, markup=False)

    code = loop.run(once=once, interval=interval, on_round=report)
    raise typer.Exit(code)


def _require_jobs_tables() -> None:
    from django.db import connection

    tables = connection.introspection.table_names()
    if "jobs_schedule" not in tables or "django_tasks_database_dbtaskresult" not in tables:
        fail("the database is not up to date: run `otcsms init`")
