"""The demo operator's findings: the checks run once over the loaded data, as the hourly job would."""

from __future__ import annotations

from typing import TYPE_CHECKING

from otcsms.checks.engine import run_checks

if TYPE_CHECKING:
    from otcsms.core.registry import DemoSummary


def run_demo_checks(summary: DemoSummary) -> None:
    """Run every check on every site; a second load changes nothing (the findings are already open)."""
    run_checks()
