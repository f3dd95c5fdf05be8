"""The answer page's guidance panel and FR/failing filters; the overview's SL heat map states and click-through."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from otcsms.assessments import services, snapshot
from otcsms.assessments.results import HeatCell
from otcsms.catalogs.models import Framework, Requirement
from otcsms.plant.models import Zone

GUIDANCE = {
    "good": "Every human is identified before access.", "evidence": ["Account list"],
    "pitfalls": ["Shared operator accounts"], "source": "otcsms authors", "verified": False,
}  # fmt: skip


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def assessment(site_a, library, zones, a_contributor):
    return services.create_assessment(
        site=site_a, framework=library["sr"], name="Baseline", assessor=a_contributor
    )


def answer(assessment, library, user, zone, **statuses):
    reqs = {r.ref: r.pk for r in library["sr"].requirements.all()}
    answers = [
        services.Answer(reqs[ref.replace("_", " ")], zone.pk, status) for ref, status in statuses.items()
    ]
    services.set_responses(assessment, answers, user)


def slots_on(page: str) -> list[str]:
    return re.findall(r'<tr data-slot="([^"]+)"', page)


# --- guidance -------------------------------------------------------------------------------------


def test_guidance_panel_only_on_rows_whose_requirement_has_guidance(
    a_contributor, assessment, library, zones
):
    sr11 = library["sr"].requirements.get(ref="SR 1.1")
    sr11.guidance = GUIDANCE
    sr11.save()
    page = (
        logged_in(a_contributor).get(reverse("web:assessment_answer", args=[assessment.pk])).content.decode()
    )
    rows = page.split("<tr data-slot=")[1:]
    with_panel = [row for row in rows if 'class="guidance-panel"' in row]
    assert len(with_panel) == 2  # SR 1.1 in both zones, nothing else
    assert all("<code>SR 1.1</code>" in row for row in with_panel)
    assert "<details" in with_panel[0] and "Shared operator accounts" not in with_panel[0]
    assert "<details open" not in page  # collapsed until opened
    # the text is on the page once for the requirement, not once per zone: the script copies it into a row's
    # panel when that is opened (tests/e2e/test_assessment.py opens it)
    assert page.count("Shared operator accounts") == 1
    template = page[page.index(f'<template id="guidance-text-{sr11.pk}">') :]
    assert "Shared operator accounts" in template[: template.index("</template>")]
    ids = re.findall(r'id="(guidance-[^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert "<kbd>g</kbd>" in page


def test_guidance_from_another_version_is_shown_in_few_queries(a_contributor, assessment, library, zones):
    older = Framework.objects.create(
        key="iec62443-3-3", version="0", name="old", edition="0", publisher="t", licence="t", origin="shipped",
        content_hash="old", is_current=False,
    )  # fmt: skip
    Requirement.objects.create(
        framework=older, ref="SR 1.3", title="x", kind="x", position=0, assessable=True, guidance=GUIDANCE
    )
    with CaptureQueriesContext(connection) as queries:
        page = (
            logged_in(a_contributor)
            .get(reverse("web:assessment_answer", args=[assessment.pk]))
            .content.decode()
        )
    assert page.count('class="guidance-panel"') == 2  # SR 1.3 in both zones, inherited
    assert "from version 0 of this framework" in page
    assert sum('"guidance"' in q["sql"] for q in queries.captured_queries) <= 2


# --- answer page filters --------------------------------------------------------------------------


def test_fr_and_failing_filters(a_contributor, assessment, library, zones):
    control = zones["control"]
    answer(
        assessment,
        library,
        a_contributor,
        control,
        **{"SR_1.1": "met", "SR_1.3": "met", "SR_1.1_RE_1": "not_met"},
    )
    url = reverse("web:assessment_answer", args=[assessment.pk])
    client = logged_in(a_contributor)
    ids = {r.ref: r.pk for r in library["sr"].requirements.all()}
    fr1 = slots_on(client.get(url, {"zone": control.pk, "fr": 1}).content.decode())
    assert fr1 == [
        f"{ids['SR 1.1']}:{control.pk}",
        f"{ids['SR 1.1 RE 1']}:{control.pk}",
        f"{ids['SR 1.3']}:{control.pk}",
    ]
    failing = slots_on(client.get(url, {"zone": control.pk, "fr": 1, "failing": 1}).content.decode())
    assert failing == [f"{ids['SR 1.1 RE 1']}:{control.pk}"]
    fr5 = slots_on(client.get(url, {"zone": control.pk, "fr": 5, "failing": 1}).content.decode())
    assert fr5 == [f"{ids['SR 5.1']}:{control.pk}", f"{ids['SR 5.1 RE 1']}:{control.pk}"]  # unanswered: open


@pytest.mark.parametrize("hostile", [
    {"fr": "8"}, {"fr": "0"}, {"fr": "-1"}, {"fr": "١"}, {"fr": "1\x00"}, {"fr": "9" * 400}, {"fr": "1e0"},
    {"fr": "<script>alert(1)</script>"}, {"failing": "yes"}, {"failing": "<b>1</b>"}, {"zone": "1 OR 1=1"},
    {"zone": "99999999999999999999999"}, {"zone": "../../"},
])  # fmt: skip
def test_hostile_filter_values_are_ignored(a_contributor, assessment, hostile):
    url = reverse("web:assessment_answer", args=[assessment.pk])
    client = logged_in(a_contributor)
    everything = slots_on(client.get(url).content.decode())
    r = client.get(url, hostile)
    if r.status_code == 400:  # refused before the view (a NUL byte): fine
        return
    assert r.status_code == 200
    page = r.content.decode()
    assert slots_on(page) == everything
    assert "<script>alert" not in page and "<b>1</b>" not in page


def test_fr_filter_is_ignored_for_a_site_wide_framework(a_contributor, site_a, library):
    a = services.create_assessment(
        site=site_a, framework=library["nist"], name="NIST", assessor=a_contributor
    )
    url = reverse("web:assessment_answer", args=[a.pk])
    client = logged_in(a_contributor)
    assert slots_on(client.get(url, {"fr": 1}).content.decode()) == slots_on(client.get(url).content.decode())


# --- heat map -------------------------------------------------------------------------------------


def cells(assessment) -> dict[tuple[str, int], HeatCell]:
    return {(zone.name, cell.fr): cell for zone, row in services.heat_rows(assessment) for cell in row}


def test_heat_map_states_and_share_answered(a_contributor, assessment, library, zones, site_a):
    control, dmz = zones["control"], zones["dmz"]
    quiet = Zone(site=site_a, name="Quiet", sl_t_reason="Nothing critical")
    quiet.sl_t = (0, 0, 0, 0, 1, 0, 0)
    quiet.save()
    # A zone added after the assessment started joins its scope when someone rescopes it.
    assert ("Quiet", "SR 5.1") in snapshot.scope_changes(assessment).added
    assessment = snapshot.rescope(assessment, a_contributor)
    answer(
        assessment,
        library,
        a_contributor,
        control,
        **{"SR_1.1": "met", "SR_1.3": "met", "SR_1.1_RE_1": "not_met"},
    )
    answer(assessment, library, a_contributor, control, **{"SR_5.1": "not_met"})
    answer(assessment, library, a_contributor, dmz, **{"SR_1.1": "met", "SR_1.3": "met"})
    answer(assessment, library, a_contributor, quiet, **{"SR_5.1": "not_assessed"})
    c = cells(assessment)
    assert (c["Control", 1].state, c["Control", 1].sl_a, c["Control", 1].percent) == ("short1", 1, 100)
    assert (c["Control", 5].state, c["Control", 5].sl_a, c["Control", 5].percent) == ("short2", 0, 50)
    assert (c["OT DMZ", 1].state, c["OT DMZ", 1].percent) == ("met", 100)
    assert (c["OT DMZ", 5].state, c["OT DMZ", 5].percent) == ("unassessed", 0)
    assert c["Quiet", 5].state == "unassessed"  # an explicit "not assessed" is no answer
    assert c["Quiet", 1].state == "none"
    assert c["OT DMZ", 2].percent is None  # the test catalog selects nothing in FR 2

    page = (
        logged_in(a_contributor).get(reverse("web:assessment_detail", args=[assessment.pk])).content.decode()
    )
    legend = page[page.index('id="heat-legend"') :]
    for words in [
        "target met",
        "one level short",
        "two or more levels short",
        "not assessed: no answers yet",
    ]:
        assert words in legend
    answer_url = reverse("web:assessment_answer", args=[assessment.pk])
    assert f'href="{answer_url}?zone={control.pk}&amp;fr=1&amp;failing=1"' in page
    assert f'href="{answer_url}?zone={dmz.pk}&amp;fr=1"' in page  # met: the whole FR to review
    assert "50% answered" in page and 'data-state="short2"' in page and 'data-state="unassessed"' in page


def test_heat_cell_link_lists_the_cells_failing_requirements(a_contributor, assessment, library, zones):
    control = zones["control"]
    answer(assessment, library, a_contributor, control, **{"SR_5.1": "met", "SR_5.1_RE_1": "partially_met"})
    client = logged_in(a_contributor)
    page = client.get(reverse("web:assessment_detail", args=[assessment.pk])).content.decode()
    link = re.search(rf'href="([^"]*\?zone={control.pk}&amp;fr=5&amp;failing=1)"', page).group(1)
    rows = slots_on(client.get(link.replace("&amp;", "&")).content.decode())
    re1 = library["sr"].requirements.get(ref="SR 5.1 RE 1").pk
    assert rows == [f"{re1}:{control.pk}"]
