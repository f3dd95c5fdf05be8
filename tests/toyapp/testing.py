"""One gadget at a site, for the access test."""

from __future__ import annotations

from otcsms.tenancy.models import Site
from tests.toyapp.models import Gadget


def access_objects(site: Site) -> dict[str, int]:
    return {"gadgets": Gadget.objects.create(site=site, name="Gadget A").pk}
