"""The toy app's demo step: one gadget at the water plant (none when it has one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from otcsms.tenancy.models import Site
from tests.toyapp.models import Gadget

if TYPE_CHECKING:
    from otcsms.demo.operator import DemoSummary


def load_gadgets(summary: DemoSummary) -> None:
    site = Site.objects.filter(code="riverside-wtp").first()
    if site is not None and not Gadget.objects.filter(site=site).exists():
        Gadget.objects.create(site=site, name="Chlorine analyser")
