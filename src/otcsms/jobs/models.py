"""Schedules: which job runs when, and how its last run went.

A schedule names a job (a task of ``otcsms.jobs.definitions``) and its timing: a fixed interval or a cron
expression. Creating one and changing its timing, its enabled flag, or asking for a run is audited; the
bookkeeping written on every run (next slot, last result, failures) is not, or the trail would fill up
with clock ticks.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from otcsms.core.models import OrgWide
from otcsms.jobs import timing


class Schedule(OrgWide):
    class Result(models.TextChoices):
        NONE = "", "not run yet"
        OK = "ok", "ok"
        FAILED = "failed", "failed"

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=500, blank=True)
    task_path = models.CharField(
        max_length=200, help_text="The job's task, e.g. otcsms.jobs.tasks.run_checks."
    )
    interval_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(timing.MIN_INTERVAL_SECONDS),
            MaxValueValidator(timing.MAX_INTERVAL_SECONDS),
        ],
        help_text="Run every so many seconds (or give a cron expression instead).",
    )
    cron = models.CharField(
        max_length=timing.MAX_CRON_LENGTH,
        blank=True,
        help_text="minute hour day-of-month month day-of-week, in UTC (or give an interval instead).",
    )
    enabled = models.BooleanField(default=True)
    run_requested_at = models.DateTimeField(null=True, blank=True, help_text="Last 'run now' by a person.")
    # Bookkeeping, written by the scheduler and the jobs on every run (not audited):
    next_run_at = models.DateTimeField(default=timezone.now)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_task_id = models.CharField(max_length=64, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=10, choices=Result.choices, blank=True)
    last_message = models.CharField(max_length=500, blank=True)
    failure_count = models.PositiveIntegerField(default=0, help_text="Failures in a row.")
    last_skipped_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The last slot passed over because the previous run had not finished.",
    )

    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset(
        {"next_run_at", "last_enqueued_at", "last_task_id", "last_finished_at", "last_result", "last_message",
         "failure_count", "last_skipped_at"}
    )  # fmt: skip

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(interval_seconds__isnull=False) & models.Q(cron=""))
                | (models.Q(interval_seconds__isnull=True) & ~models.Q(cron="")),
                name="jobs_schedule_interval_or_cron",
                violation_error_message="give either an interval or a cron expression, not both",
            )
        ]

    def __str__(self) -> str:
        return f"schedule {self.name}"

    def clean(self) -> None:
        from otcsms.jobs.definitions import task_problem

        errors: dict[str, str] = {}
        if self.cron and (problem := timing.cron_problem(self.cron, timezone.now())):
            errors["cron"] = problem
        if (problem := task_problem(self.task_path)) is not None:
            errors["task_path"] = problem
        if errors:
            raise ValidationError(errors)

    def timing_label(self) -> str:
        if self.cron:
            return f"cron {self.cron} (UTC)"
        return timing.describe_interval(self.interval_seconds or 0)

    def first_slot(self, now: dt.datetime) -> dt.datetime:
        """When a new schedule, or one whose timing just changed, runs next: a cron schedule at its next
        matching time; an interval schedule one interval after its last run, or at once if that is past
        (or it never ran)."""
        if self.cron:
            return timing.next_cron(self.cron, now)
        if self.last_enqueued_at is None:
            return now
        return max(now, self.last_enqueued_at + dt.timedelta(seconds=self.interval_seconds or 0))

    def slot_after(self, now: dt.datetime) -> dt.datetime:
        """The slot that follows the one being claimed at ``now``."""
        if self.cron:
            return timing.next_cron(self.cron, now)
        return timing.next_interval_slot(self.next_run_at, self.interval_seconds or 0, now)

    def retrying(self) -> bool:
        return self.failure_count > 0
