"""Continuous checks of C10 (declared as checks_module in resilience/registry.py): drills overdue per the
site's cadence, and IR plans not tested within 15 months."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Max, Q
from django.utils import timezone

from otcsms.checks.engine import Problem, check
from otcsms.resilience import services, timing
from otcsms.resilience.models import Exercise, IrPlan
from otcsms.tenancy.models import Site


@check(
    id="resilience.drill-overdue",
    title="Incident response drill overdue",
    severity="high",
    requirements=(("nerc-cip", "CIP-008-6 R2.1"), ("iec62443-2-1-2024", "EVENT 1.8")),
    remediation="Schedule and hold a drill of the site's IR plan (Drills & incidents), or set the site's drill "
    "cadence if it differs.",
)
def drill_overdue(site: Site) -> Iterator[Problem]:
    due = services.drill_due(site)
    today = timezone.localdate()
    if due.overdue(today):
        last = f"the last was held on {due.last_held}" if due.last_held else "none has been held"
        yield Problem(
            site,
            f"a drill was due on {due.due} (every {due.cadence_months} months); {last}",
        )


@check(
    id="resilience.plan-not-tested",
    title="IR plan not tested in 15 months",
    severity="medium",
    requirements=(("nerc-cip", "CIP-008-6 R2.1"),),
    remediation="Hold a drill (or record a real incident handled) with the plan and link the exercise to it.",
)
def plan_not_tested(site: Site) -> Iterator[Problem]:
    today = timezone.localdate()
    limit = timing.add_months(today, -timing.PLAN_TEST_MONTHS)
    plans = (
        IrPlan.objects.filter(site=site, document__retired_at__isnull=True)
        .select_related("document")
        .annotate(last=Max("exercises__held_on", filter=Q(exercises__status=Exercise.Status.HELD)))
    )
    for plan in plans.order_by("pk"):
        created = timezone.localtime(plan.created_at).date()
        if plan.last is None and created < limit:
            yield Problem(plan, f"{plan} has never been tested in a drill (recorded on {created})")
        elif plan.last is not None and plan.last < limit:
            yield Problem(plan, f"{plan} was last tested on {plan.last}, more than 15 months ago")
