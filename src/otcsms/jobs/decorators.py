"""Jobs: Django tasks that run as the worker actor and report how they went to their schedule.

A job is a module-level function decorated with ``@job("name")``. It is a plain Django task (``@task`` of
the Tasks API, so ``.enqueue()`` and every backend work as documented), whose body runs inside
``acting_as(worker_actor(name, task id))`` so that each of its writes is audited as ``worker:<name>``.
Enqueued by a schedule (``schedule_id=`` keyword), its outcome is written back to that schedule: the
message it returns, or the error it raised and when to retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

from otcsms.core.actor import acting_as, worker_actor
from otcsms.jobs import outcomes
from otcsms.jobs.definitions import MARK as _MARK
from otcsms.jobs.tasks_api import Task, TaskContext, task

JobFunction = Callable[..., str]


def job(name: str) -> Callable[[JobFunction], Task]:
    """Turn ``fn`` (returning a one-line summary) into a task run as the worker actor ``worker:name``."""

    def decorate(fn: JobFunction) -> Task:
        def run(context: TaskContext, schedule_id: int | None = None, **kwargs: Any) -> str:
            actor = worker_actor(name, context.task_result.id)
            with acting_as(actor):
                try:
                    message = fn(**kwargs)
                except BaseException as exc:  # interrupted runs too: they are retried like failures
                    outcomes.record_failure(schedule_id, exc)
                    raise
                outcomes.record_success(schedule_id, message)
            return message

        # The task is found again by its module path, so it must carry the job function's own name. No
        # functools.wraps: its __wrapped__ would make the Tasks API read fn's signature, which lacks context.
        run.__name__, run.__qualname__, run.__module__ = fn.__name__, fn.__qualname__, fn.__module__
        run.__doc__ = fn.__doc__
        setattr(run, _MARK, name)
        return task(run, takes_context=True, queue_name=settings.TASKS_QUEUE)

    return decorate
