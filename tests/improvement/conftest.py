"""Site A's approver, and a zone of site A with an asset (the checks' and the dashboard's material)."""

from __future__ import annotations

import pytest

from otcsms.plant.models import Asset, Zone
from tests.conftest import make_user


@pytest.fixture
def a_approver(site_a):
    return make_user("april", roles={site_a: "approver"})


@pytest.fixture
def cell(site_a):
    return Zone.objects.create(site=site_a, name="Cell 1")


@pytest.fixture
def plc(site_a, cell):
    return Asset.objects.create(site=site_a, zone=cell, name="PLC-1", type="plc", criticality="high")
