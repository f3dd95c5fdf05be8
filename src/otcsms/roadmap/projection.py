"""The SL-A each zone would reach once the roadmap is done: the assessment's answers in force, with every
requirement an action will satisfy counted as met where the action answers it.

Where an action answers a requirement: the zones of the gaps it came from (its ``source`` links to responses;
a site-wide answer covers every zone), else every zone of the assessment. Cancelled actions count for nothing.
Only zone-based frameworks (62443-3-3) have an SL-A; for the others the list is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType

from otcsms.assessments.models import Assessment, Response
from otcsms.assessments.scope import sl_catalog
from otcsms.assessments.services import answers_in_force, framework_requirements, zones_in_scope
from otcsms.iec62443.security_levels import SlVector, achieved_sl
from otcsms.links.models import LinkKind, ObjectLink
from otcsms.plant.models import Zone
from otcsms.roadmap import lifecycle
from otcsms.roadmap.models import Action, ActionRequirement


@dataclass(frozen=True, slots=True)
class ProjectedZone:
    zone: Zone
    sl_t: SlVector
    sl_a_now: SlVector
    sl_a_after: SlVector

    @property
    def reaches_target(self) -> bool:
        return all(a >= t for a, t in zip(self.sl_a_after, self.sl_t, strict=True))


def latest_zone_assessment(site_id: int) -> Assessment | None:
    """The site's most recent assessment of a framework with security levels (the one SL-A comes from)."""
    found: Assessment | None = (
        Assessment.objects.filter(site_id=site_id, framework__key="iec62443-3-3")
        .select_related("framework")
        .order_by("-started_on", "-pk")
        .first()
    )
    return found


def projected_levels(assessment: Assessment) -> list[ProjectedZone]:
    zones = {z.pk: z for z in zones_in_scope(assessment) if z.sl_t is not None}
    if not zones:
        return []
    catalog = sl_catalog(framework_requirements(assessment.framework))
    answers = answers_in_force(assessment)
    now = {pk: {ref: s for (_fw, ref), s in answers.get(pk, {}).items()} for pk in zones}
    after = {pk: dict(statuses) for pk, statuses in now.items()}
    for ref, zone_ids in _covered(assessment, set(zones)).items():
        for pk in zone_ids:
            if after[pk].get(ref) != "not_applicable":
                after[pk][ref] = "met"
    return [
        ProjectedZone(zone, zone.sl_t, achieved_sl(now[pk], catalog), achieved_sl(after[pk], catalog))
        for pk, zone in sorted(zones.items(), key=lambda item: item[1].name)
        if zone.sl_t is not None
    ]


def _covered(assessment: Assessment, zone_ids: set[int]) -> dict[str, set[int]]:
    """Requirement ref -> the zones where a roadmap action of the site will satisfy it."""
    actions = set(
        Action.objects.filter(site_id=assessment.site_id)
        .exclude(status=lifecycle.CANCELLED)
        .values_list("pk", flat=True)
    )
    refs_of: dict[int, set[str]] = {}
    for action_id, ref in ActionRequirement.objects.filter(
        action_id__in=actions, requirement__framework_id=assessment.framework_id
    ).values_list("action_id", "requirement__ref"):
        refs_of.setdefault(action_id, set()).add(ref)
    zones_of: dict[int, set[int]] = {}
    sources = ObjectLink.objects.filter(
        site_id=assessment.site_id, kind=LinkKind.SOURCE, source_id__in=list(refs_of),
        source_type=ContentType.objects.get_for_model(Action),
        target_type=ContentType.objects.get_for_model(Response),
    ).values_list("source_id", "target_id")  # fmt: skip
    response_zone = dict(Response.objects.filter(assessment=assessment).values_list("pk", "zone_id"))
    for action_id, response_id in sources:
        if response_id in response_zone:
            zone = response_zone[response_id]
            zones_of.setdefault(action_id, set()).update(zone_ids if zone is None else {zone})
    covered: dict[str, set[int]] = {}
    for action_id, refs in refs_of.items():
        where = zones_of.get(action_id, zone_ids) & zone_ids
        for ref in refs:
            covered.setdefault(ref, set()).update(where)
    return covered
