"""The chart kit (ui.charts): every label escaped, sizes from the data, one SVG element with no URL in it."""

from __future__ import annotations

import re

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
        [charts.Cell(0, "#fff"), charts.Cell(3, "#f00", HOSTILE)],
        [charts.Cell(1, "#0f0"), charts.Cell(0, "#00f")],
    ]
    svg = charts.heat_grid(rows, row_labels=["2 high", "1 low"], column_labels=["1", "2"], title=HOSTILE)
    one_svg(svg)
    assert svg.count("<rect") == 4
    assert re.findall(r'font-weight="bold">(\d+)</text>', svg) == ["3", "1"]
    assert "&lt;script&gt;" in svg and "<script>" not in svg


def test_stacked_bars_take_other_parts_and_colours():
    svg = charts.stacked_bars(
        [charts.Bar("a", {"x": 1, "y": 3})], colours={"x": "#111111", "y": "#222222"}, labels={"x": "X", "y": "Y"},
        share_of="y", title="mine",
    )  # fmt: skip
    one_svg(svg)
    assert "75 %" in svg and 'fill="#222222"' in svg and ">Y<" in svg
