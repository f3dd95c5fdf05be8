"""The roadmap timeline as an SVG Gantt chart, drawn on the server (no script, works offline and in PDFs).

Plain Python (no Django): bars in days from the plan's start, phase bands behind them, an arrow from each
dependency's end to its dependent's start. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

ROW = 26
LABEL_WIDTH = 300
CHART_WIDTH = 720
TOP = 34
STATUS_COLOURS = {"proposed": "#9aa7b8", "planned": "#3b6fb6", "in_progress": "#d08a1e", "done": "#2e8b57",
                  "cancelled": "#c9ced6"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Band:
    label: str
    start_day: int
    end_day: int


@dataclass(frozen=True, slots=True)
class Bar:
    key: int
    label: str
    start_day: int
    end_day: int
    status: str
    depends_on: tuple[int, ...] = ()
    note: str = ""


def gantt_svg(bars: Sequence[Bar], bands: Sequence[Band], *, title: str = "Roadmap timeline") -> str:
    """An SVG document (as text) of ``bars`` over ``bands``; bars outside every band stretch the axis."""
    horizon = max([b.end_day for b in bands] + [b.end_day for b in bars] + [1])
    scale = CHART_WIDTH / horizon
    height = TOP + ROW * max(len(bars), 1) + 10
    width = LABEL_WIDTH + CHART_WIDTH + 20

    def x(day: float) -> float:
        return round(LABEL_WIDTH + day * scale, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12"><title>{escape(title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    ]
    for i, band in enumerate(bands):
        fill = "#f3f6fa" if i % 2 == 0 else "#e8eef6"
        parts.append(f'<rect class="phase" x="{x(band.start_day)}" y="0" width="{x(band.end_day) - x(band.start_day)}" '
                     f'height="{height}" fill="{fill}"/>')  # fmt: skip
        parts.append(f'<text x="{x(band.start_day) + 4}" y="16" fill="#333" font-weight="bold">'
                     f'{escape(band.label)}</text>')  # fmt: skip
    row_of = {bar.key: i for i, bar in enumerate(bars)}
    for i, bar in enumerate(bars):
        y = TOP + i * ROW
        colour = STATUS_COLOURS.get(bar.status, "#9aa7b8")
        label = bar.label if len(bar.label) <= 44 else bar.label[:43] + "…"
        parts.append(f'<text x="4" y="{y + 15}" fill="#222">{escape(label)}</text>')
        start, end = x(bar.start_day), x(max(bar.end_day, bar.start_day + 1))
        tip = escape(f"{bar.label}: {bar.note}" if bar.note else bar.label)
        parts.append(f'<rect class="bar status-{escape(bar.status)}" data-action="{bar.key}" x="{start}" y="{y + 4}" '
                     f'width="{round(end - start, 1)}" height="{ROW - 10}" rx="3" fill="{colour}">'
                     f'<title>{tip}</title></rect>')  # fmt: skip
    for bar in bars:
        for dep in bar.depends_on:
            if dep not in row_of:
                continue
            before = bars[row_of[dep]]
            x1, y1 = x(max(before.end_day, before.start_day + 1)), TOP + row_of[dep] * ROW + ROW / 2
            x2, y2 = x(bar.start_day), TOP + row_of[bar.key] * ROW + ROW / 2
            mid = max(x1, x2) + 6 if x2 <= x1 else (x1 + x2) / 2
            parts.append(f'<path class="dependency" d="M {x1} {y1} H {mid} V {y2} H {x2}" fill="none" '
                         f'stroke="#555" stroke-width="1" marker-end="url(#arrow)"/>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)
