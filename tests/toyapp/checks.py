"""The toy app's continuous checks: the module its registry.py names as ``checks_module``."""

from __future__ import annotations

from collections.abc import Iterator

from otcsms.checks.engine import Problem, check
from tests.toyapp.models import Gadget


@check(
    id="toyapp.gadget-unnamed",
    title="Gadget without a name",
    severity="low",
    remediation="Name the gadget after its tag on the panel.",
)
def unnamed_gadgets(site) -> Iterator[Problem]:
    """Gadgets whose name is only blanks (a form strips them; a script might not)."""
    for gadget in Gadget.objects.filter(site=site).order_by("pk"):
        if not gadget.name.strip():
            yield Problem(gadget, f"gadget #{gadget.pk} has no name")
