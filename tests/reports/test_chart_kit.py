"""The chart kit (ui.charts): every label escaped, sizes from the data, one SVG element with no URL in it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest

from otcsms.ui import charts

HOSTILE = '<script>alert(1)</script> & "quoted" </svg>'


def one_svg(svg: str) -> None:
    assert svg.startswith("<svg") and svg.endswith("</svg>") and svg.count("<svg") == 1
    assert svg.count("</svg>") == 1 and "<script" not in svg and "xmlns" not in svg
    assert not re.search(r"(?:href|src)\s*=", svg)


def test_bars_scale_to_the_largest_value_and_escape_labels():
    svg = charts.bars(
        [charts.Value(HOSTILE, 50), charts.Value("half", 25, "#123456"), charts.Value("none", 0)],
        title=HOSTILE,
    )
    one_svg(svg)
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert len(widths) == 2 and widths[0] == 2 * widths[1]  # no bar for 0
    assert "&lt;script&gt;" in svg and ">50<" in svg and ">0<" in svg
    one_svg(charts.bars([], title="empty"))


def test_heat_grid_shows_counts_only_where_there_are_some():
    rows = [
        [charts.Cell("#fff", (charts.Count(0),)), charts.Cell("#f00", (charts.Count(3, "three"),), HOSTILE)],
        [charts.Cell("#0f0", (charts.Count(1),)), charts.Cell("#00f")],
    ]
    svg = charts.heat_grid(rows, row_labels=["2 high", "1 low"], column_labels=["1", "2"], title=HOSTILE)
    one_svg(svg)
    assert svg.count("<rect") == 4
    assert re.findall(r'font-weight="bold">(\d+)', svg) == ["3", "1"]
    assert "<title>three</title>" in svg
    assert "&lt;script&gt;" in svg and "<script>" not in svg


def test_heat_grid_counts_side_by_side_link_where_given():
    cell = charts.Cell(
        "#f00", (charts.Count(2, "before", "/list?a=1&b=2"), charts.Count(1, "after", "/list?c=3"))
    )
    blank = charts.Cell(
        "#fff", (charts.Count(0, "none before", "/x"), charts.Count(4, "after", '/y"><script>'))
    )
    svg = charts.heat_grid([[cell, blank]], row_labels=["1"], column_labels=["1", "2"], title="t")
    chart = ElementTree.fromstring(svg)  # well-formed, every attribute quoted
    links = [(a.get("href"), "".join(a.find("text").itertext())) for a in chart.iter("a")]
    assert links == [("/list?a=1&b=2", "2before"), ("/list?c=3", "/1after"), ('/y"><script>', "/4after")]


def test_stacked_bars_take_other_parts_and_colours():
    svg = charts.stacked_bars(
        [charts.Bar("a", {"x": 1, "y": 3})], colours={"x": "#111111", "y": "#222222"}, labels={"x": "X", "y": "Y"},
        share_of="y", title="mine",
    )  # fmt: skip
    one_svg(svg)
    assert "75 %" in svg and 'fill="#222222"' in svg and ">Y<" in svg


def test_trend_marks_the_last_point_or_every_point_with_its_value_and_day():
    start = date(2026, 11, 1)
    points = [(start + timedelta(days=2), 50.0), (start, 100.0), (start + timedelta(days=4), 0.0)]
    last_only = ElementTree.fromstring(charts.trend_svg({HOSTILE: points}, title=HOSTILE, unit="%"))
    assert [c.find("title").text for c in last_only.iter("circle")] == [f"{HOSTILE}: 0% on 2026-11-05"]
    every = charts.trend_svg({"Score": points}, title="t", unit="%", every_point=True)
    one_svg(every)
    chart = ElementTree.fromstring(every)
    assert [c.find("title").text for c in chart.iter("circle")] == [
        "Score: 100% on 2026-11-01", "Score: 50% on 2026-11-03", "Score: 0% on 2026-11-05"]  # fmt: skip
    xy = [(float(c.get("cx")), float(c.get("cy"))) for c in chart.iter("circle")]
    assert xy[1][0] - xy[0][0] == pytest.approx(xy[2][0] - xy[1][0])  # evenly by day
    assert xy[0][1] < xy[1][1] < xy[2][1]  # 100 % at the top
    assert xy[1][1] == pytest.approx((xy[0][1] + xy[2][1]) / 2)
    single = ElementTree.fromstring(charts.trend_svg({"Score": points[:1]}, title="t", every_point=True))
    assert single.find("polyline") is None and len(single.findall("circle")) == 1
