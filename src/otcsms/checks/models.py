"""Findings of the continuous checks, and the record of each check run.

A finding is written by a check run (``checks.engine``) and accepted by an approver
(``checks.services``); nothing else changes it, and it is never deleted: it is the record of when a
problem was found, accepted and fixed. Its status moves only as ``checks.lifecycle`` allows.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from otcsms.checks import lifecycle
from otcsms.core.models import SiteOwned


class Severity(models.TextChoices):
    INFO = "info", "Info"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


# Most severe first: lists, counts and the dashboard read severities in this order.
SEVERITY_ORDER: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
FAILING_SEVERITIES: frozenset[str] = frozenset({"critical", "high"})  # `otcsms check` exits 1 on these


class Finding(SiteOwned):
    """A problem one check reports about one object of a site, from when it was first seen until it is gone."""

    class Status(models.TextChoices):
        OPEN = lifecycle.OPEN, "Open"
        ACCEPTED = lifecycle.ACCEPTED, "Risk accepted"
        CLOSED = lifecycle.CLOSED, "Closed"

    check_id = models.CharField(max_length=100, help_text="The id of the check in the registry.")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    object_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=200, help_text="The object as it was named when last reported.")
    message = models.CharField(max_length=500)
    requirements = models.JSONField(
        default=list,
        blank=True,
        help_text="The requirements this finding is a gap in: [[framework key, ref]].",
    )
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_until = models.DateTimeField(null=True, blank=True)
    acceptance_reason = models.TextField(blank=True, max_length=1000)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The closed finding of the same problem, when it came back.",
    )  # fmt: skip

    # Every run touches last_seen of every live finding: recording that would bury the trail in noise.
    # What the trail needs is there: when the finding opened, was accepted, reopened and closed.
    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset({"last_seen"})

    class Meta:
        ordering = ["-first_seen", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_id", "object_type", "object_id"],
                condition=Q(status__in=lifecycle.LIVE),
                name="one_live_finding_per_check_and_object",
                violation_error_message="this check already has a live finding for this object",
            ),
            models.CheckConstraint(condition=Q(status__in=lifecycle.STATES), name="finding_status_known"),
        ]
        indexes = [
            models.Index(fields=["site", "status", "severity"], name="checks_finding_site_status"),
            models.Index(fields=["object_type", "object_id"], name="checks_finding_object"),
            models.Index(fields=["check_id", "status"], name="checks_finding_check"),
        ]

    def __str__(self) -> str:
        return f"{self.check_id}: {self.object_repr}"

    @property
    def live(self) -> bool:
        return self.status in lifecycle.LIVE

    @property
    def object_label(self) -> str:
        """``app.model`` of the object, as the API and the history pages name kinds of records."""
        content_type = ContentType.objects.get_for_id(self.object_type_id)
        return f"{content_type.app_label}.{content_type.model}"

    def target(self) -> models.Model | None:
        model = ContentType.objects.get_for_id(self.object_type_id).model_class()
        return None if model is None else model._base_manager.filter(pk=self.object_id).first()


class CheckRun(SiteOwned):
    """One run of every registered check on one site: what each check did, and the errors of those that raised."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, help_text="Who started it: a user, the CLI, the worker.")
    results = models.JSONField(
        default=list, blank=True,
        help_text='Per check: {"check", "status": "ok" | "error", "problems", "error"}.',
    )  # fmt: skip
    opened = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "check run"
        indexes = [models.Index(fields=["site", "started_at"], name="checks_checkrun_site_started")]

    def __str__(self) -> str:
        return f"check run on site {self.site_id} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def failed_checks(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r.get("status") == "error"]
