"""Charts as inline SVG, drawn here (no chart library, nothing fetched): the same markup in the HTML and
the PDF (WeasyPrint draws SVG). Pure: no Django."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

# Status colours, readable in print and by the colour-blind (blue / orange / red-brown / grey).
COLOURS = {
    "met": "#1f6fb2",
    "partially_met": "#e69f00",
    "not_met": "#a23b1b",
    "not_assessed": "#9a9a9a",
}
LABELS = {"met": "Met", "partially_met": "Partially met", "not_met": "Not met", "not_assessed": "Unknown"}


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    parts: dict[str, int]  # status -> count, stacked in COLOURS order


def stacked_bars(bars: Sequence[Bar], *, width: int = 700, label_width: int = 250, row: int = 22) -> str:
    """Horizontal 100 % stacked bars, one per framework, with a legend; an SVG element as text."""
    plot = width - label_width - 50
    height = row * len(bars) + 40
    out = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Coverage per framework" '
        'font-family="sans-serif" font-size="10">'
    ]
    for i, bar in enumerate(bars):
        y = i * row + 4
        total = sum(bar.parts.get(s, 0) for s in COLOURS)
        label = bar.label if len(bar.label) <= 42 else bar.label[:41] + "…"
        out.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end">{escape(label)}'
            f"<title>{escape(bar.label)}</title></text>"
        )
        x = float(label_width)
        for status, colour in COLOURS.items():
            count = bar.parts.get(status, 0)
            if not total or not count:
                continue
            w = plot * count / total
            out.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{colour}">'
                f"<title>{LABELS[status]}: {count}</title></rect>"
            )
            x += w
        share = round(100 * bar.parts.get("met", 0) / total) if total else 0
        out.append(f'<text x="{label_width + plot + 4}" y="{y + 14}">{share} %</text>')
    x = label_width
    y = row * len(bars) + 16
    for status, colour in COLOURS.items():
        out.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{y + 9}">{LABELS[status]}</text>')
        x += 100
    out.append("</svg>")
    return "".join(out)
