"""The reports' charts: the UI chart kit (``ui.charts``), which every app's report builder can use too."""

from __future__ import annotations

from otcsms.ui.charts import STATUS_COLOURS as COLOURS
from otcsms.ui.charts import STATUS_LABELS as LABELS
from otcsms.ui.charts import Bar, stacked_bars

__all__ = ["COLOURS", "LABELS", "Bar", "stacked_bars"]
