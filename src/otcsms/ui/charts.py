"""A small SVG chart kit for every app's pages and reports: drawn on the server (no script, no chart library,
nothing fetched), so the same markup works in a page, in a PDF (WeasyPrint draws SVG) and under the app's
Content-Security-Policy. Only presentation attributes (``stroke``, ``fill``), never ``style``.

Plain Python: dates and numbers in, markup out. ``trend_svg`` draws one line per series over time (the KPI
trends of the CSMS health page and the dashboard), ``spark_svg`` a tiny line for a table cell, and
``bars_svg`` horizontal bars with their values (counts by severity, coverage by framework).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from html import escape

# Colour-blind-safe (Okabe-Ito), readable in print.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#7f7f7f", "#f0e442")
SEVERITY_COLOURS = {"critical": "#7a1c0b", "high": "#d55e00", "medium": "#e69f00", "low": "#56b4e9",
                    "info": "#7f7f7f"}  # fmt: skip

Point = tuple[date | datetime, float]


def _day(value: date | datetime) -> float:
    """Days since the epoch (fractional for a date-time): the x of a point."""
    if isinstance(value, datetime):
        return value.timestamp() / 86400
    return float(value.toordinal() - 719163)  # date(1970, 1, 1).toordinal()


def _label(value: date | datetime) -> str:
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 or abs(value) >= 100 else f"{value:.1f}"


def trend_svg(
    series: Mapping[str, Sequence[Point]],
    *,
    title: str,
    unit: str = "",
    width: int = 560,
    height: int = 170,
) -> str:
    """One line per series (label -> points, any order), a shared time axis, the value axis from 0 (0-100 for
    a percentage), and a legend when there is more than one series; "" when there is no point at all."""
    lines = {name: sorted(points, key=lambda p: _day(p[0])) for name, points in series.items() if points}
    if not lines:
        return ""
    left, right, top = 40, 12, 10
    bottom = 24 + (16 * ((len(lines) + 2) // 3) if len(lines) > 1 else 0)
    xs = [_day(p[0]) for points in lines.values() for p in points]
    values = [p[1] for points in lines.values() for p in points]
    first, last = min(xs), max(xs)
    span = max(last - first, 1.0)
    top_value = 100.0 if unit == "%" else max(max(values), 1.0) * 1.1
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(x: float) -> float:
        return left + plot_w * (x - first) / span

    def y_of(v: float) -> float:
        return top + plot_h * (1 - min(max(v, 0.0), top_value) / top_value)

    suffix = "%" if unit == "%" else ""
    out = [
        f'<svg class="chart trend" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="10">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - fraction)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#dddddd"/>')
        out.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" fill="#555555">'
            f"{_number(top_value * fraction)}{suffix}</text>"
        )
    all_points = [p for points in lines.values() for p in points]
    earliest = min(all_points, key=lambda p: _day(p[0]))[0]
    latest = max(all_points, key=lambda p: _day(p[0]))[0]
    axis_y = top + plot_h + 14
    out.append(f'<text x="{left}" y="{axis_y}" fill="#555555">{_label(earliest)}</text>')
    out.append(
        f'<text x="{width - right}" y="{axis_y}" text-anchor="end" fill="#555555">{_label(latest)}</text>'
    )
    for i, (name, points) in enumerate(sorted(lines.items())):
        colour = SEVERITY_COLOURS.get(name, PALETTE[i % len(PALETTE)])
        coords = " ".join(f"{x_of(_day(d)):.1f},{y_of(v):.1f}" for d, v in points)
        if len(points) > 1:
            out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        d, v = points[-1]
        out.append(
            f'<circle cx="{x_of(_day(d)):.1f}" cy="{y_of(v):.1f}" r="3" fill="{colour}">'
            f"<title>{escape(name or title)}: {_number(v)}{suffix} on {_label(d)}</title></circle>"
        )
        if len(lines) > 1:
            lx = left + (i % 3) * (plot_w // 3)
            ly = top + plot_h + 30 + 16 * (i // 3)
            out.append(f'<rect x="{lx}" y="{ly - 8}" width="10" height="10" fill="{colour}"/>')
            out.append(f'<text x="{lx + 14}" y="{ly}">{escape((name or "all")[:30])}</text>')
    out.append("</svg>")
    return "".join(out)


def spark_svg(points: Sequence[Point], *, width: int = 90, height: int = 22, label: str = "trend") -> str:
    """A tiny line of ``points`` for a table cell (no axes); "" with fewer than two points."""
    if len(points) < 2:
        return ""
    ordered = sorted(points, key=lambda p: _day(p[0]))
    xs = [_day(p[0]) for p in ordered]
    values = [p[1] for p in ordered]
    low, high = min(values), max(values)
    span_x, span_y = max(xs[-1] - xs[0], 1.0), max(high - low, 1e-9)
    coords = " ".join(
        f"{1 + (width - 2) * (x - xs[0]) / span_x:.1f},{height - 2 - (height - 4) * (v - low) / span_y:.1f}"
        for x, v in zip(xs, values, strict=True)
    )
    return (
        f'<svg class="chart spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}"><polyline points="{coords}" fill="none" stroke="{PALETTE[0]}" '
        'stroke-width="1.5"/></svg>'
    )


def bars_svg(
    bars: Sequence[tuple[str, float]], *, title: str, unit: str = "", width: int = 420, row: int = 20,
    label_width: int = 150, colours: Mapping[str, str] | None = None,
) -> str:  # fmt: skip
    """Horizontal bars (label, value), each with its value at its end; "" when there is none."""
    if not bars:
        return ""
    top_value = 100.0 if unit == "%" else max(max(v for _, v in bars), 1.0)
    plot = width - label_width - 50
    height = row * len(bars) + 6
    suffix = "%" if unit == "%" else ""
    out = [
        f'<svg class="chart bars" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" font-family="sans-serif" font-size="10"><title>{escape(title)}</title>'
    ]
    for i, (name, value) in enumerate(bars):
        y = i * row + 3
        colour = (colours or SEVERITY_COLOURS).get(name, PALETTE[0])
        length = plot * min(max(value, 0.0), top_value) / top_value
        text = name if len(name) <= 28 else name[:27] + "…"
        out.append(f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end">{escape(text)}</text>')
        out.append(
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{row - 6}" fill="{colour}"/>'
        )
        out.append(f'<text x="{label_width + length + 4:.1f}" y="{y + 12}">{_number(value)}{suffix}</text>')
    out.append("</svg>")
    return "".join(out)
