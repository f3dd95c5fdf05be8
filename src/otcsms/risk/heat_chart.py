"""The risk heat map drawn with the chart kit (``ui.charts.heat_grid``): the matrix's likelihood x consequence
grid, each cell coloured by its level and counting the scenarios rated there. The heat-map page shows the
inherent and the residual count in one cell, each a link to the scenarios it counts; the risk register report
draws one map per rating, without links (a report holds no URL)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from otcsms.risk import matrix as mx
from otcsms.risk.models import RiskMatrix
from otcsms.risk.services import HeatCell
from otcsms.ui import charts

# The levels' colours (the kit's severities) and the colour of a cell or badge without a level.
LEVEL_COLOURS = {**{level: charts.SEVERITY_COLOURS[level] for level in mx.LEVELS}, "": "#cccccc"}
RATED = {"inherent": "before any control (inherent)", "residual": "with the existing controls (residual)"}


def heat_svg(
    matrix: RiskMatrix,
    grid: Sequence[Sequence[HeatCell]],
    *,
    title: str,
    ratings: Sequence[str] = ("inherent", "residual"),
    href: Callable[[str, HeatCell], str] | None = None,
    cell: int = 44,
) -> str:
    """The grid of ``services.heat_map``: per cell the count of each of ``ratings`` ("inherent", "residual"),
    each linking to ``href(rating, cell)`` when given."""

    def count(rating: str, c: HeatCell) -> charts.Count:
        n = getattr(c, rating)
        what = f"{n} scenario{'s' if n != 1 else ''} rated here {RATED[rating]}"
        return charts.Count(n, what, href(rating, c) if href else "")

    rows = [
        [charts.Cell(LEVEL_COLOURS.get(c.level, LEVEL_COLOURS[""]), tuple(count(r, c) for r in ratings),
                     f"likelihood {c.likelihood} × consequence {c.consequence}: {c.level or 'no level'}")
         for c in cells]
        for cells in grid
    ]  # fmt: skip
    row_labels = [
        f"{n} {label}"
        for n, label in zip(
            range(matrix.n_likelihood, 0, -1), reversed(matrix.likelihood_labels), strict=True
        )
    ]
    column_labels = [str(n) for n in range(1, matrix.n_consequence + 1)]
    return charts.heat_grid(rows, row_labels=row_labels, column_labels=column_labels, title=title, cell=cell)
