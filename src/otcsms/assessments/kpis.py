"""KPIs of the assessments (declared in assessments/registry.py: kpis): requirements met per framework, and
the gap between the zones' target and achieved security levels."""

from __future__ import annotations

from collections.abc import Hashable

from otcsms.assessments import results, services
from otcsms.assessments.models import Assessment
from otcsms.iec62443.security_levels import sl_gap
from otcsms.plant.models import SL_T_FIELDS, Zone
from otcsms.tenancy.models import Site


def latest_per_framework(site: Site) -> list[Assessment]:
    """The site's newest assessment of each framework (one query)."""
    latest: dict[int, Assessment] = {}
    for assessment in (
        Assessment.objects.filter(site=site).select_related("framework").order_by("started_on", "pk")
    ):
        latest[assessment.framework_id] = assessment
    return list(latest.values())


def requirements_met(site: Site) -> dict[str, float] | None:
    """Per framework assessed at the site, the share of its applicable requirements met (percent), from its
    newest assessment's own answers (inherited ones included; no inference to other frameworks: that is the
    coverage report's); None when the site has no assessment. A few queries per framework assessed."""
    assessments = latest_per_framework(site)
    if not assessments:
        return None
    found: dict[str, float] = {}
    for assessment in assessments:
        own = assessment.framework
        universe = [(slot.zone_id, (own.key, slot.ref)) for slot in services.slots(assessment)]
        outcomes: dict[tuple[Hashable, tuple[str, str]], results.Outcome] = {
            (scope, key): results.Outcome(status)
            for scope, answers in services.answers_in_force(assessment).items()
            for key, status in answers.items()
        }
        coverage = results.coverage(universe, outcomes, services.requirement_meta(own)).get(own.key)
        found[own.name] = round(100 * coverage.overall.share("met"), 1) if coverage is not None else 0.0
    return found


def zone_gaps(site: Site) -> dict[int, tuple[tuple[int, ...], tuple[int, ...] | None]]:
    """Per zone with an SL-T: (SL-T, SL-A or None when no assessment gives one)."""
    achieved = services.diagram_levels(site)
    by_zone = achieved.by_zone if achieved is not None else {}
    found: dict[int, tuple[tuple[int, ...], tuple[int, ...] | None]] = {}
    for pk, *levels in Zone.objects.filter(site=site).values_list("pk", *SL_T_FIELDS):
        if None not in levels:  # the zone's SL-T (Zone.sl_t), read as plain values
            found[pk] = (tuple(levels), tuple(by_zone[pk]) if pk in by_zone else None)
    return found


def sl_gap_levels(site: Site) -> float | None:
    """Security levels still missing, summed over every zone and foundational requirement (SL-T minus SL-A);
    None when no IEC 62443-3-3 assessment gives an SL-A."""
    gaps = zone_gaps(site)
    assessed = [(target, achieved) for target, achieved in gaps.values() if achieved is not None]
    if not assessed:
        return None
    return float(sum(sum(sl_gap(target, achieved)) for target, achieved in assessed))
