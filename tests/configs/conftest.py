from __future__ import annotations

import pytest

from otcsms.plant.models import Asset, Zone


@pytest.fixture
def zone_sl2(site_a):
    return Zone.objects.create(site=site_a, name="Dosing", sl_t=(2, 2, 1, 2, 1, 1, 1))


@pytest.fixture
def plc(site_a, zone_sl2):
    return Asset.objects.create(site=site_a, name="PLC-CHM-01", zone=zone_sl2, type="plc")
