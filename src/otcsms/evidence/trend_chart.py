"""A line chart of a percentage over days, drawn on the server as SVG (no script, no chart library: it renders
offline, in a PDF and with a strict Content-Security-Policy). Plain Python: dates and numbers in, markup out.

Only presentation attributes (``stroke``, ``fill``), never ``style``: the app's CSP forbids inline styles.
"""

from __future__ import annotations

from datetime import date
from html import escape

WIDTH, HEIGHT = 560, 160
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 10, 24  # room for the axis labels


def x_of(day: date, first: date, last: date) -> float:
    span = max((last - first).days, 1)
    return LEFT + (WIDTH - LEFT - RIGHT) * (day - first).days / span


def y_of(percent: float) -> float:
    percent = min(100.0, max(0.0, percent))
    return TOP + (HEIGHT - TOP - BOTTOM) * (100 - percent) / 100


def percent_line_svg(points: list[tuple[date, int]], *, label: str) -> str:
    """The chart of ``points`` (day, percent), oldest first; empty when there is nothing to draw."""
    if not points:
        return ""
    points = sorted(points)
    first, last = points[0][0], points[-1][0]
    coords = [(x_of(day, first, last), y_of(score)) for day, score in points]
    if len(points) == 1:  # one day: a point in the middle
        coords = [((LEFT + WIDTH - RIGHT) / 2, coords[0][1])]
    description = (
        f"{label}: {points[0][1]}% on {first:%Y-%m-%d}"
        + (f", {points[-1][1]}% on {last:%Y-%m-%d}" if len(points) > 1 else "")
        + f" ({len(points)} day{'s' if len(points) != 1 else ''})"
    )
    parts = [
        f'<svg class="trend-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(description)}">',
        f"<title>{escape(description)}</title>",
    ]
    for percent in (0, 50, 100):
        y = y_of(percent)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#d0d4da" '
                     'stroke-width="1"/>')  # fmt: skip
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#555">'
                     f"{percent}%</text>")  # fmt: skip
    baseline = HEIGHT - 6
    parts.append(f'<text x="{LEFT}" y="{baseline}" font-size="11" fill="#555">{first:%Y-%m-%d}</text>')
    if len(points) > 1:
        parts.append(f'<text x="{WIDTH - RIGHT}" y="{baseline}" text-anchor="end" font-size="11" fill="#555">'
                     f"{last:%Y-%m-%d}</text>")  # fmt: skip
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f6feb" stroke-width="2"/>')
    for (day, score), (x, y) in zip(points, coords, strict=True):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1f6feb">'
                     f"<title>{day:%Y-%m-%d}: {score}%</title></circle>")  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)
