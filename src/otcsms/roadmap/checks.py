"""Continuous checks of C9 (declared as checks_module in roadmap/registry.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from otcsms.assessments.kpis import zone_gaps
from otcsms.assessments.models import Response
from otcsms.checks.engine import Problem, check
from otcsms.iec62443.security_levels import sl_gap
from otcsms.links.models import ObjectLink
from otcsms.plant.models import Zone
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


@check(
    id="roadmap.sl-gap-without-action",
    title="Zone below its target security level without a planned roadmap action",
    severity="high",
    requirements=(("iec62443-3-2", "ZCR 6"), ("iec62443-2-1-2024", "ORG 2.1")),
    remediation="Plan an action that closes the zone's gap: from the assessment's gaps (roadmap suggestions) or "
    "by hand with the zone linked, then plan it (approvers).",
)
def sl_gap_without_action(site: Site) -> Iterator[Problem]:
    """Zones whose SL-A (from the assessment the plant diagram shows) is below their SL-T in some FR while no
    planned or started action of the site concerns the zone: linked to it, or answering a gap of it. A constant
    number of queries per site."""
    gaps = zone_gaps(site)
    short = {
        zone_id: sl_gap(target, achieved) for zone_id, (target, achieved) in gaps.items()
        if achieved is not None and any(sl_gap(target, achieved))
    }  # fmt: skip
    if not short:
        return
    covered = zones_with_planned_actions(site)
    zones = Zone.objects.in_bulk(list(short))
    for zone_id, gap in sorted(short.items(), key=lambda item: zones[item[0]].name):
        if zone_id in covered:
            continue
        missing = ", ".join(f"FR{i + 1} -{n}" for i, n in enumerate(gap) if n)
        yield Problem(
            zones[zone_id], f"{zones[zone_id].name}: SL-A below SL-T ({missing}) and no planned action"
        )


def zones_with_planned_actions(site: Site) -> set[int]:
    """Zones a planned or started action of the site concerns (linked to the zone or to one of its answers)."""
    planned = set(
        Action.objects.filter(site=site, status__in=(lifecycle.PLANNED, lifecycle.IN_PROGRESS)).values_list(
            "pk", flat=True
        )
    )
    if not planned:
        return set()
    action_type = ContentType.objects.get_for_model(Action)
    zone_type = ContentType.objects.get_for_model(Zone)
    response_type = ContentType.objects.get_for_model(Response)
    zones: set[int] = set()
    responses: set[int] = set()
    links = ObjectLink.objects.filter(site_id=site.pk, source_type=action_type, source_id__in=planned)
    for target_type, target_id in links.values_list("target_type_id", "target_id"):
        if target_type == zone_type.pk:
            zones.add(target_id)
        elif target_type == response_type.pk:
            responses.add(target_id)
    if responses:
        zones |= set(
            Response.objects.filter(pk__in=responses, zone_id__isnull=False).values_list("zone_id", flat=True)
        )
    return zones
