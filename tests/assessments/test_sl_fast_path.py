"""The SL-A per zone and the heat map come from a fast path (plain values, the SL table prepared once per
catalog version, the zone tree walked once per zone): they must equal the straightforward computation, the
answers in force as inference reads them and SL-A by its definition, whatever the answers."""

from __future__ import annotations

import random

import pytest

from otcsms.assessments import inheritance, services, state
from otcsms.assessments.models import Response
from otcsms.assessments.results import STATUSES
from otcsms.assessments.scope import sl_catalog
from otcsms.iec62443.security_levels import MET_FOR_SL_A, SlRequirement
from otcsms.plant.models import Zone


def sl_a_by_definition(statuses: dict[str, str], catalog: list[SlRequirement]) -> tuple[int, ...]:
    """Per FR, the highest level L whose requirements (selected at any level up to L) exist and are all met."""
    levels = []
    for fr in range(1, 8):
        achieved = 0
        for level in range(1, 5):
            chosen = [r.id for r in catalog if r.fr == fr and any(1 <= s <= level for s in r.sl_selection)]
            if chosen and all(statuses.get(ref, "not_assessed") in MET_FOR_SL_A for ref in chosen):
                achieved = level
        levels.append(achieved)
    return tuple(levels)


@pytest.fixture
def tree(site_a, zones, parent_zone):
    """The parent zone above Control (FR1 and FR5 at SL 2) and the DMZ (SL 1); a zone with no SL-T below."""
    Zone.objects.create(site=site_a, name="Spare", parent=zones["control"])
    return [parent_zone, zones["control"], zones["dmz"]]


def test_sl_a_and_heat_map_equal_the_straightforward_computation(site_a, library, tree, a_contributor):
    assessment = services.create_assessment(site=site_a, framework=library["sr"], name="Fast path")
    requirements = list(library["sr"].requirements.filter(assessable=True))
    catalog = sl_catalog(services.framework_requirements(library["sr"]))
    scopes: list[Zone | None] = [None, *tree]
    rng = random.Random(62443)
    seen_levels = set()
    for _round in range(25):
        Response.objects.filter(assessment=assessment).delete()
        Response.objects.bulk_create([
            Response(site=site_a, assessment=assessment, requirement=req, zone=zone, status=rng.choice(STATUSES),
                     comment="why")
            for req in requirements for zone in scopes if rng.random() < 0.45
        ])  # fmt: skip
        slots = services.slots(assessment)
        expected = answers_in_force_by_walking(assessment, slots)
        assert expected == {
            zone.pk: {
                ref: s for (_fw, ref), s in services.answers_in_force(assessment).get(zone.pk, {}).items()
            }
            for zone in tree
        }  # the general path (inference, coverage, delta) agrees
        statuses, selected = services.zone_sl_statuses(assessment, services.zones_in_scope(assessment))
        for zone in tree:
            assert statuses[zone.pk] == expected[zone.pk]
            assert selected[zone.pk] == [s.ref for s in slots if s.zone_id == zone.pk]
        rows = {row.zone: row for row in services.heatmap(assessment)}
        assert set(rows) == {zone.pk for zone in tree}
        for zone in tree:
            assert rows[zone.pk].sl_a == sl_a_by_definition(expected[zone.pk], catalog)
            assert rows[zone.pk].sl_t == zone.sl_t
            seen_levels.add(rows[zone.pk].sl_a[0])
        heat = {zone.pk: cells for zone, cells in services.heat_rows(assessment)}
        for zone in tree:
            for cell in heat[zone.pk]:
                refs = [
                    s.ref for s in slots if s.zone_id == zone.pk and catalog_fr(catalog, s.ref) == cell.fr
                ]
                answered = [r for r in refs if expected[zone.pk].get(r, "not_assessed") != "not_assessed"]
                assert (cell.sl_a, cell.total, cell.answered) == (rows[zone.pk].sl_a[cell.fr - 1], len(refs),
                                                                  len(answered))  # fmt: skip
    # every outcome FR 1 allows was reached (nothing is first selected at SL 3 or 4: met at SL 2 is SL-A 4)
    assert seen_levels == {0, 1, 4}
    levels = services.diagram_levels(site_a)
    assert levels is not None and levels.by_zone == {
        row.zone: row.sl_a for row in services.heatmap(assessment)
    }


def answers_in_force_by_walking(assessment, slots) -> dict[int, dict[str, str]]:
    """Each zone's own statuses, and for each of its slots without a real answer the one found by walking up
    the tree slot by slot (``inheritance.effective``)."""
    direct = state.direct_answers(assessment)
    answered = {(ref, scope): s for scope, found in direct.items() for (_fw, ref), s in found.items()
                if s != "not_assessed"}  # fmt: skip
    found = {
        zone: {ref: s for (_fw, ref), s in statuses.items()} for zone, statuses in direct.items() if zone
    }
    pairs = [(s.ref, s.zone_id) for s in slots]
    for (ref, zone), effective in inheritance.effective(
        pairs, answered, services.zone_parents(assessment.site_id)
    ).items():
        if effective.inherited:
            found.setdefault(zone, {})[ref] = effective.answer
    return {zone: found.get(zone, {}) for zone in {s.zone_id for s in slots}}


def catalog_fr(catalog: list[SlRequirement], ref: str) -> int:
    return next(r.fr for r in catalog if r.id == ref)
