"""The completeness trend: a daily snapshot per site, drawn as a server-side SVG line chart on the audit page."""

from __future__ import annotations

import datetime as dt
import re
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from otcsms.evidence.models import CompletenessSnapshot
from otcsms.evidence.tasks import snapshot_completeness


@pytest.mark.django_db
def test_the_page_draws_each_sites_daily_snapshots(client, site_a, a_contributor, b_viewer):
    today = timezone.localdate()
    snapshot_completeness(today)  # the job's daily snapshot, one per site
    score_today = CompletenessSnapshot.objects.get(site=site_a, taken_on=today).score
    for days, score in ((3, 40), (2, 55), (1, 70)):
        CompletenessSnapshot.objects.create(
            site=site_a, taken_on=today - dt.timedelta(days=days), score=score
        )
    client.force_login(a_contributor)
    page = client.get("/evidence/completeness/", {"site": site_a.pk}).content.decode()
    charts = re.findall(r'<figure class="trend"><svg .*?</svg>', page, flags=re.S)
    assert len(charts) == 1  # the chart kit's trend (ui.charts.trend_svg), every text escaped: well-formed
    chart = ElementTree.fromstring(charts[0].removeprefix('<figure class="trend">'))
    first = today - dt.timedelta(days=3)
    assert (
        chart.get("aria-label")
        == chart.find("title").text
        == (
            f"Completeness of {site_a.name}: 40% on {first:%Y-%m-%d}, {score_today}% on {today:%Y-%m-%d} (4 days)"
        )
    )
    points = [tuple(map(float, p.split(","))) for p in chart.find("polyline").get("points").split()]
    assert [x for x, _ in points] == sorted(x for x, _ in points) and len(points) == 4  # oldest first
    assert points[0][1] > points[1][1] > points[2][1]  # 40 < 55 < 70 %: higher on the page
    assert [c.find("title").text for c in chart.findall("circle")] == [  # every day a point with its score
        f"Completeness: {s}% on {today - dt.timedelta(days=d):%Y-%m-%d}" for d, s in ((3, 40), (2, 55), (1, 70), (0, score_today))
    ]  # fmt: skip
    assert "style=" not in charts[0] and "<script" not in charts[0]
    client.force_login(b_viewer)  # another site's reader sees no chart of site A
    assert f"Completeness of {site_a.name}" not in client.get("/evidence/completeness/").content.decode()
