"""Django's Tasks API: ``django.tasks`` from Django 6 on, the ``django-tasks`` backport before.

Everything in otcsms imports the API from here, so moving to Django 6 changes nothing else.
"""

from __future__ import annotations

# The same names django-tasks-db's own compatibility module reads from Django 6.
try:
    from django.tasks import task, task_backends  # type: ignore[import-not-found,unused-ignore]
    from django.tasks.base import (  # type: ignore[import-not-found,unused-ignore]
        Task,
        TaskContext,
        TaskResult,
        TaskResultStatus,
    )
    from django.tasks.exceptions import TaskResultDoesNotExist  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Django 5.2
    from django_tasks import task, task_backends
    from django_tasks.base import Task, TaskContext, TaskResult, TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist

__all__ = [
    "Task",
    "TaskContext",
    "TaskResult",
    "TaskResultDoesNotExist",
    "TaskResultStatus",
    "task",
    "task_backends",
]
