"""The plant diagram colours zones by the SL-A of the site's IEC 62443-3-3 assessment (handed down at start-up)."""

from __future__ import annotations

from tests.conftest import make_user

from otcsms.assessments import services, signoff
from otcsms.plant import services as plant_services
from otcsms.plant.diagram import Standing, standing


def zone_statement(source: str, zone) -> str:
    return next(line for line in source.splitlines() if f'id="zone-{zone.pk}"' in line)


def answer_all(assessment, zone, status, user) -> None:
    answers = [
        services.Answer(slot.requirement_id, zone.pk, status)
        for slot in services.slots(assessment)
        if slot.zone_id == zone.pk
    ]
    services.set_responses(assessment, answers, user)


def test_without_an_assessment_zones_are_coloured_by_their_sl_t(site_a, zones):
    dot = plant_services.diagram_dot(site_a)
    assert f'fillcolor="{Standing.NOT_ASSESSED.fill}"' in zone_statement(dot.source, zones["control"])
    assert "no IEC 62443-3-3 assessment of these zones" in dot.source


def test_zones_carry_the_sl_a_of_the_latest_assessment_and_the_legend_names_it(
    site_a, library, zones, a_contributor
):
    baseline = services.create_assessment(site=site_a, framework=library["sr"], name="2026 baseline")
    answer_all(baseline, zones["dmz"], "met", a_contributor)
    levels = {row.zone: row.sl_a for row in services.heatmap(baseline)}
    dot = plant_services.diagram_dot(site_a)
    for zone in zones.values():
        line = zone_statement(dot.source, zone)
        sl_a = levels[zone.pk]
        assert f'fillcolor="{standing(zone.sl_t, sl_a).fill}"' in line
        shown = str(sl_a[0]) if len(set(sl_a)) == 1 else "·".join(map(str, sl_a))
        assert f"SL-A {shown}<" in line
    assert levels[zones["dmz"].pk] != levels[zones["control"].pk]
    assert (
        "SL-A from the assessment “2026 baseline” (in progress: requirements not answered yet" in dot.source
    )


def test_a_completed_assessment_is_preferred_to_a_newer_one_in_progress(
    site_a, library, zones, a_contributor
):
    approver = make_user("april", roles={site_a: "approver"})
    signed = services.create_assessment(site=site_a, framework=library["sr"], name="Signed off")
    answer_all(signed, zones["control"], "met", a_contributor)
    signoff.complete_assessment(signed, approver)
    services.create_assessment(site=site_a, framework=library["sr"], name="Next year")
    source = plant_services.diagram_dot(site_a).source
    assert "SL-A from the assessment “Signed off” (completed " in source and "Next year" not in source


def test_an_assessment_of_another_site_or_framework_is_not_used(site_a, site_b, library, zones):
    services.create_assessment(site=site_b, framework=library["sr"], name="Site B baseline")
    services.create_assessment(site=site_a, framework=library["nist"], name="NIST review")
    source = plant_services.diagram_dot(site_a).source
    assert "Site B baseline" not in source and "NIST review" not in source
    assert "no IEC 62443-3-3 assessment of these zones" in source
