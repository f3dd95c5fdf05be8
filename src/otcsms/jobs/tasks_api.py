"""Django's Tasks API: ``django.tasks`` from Django 6 on, the ``django-tasks`` backport before.

Everything in otcsms imports the API from here, so moving to Django 6 changes nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the types of the backport, which is what runs on Django 5.2
    from django_tasks import task, task_backends
    from django_tasks.base import Task, TaskContext, TaskResult, TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist
else:
    # The same names django-tasks-db's own compatibility module reads from Django 6.
    try:
        from django.tasks import task, task_backends
        from django.tasks.base import Task, TaskContext, TaskResult, TaskResultStatus
        from django.tasks.exceptions import TaskResultDoesNotExist
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
