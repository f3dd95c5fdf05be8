"""Continuous checks of C9 (declared as checks_module in roadmap/registry.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from otcsms.checks.engine import Problem, check
from otcsms.roadmap import lifecycle
from otcsms.roadmap.models import Action
from otcsms.tenancy.models import Site


@check(
    id="roadmap.action-overdue",
    title="Roadmap action past its due date",
    severity="medium",
    requirements=(("iec62443-2-1-2024", "ORG 2.1"),),
    remediation="Finish the action, give it a new due date, or cancel it with the reason; then plan again.",
)
def actions_overdue(site: Site) -> Iterator[Problem]:
    today = timezone.localdate()
    late = Action.objects.filter(site=site, status__in=lifecycle.OPEN, due_on__lt=today).select_related(
        "owner"
    )
    for action in late.order_by("due_on", "pk"):
        owner = f", owner {action.owner}" if action.owner_id else ", no owner"
        yield Problem(
            action,
            f"{action.title} was due on {action.due_on} and is {action.get_status_display().lower()}{owner}",
        )
