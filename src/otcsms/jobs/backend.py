"""Which Tasks backend this instance runs on, and what the database backend holds."""

from __future__ import annotations

from otcsms.jobs.tasks_api import task_backends


def uses_database_queue() -> bool:
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def backend_label() -> str:
    return "database" if uses_database_queue() else type(task_backends["default"]).__name__
