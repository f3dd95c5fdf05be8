"""Which tasks are jobs: a schedule may name only a task made by ``@job`` (``otcsms.jobs.decorators``).

Kept apart from the decorator, which records outcomes on the schedule: the schedule model checks its task
path here, so this module must not depend on the model.
"""

from __future__ import annotations

import re

from django.utils.module_loading import import_string

from otcsms.jobs.tasks_api import Task

MARK = "otcsms_job_name"  # set on the task function by @job: only such tasks may be named by a schedule
_OTCSMS_PATH = re.compile(r"otcsms(?:\.[A-Za-z_][A-Za-z0-9_]*)+", re.ASCII)


class UnknownJobError(LookupError):
    """A schedule names something that is not a job."""


def resolve_job(task_path: str) -> Task:
    """The job task at ``task_path``. Only otcsms modules are imported: a path from the database must not
    make the worker import arbitrary code."""
    if not _OTCSMS_PATH.fullmatch(task_path):
        raise UnknownJobError(f"{task_path!r} is not an otcsms job")
    try:
        found = import_string(task_path)
    except ImportError:
        raise UnknownJobError(f"{task_path!r} does not exist") from None
    if not isinstance(found, Task) or not getattr(found.func, MARK, None):
        raise UnknownJobError(f"{task_path!r} is not a job (a function decorated with @job)")
    return found


def task_problem(task_path: str) -> str | None:
    try:
        resolve_job(task_path)
    except UnknownJobError as exc:
        return str(exc)
    return None
