"""The toy app's continuous checks: the module its registry.py names as ``checks_module``."""

from __future__ import annotations

from tests.toyapp.models import Gadget


def unnamed_gadgets() -> list[int]:
    """Gadgets whose name is only blanks (a form strips them; a script might not)."""
    return [g.pk for g in Gadget.objects.all() if not g.name.strip()]
