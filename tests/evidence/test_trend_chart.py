"""The completeness trend: a daily snapshot per site, drawn as a server-side SVG line chart on the audit page."""

from __future__ import annotations

import datetime as dt
import re
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from otcsms.evidence.models import CompletenessSnapshot
from otcsms.evidence.tasks import snapshot_completeness
from otcsms.evidence.trend_chart import HEIGHT, percent_line_svg, y_of

SVG = "{http://www.w3.org/2000/svg}"


def test_the_chart_maps_percent_to_height_and_days_to_width():
    start = dt.date(2026, 11, 1)
    svg = percent_line_svg([(start + dt.timedelta(days=2), 50), (start, 100), (start + dt.timedelta(days=4), 0)],
                           label='Site <"A">')  # fmt: skip
    root = ElementTree.fromstring(svg)  # well-formed, the label escaped
    points = [tuple(map(float, p.split(","))) for p in root.find(f"{SVG}polyline").get("points").split()]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    assert xs == sorted(xs) and len(set(xs)) == 3  # oldest first, evenly by day
    assert ys == [y_of(100), y_of(50), y_of(0)] and y_of(100) < y_of(50) < y_of(0) < HEIGHT
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])
    assert root.find(f"{SVG}title").text == 'Site <"A">: 100% on 2026-11-01, 0% on 2026-11-05 (3 days)'
    assert "style=" not in svg and "<script" not in svg


def test_one_point_and_none():
    assert percent_line_svg([], label="x") == ""
    one = ElementTree.fromstring(percent_line_svg([(dt.date(2026, 1, 1), 40)], label="x"))
    assert one.find(f"{SVG}polyline") is None and len(one.findall(f"{SVG}circle")) == 1


@pytest.mark.django_db
def test_the_page_draws_each_sites_daily_snapshots(client, site_a, a_contributor, b_viewer):
    today = timezone.localdate()
    snapshot_completeness(today)  # the job's daily snapshot, one per site
    for days, score in ((3, 40), (2, 55), (1, 70)):
        CompletenessSnapshot.objects.create(
            site=site_a, taken_on=today - dt.timedelta(days=days), score=score
        )
    client.force_login(a_contributor)
    page = client.get("/evidence/completeness/", {"site": site_a.pk}).content.decode()
    charts = re.findall(r"<svg class=\"trend-chart\".*?</svg>", page, flags=re.S)
    assert len(charts) == 1
    chart = ElementTree.fromstring(charts[0])
    assert len(chart.find(f"{SVG}polyline").get("points").split()) == 4
    assert [c.find(f"{SVG}title").text for c in chart.findall(f"{SVG}circle")][:3] == [
        f"{today - dt.timedelta(days=d):%Y-%m-%d}: {s}%" for d, s in ((3, 40), (2, 55), (1, 70))]  # fmt: skip
    client.force_login(b_viewer)  # another site's reader sees no chart of site A
    assert f"Completeness of {site_a.name}" not in client.get("/evidence/completeness/").content.decode()
