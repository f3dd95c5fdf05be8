"""Which requirements an assessment covers, where (zone or site), and at which security level.

- IEC 62443-3-3 is assessed per zone: an SR or RE is in scope for a zone when it is selected at the zone's
  SL-T for the SR's foundational requirement (Annex B).
- NERC CIP follows the site's impact rating where a requirement states one.
- Every other framework is assessed once for the site: all its assessable requirements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from otcsms.iec62443.security_levels import SlRequirement, requirements_in_scope, sl_table

ZONE_FRAMEWORKS = frozenset({"iec62443-3-3"})
SITE = None  # the scope of site-level answers


@dataclass(frozen=True, slots=True)
class Slot:
    """One requirement to answer in one place."""

    requirement_id: int
    ref: str
    zone_id: int | None
    sl_required: int | None = None


def is_zone_based(framework_key: str) -> bool:
    return framework_key in ZONE_FRAMEWORKS


def sl_catalog(requirements: Iterable) -> list[SlRequirement]:
    """The SL selection table of a 62443-3-3 version, from its requirements' attributes."""
    return [
        SlRequirement(r.ref, int(r.attributes["fr"]), frozenset(r.attributes.get("sl_selection", ())))
        for r in requirements
        if r.assessable and "fr" in (r.attributes or {})
    ]


def lowest_level(requirement) -> int | None:
    levels = (requirement.attributes or {}).get("sl_selection") or ()
    return min(levels) if levels else None


def slots_for(assessment, zones: Sequence, requirements: Sequence) -> list[Slot]:
    """Every slot of ``assessment``; ``zones`` are its zones in scope, ``requirements`` its framework's rows."""
    key = assessment.framework.key
    assessable = [r for r in requirements if r.assessable]
    if is_zone_based(key):
        table = sl_table(sl_catalog(assessable))
        by_ref = {r.ref: r for r in assessable}
        slots = []
        for zone in zones:
            if zone.sl_t is None:  # no SL-T chosen yet: nothing is selected for this zone
                continue
            for ref in requirements_in_scope(zone.sl_t, table):
                req = by_ref[ref]
                slots.append(Slot(req.pk, ref, zone.pk, lowest_level(req)))
        return slots
    if key.startswith("nerc-cip") and assessment.target_impact:
        assessable = [r for r in assessable if applies_to_impact(r, assessment.target_impact)]
    return [Slot(r.pk, r.ref, SITE) for r in assessable]


def applies_to_impact(requirement, impact: str) -> bool:
    stated = (requirement.attributes or {}).get("impact")
    return not stated or impact in stated
