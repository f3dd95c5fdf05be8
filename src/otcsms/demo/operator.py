"""The demo operator: a utility with a water plant, a NERC CIP substation and a packaging plant.

Each app adds its part of the data set as a demo step declared in its registry.py (``core.registry.DemoStep``):
the organisation, then the plant model, the demo users and the assessments. ``load_demo`` runs the steps by
order in one transaction. Loading is idempotent: a second run changes nothing.
"""

from __future__ import annotations

from django.db import transaction

from otcsms.core import registry
from otcsms.core.registry import DemoSummary


def load_demo(password: str) -> DemoSummary:
    summary = DemoSummary(password=password)
    with transaction.atomic():
        for step in registry.demo_steps():
            registry.resolve(step.target)(summary)
    return summary
