"""Plant data for the persona sites: site A gets the sample files imported, site B a zone of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from otcsms.plant import services
from otcsms.plant.models import Zone

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def plant_a(site_a):
    """Site A with the sample zones, conduits and assets imported from CSV."""
    for kind in ("zones", "conduits", "assets"):
        services.import_file(kind, SAMPLES / f"{kind}.csv", f"{kind}.csv", site_a)
    return site_a


@pytest.fixture
def zone_b(site_b):
    return Zone.objects.create(site=site_b, name="B Control", sl_t=2)
