"""A small chart kit: inline SVG drawn on the server (no chart library, no script, nothing fetched), the same
markup in a page, a standalone HTML report and its PDF (WeasyPrint draws inline SVG), allowed by the pages'
Content-Security-Policy (presentation attributes only, never ``style``). Pure: no Django.

Every chart returns one ``<svg>`` element as text, without an ``xmlns`` (inline SVG in HTML needs none, and a
chart holds no URL but the links a page gives a heat grid's counts); every text it is given is escaped. The shapes:

* ``stacked_bars``  horizontal 100 % stacked bars with a legend (coverage per framework);
* ``bars``          horizontal bars of values, one colour each (cost per phase, drift or findings by severity);
* ``heat_grid``     a likelihood x consequence grid of coloured, counted cells, the counts optionally links (the
                    risk heat map of the page and of the risk register);
* ``trend_svg``     one line per series over time (the KPI trends of the CSMS health page and the dashboard, the
                    evidence completeness trend, the roadmap's burn-down of gaps);
* ``spark_svg``     a tiny line for a table cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

FONT = 'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"'

# Assessment statuses, readable in print and by the colour-blind (blue / orange / red-brown / grey).
STATUS_COLOURS = {
    "met": "#1f6fb2",
    "partially_met": "#e69f00",
    "not_met": "#a23b1b",
    "not_assessed": "#9a9a9a",
}
STATUS_LABELS = {
    "met": "Met",
    "partially_met": "Partially met",
    "not_met": "Not met",
    "not_assessed": "Unknown",
}
# Series of a trend, in order (Okabe-Ito: colour-blind-safe, readable in print).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#7f7f7f", "#f0e442")
# Severities and risk levels, lowest first.
SEVERITY_COLOURS = {
    "info": "#9a9a9a",
    "low": "#4caf50",
    "medium": "#f2c94c",
    "high": "#f2994a",
    "critical": "#d64545",
}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open(width: int, height: int, label: str, size: int = 10) -> str:
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" {FONT} font-size="{size}">'
    )


# --- stacked bars ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    parts: dict[str, int]  # part -> count, stacked in the colours' order


def stacked_bars(
    bars: Sequence[Bar],
    *,
    colours: Mapping[str, str] = STATUS_COLOURS,
    labels: Mapping[str, str] = STATUS_LABELS,
    share_of: str = "met",
    title: str = "Coverage per framework",
    width: int = 700,
    label_width: int = 250,
    row: int = 22,
) -> str:
    """Horizontal 100 % stacked bars, one per ``Bar``, the share of ``share_of`` at the right, a legend."""
    plot = width - label_width - 50
    height = row * len(bars) + 40
    out = [_open(width, height, title)]
    for i, bar in enumerate(bars):
        y = i * row + 4
        total = sum(bar.parts.get(s, 0) for s in colours)
        out.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end">{escape(_short(bar.label, 42))}'
            f"<title>{escape(bar.label)}</title></text>"
        )
        x = float(label_width)
        for part, colour in colours.items():
            count = bar.parts.get(part, 0)
            if not total or not count:
                continue
            w = plot * count / total
            out.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{colour}">'
                f"<title>{escape(labels.get(part, part))}: {count}</title></rect>"
            )
            x += w
        share = round(100 * bar.parts.get(share_of, 0) / total) if total else 0
        out.append(f'<text x="{label_width + plot + 4}" y="{y + 14}">{share} %</text>')
    out.append(_legend(colours, labels, label_width, row * len(bars) + 16))
    out.append("</svg>")
    return "".join(out)


def _legend(colours: Mapping[str, str], labels: Mapping[str, str], x: int, y: int, step: int = 100) -> str:
    out = []
    for part, colour in colours.items():
        out.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{y + 9}">{escape(labels.get(part, part))}</text>')
        x += step
    return "".join(out)


# --- bars -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Value:
    label: str
    value: float
    colour: str = "#1f6fb2"
    text: str = ""  # what is written after the bar (default: the value)


def bars(
    values: Sequence[Value], *, title: str, width: int = 700, label_width: int = 200, row: int = 22
) -> str:
    """Horizontal bars, one per ``Value``, scaled to the largest; the value written after each bar."""
    plot = width - label_width - 110
    height = row * max(len(values), 1) + 8
    top = max((v.value for v in values), default=0.0)
    out = [_open(width, height, title)]
    for i, item in enumerate(values):
        y = i * row + 4
        out.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end">{escape(_short(item.label, 34))}'
            f"<title>{escape(item.label)}</title></text>"
        )
        w = plot * item.value / top if top > 0 and item.value > 0 else 0.0
        if w:
            out.append(
                f'<rect x="{label_width}" y="{y}" width="{max(w, 1.0):.1f}" height="{row - 6}" '
                f'fill="{escape(item.colour)}"/>'
            )
        text = item.text or _number(item.value)
        out.append(f'<text x="{label_width + w + 4:.1f}" y="{y + 14}">{escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


# --- heat grid ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Count:
    value: int
    title: str = ""  # what the number counts (its tooltip)
    href: str = ""  # where the number links: the list of what it counts (a page's; a report holds no URL)


@dataclass(frozen=True, slots=True)
class Cell:
    colour: str
    counts: tuple[Count, ...] = ()  # one number, or two written "a/b" (inherent / residual); 0 is left blank
    title: str = ""  # what the cell is (its tooltip)


def _count(item: Count, x: int, y: int, text: str, size: int, bold: bool) -> str:
    tip = f"<title>{escape(item.title)}</title>" if item.title else ""
    weight = ' font-weight="bold"' if bold else ""
    mark = f'<text x="{x}" y="{y}" text-anchor="middle" font-size="{size}"{weight}>{escape(text)}{tip}</text>'
    return f'<a href="{escape(item.href)}">{mark}</a>' if item.href else mark


def heat_grid(
    rows: Sequence[Sequence[Cell]],
    *,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    title: str,
    x_axis: str = "consequence →",
    y_axis: str = "likelihood ↑",
    cell: int = 44,
    label_width: int = 130,
) -> str:
    """A grid of coloured cells (rows top first, as given), each showing its counts (a second one smaller, after
    a slash; blank at 0), each count a link where it has one, with row labels at the left and column labels
    below; ``title`` above it."""
    n_columns = max((len(r) for r in rows), default=0)
    width = label_width + n_columns * cell + 10
    top = 20
    height = top + len(rows) * cell + 44
    out = [_open(width, height, title, 10)]
    out.append(f'<text x="{label_width}" y="13" font-weight="bold" font-size="11">{escape(title)}</text>')
    for r, cells in enumerate(rows):
        y = top + r * cell
        label = row_labels[r] if r < len(row_labels) else ""
        out.append(
            f'<text x="{label_width - 6}" y="{y + cell // 2 + 4}" text-anchor="end">{escape(_short(label, 22))}'
            f"<title>{escape(label)}</title></text>"
        )
        for c, item in enumerate(cells):
            x = label_width + c * cell
            tip = f"<title>{escape(item.title)}</title>" if item.title else ""
            out.append(
                f'<g><rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{escape(item.colour)}" '
                f'stroke="#fff" stroke-width="2">{tip}</rect>'
            )
            baseline = y + cell // 2 + 6
            if len(item.counts) == 1 and item.counts[0].value:
                out.append(
                    _count(item.counts[0], x + cell // 2, baseline, str(item.counts[0].value), 16, True)
                )
            elif len(item.counts) > 1:
                first, second = item.counts[0], item.counts[1]
                if first.value:
                    out.append(_count(first, x + cell * 5 // 16, baseline, str(first.value), 16, True))
                if second.value:
                    out.append(_count(second, x + cell * 23 // 32, baseline, f"/{second.value}", 12, False))
            out.append("</g>")
    base = top + len(rows) * cell
    for c in range(n_columns):
        label = column_labels[c] if c < len(column_labels) else ""
        out.append(
            f'<text x="{label_width + c * cell + cell // 2}" y="{base + 14}" text-anchor="middle">'
            f"{escape(_short(label, 8))}<title>{escape(label)}</title></text>"
        )
    out.append(
        f'<text x="{label_width + n_columns * cell}" y="{base + 32}" text-anchor="end">{escape(x_axis)}</text>'
    )
    out.append(f'<text x="4" y="{base + 32}">{escape(y_axis)}</text>')
    out.append("</svg>")
    return "".join(out)


# --- trends ---------------------------------------------------------------------------------------------------
Point = tuple[date | datetime, float]


def _day(value: date | datetime) -> float:
    """Days since the epoch (fractional for a date-time): the x of a point."""
    if isinstance(value, datetime):
        return value.timestamp() / 86400
    return float(value.toordinal() - 719163)  # date(1970, 1, 1).toordinal()


def _label(value: date | datetime) -> str:
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def trend_svg(
    series: Mapping[str, Sequence[Point]],
    *,
    title: str,
    unit: str = "",
    width: int = 560,
    height: int = 170,
    every_point: bool = False,
) -> str:
    """One line per series (label -> points, any order), a shared time axis, the value axis from 0 (0-100 for
    a percentage), and a legend when there is more than one series; "" when there is no point at all. The last
    point of each line is a marker whose tooltip says the value and the day; ``every_point`` marks every point
    so (a daily score, where each day is worth reading)."""
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
        for d, v in points if every_point else points[-1:]:
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
