"""A small chart kit: inline SVG drawn on the server (no chart library, no script, nothing fetched), the same
markup in a page, a standalone HTML report and its PDF (WeasyPrint draws inline SVG). Pure: no Django.

Every chart returns one ``<svg>`` element as text, without an ``xmlns`` (inline SVG in HTML needs none, and a
report holds no URL at all); every text it is given is escaped. Three shapes serve the reports:

* ``stacked_bars``  horizontal 100 % stacked bars with a legend (coverage per framework);
* ``bars``          horizontal bars of values, one colour each (cost per phase, drift by severity);
* ``heat_grid``     a likelihood x consequence grid of coloured, counted cells (the risk heat map).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

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
        f'aria-label="{escape(label, {chr(34): "&quot;"})}" {FONT} font-size="{size}">'
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
class Cell:
    count: int
    colour: str
    title: str = ""


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
    """A grid of coloured cells (rows top first, as given), each showing its count (blank at 0), with row
    labels at the left and column labels below; ``title`` above it."""
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
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{escape(item.colour)}" '
                f'stroke="#fff" stroke-width="2">{tip}</rect>'
            )
            if item.count:
                out.append(
                    f'<text x="{x + cell // 2}" y="{y + cell // 2 + 6}" text-anchor="middle" font-size="16" '
                    f'font-weight="bold">{item.count}</text>'
                )
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
