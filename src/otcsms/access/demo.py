"""The access part of the demo operator (filled in below)."""

from __future__ import annotations

from otcsms.core.registry import DemoSummary


def load_demo_access(summary: DemoSummary) -> None:
    return None
