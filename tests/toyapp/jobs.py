"""The toy app's scheduled work: what its registry.py names in ``jobs``."""

from __future__ import annotations

from tests.toyapp.models import Gadget


def count_gadgets() -> int:
    return Gadget.objects.count()
