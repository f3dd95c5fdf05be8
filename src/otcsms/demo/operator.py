"""The demo operator: a utility with a water plant, a NERC CIP substation and a packaging plant.

Each app adds its part of the data set as a demo step declared in its registry.py (``core.registry.DemoStep``):
the organisation, then the plant model, the demo users and the assessments. ``load_demo`` runs the steps by
order in one transaction. Loading is idempotent: a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from otcsms.core import registry


@dataclass
class DemoSummary:
    """What the steps report back; each step reads ``password`` and may add to it."""

    password: str
    # Set by the organisation step: True when this run loaded the operator, False when it was there.
    created: bool = False
    users: list[tuple[str, str]] = field(default_factory=list)

    def describe(self) -> str:
        head = "demo operator loaded" if self.created else "demo operator already present (unchanged)"
        lines = [head, "demo users (password for each: " + self.password + "):"]
        lines += [f"  {name:<15} {what}" for name, what in self.users]
        return "\n".join(lines)


def load_demo(password: str) -> DemoSummary:
    summary = DemoSummary(password=password)
    with transaction.atomic():
        for step in registry.demo_steps():
            registry.resolve(step.target)(summary)
    return summary
