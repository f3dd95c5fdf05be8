"""A small plant at site A (zones, PLCs with vendor/model/firmware, people) for the risk tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from otcsms.org.models import Person
from otcsms.plant.models import Asset, Zone
from tests.conftest import make_user

DATA = Path(__file__).parent / "data"
DEMO_ADVISORY = (
    Path(__file__).resolve().parents[2] / "src" / "otcsms" / "risk" / "samples" / "icsa-24-284-20.json"
)


@dataclass
class Plant:
    cell: Zone
    scada: Zone
    plc: Asset  # ControlLogix 5580 at 33.011: below the fixes of ICSA-24-284-20
    patched: Asset  # ControlLogix 5580 at 35.013: fixed
    unknown: Asset  # ControlLogix 5580, firmware not recorded
    v35: Asset  # ControlLogix 5580 at V35.011: the exact version of ICSA-24-107-03
    ann: Person
    ben: Person


@pytest.fixture
def plant(site_a) -> Plant:
    cell = Zone.objects.create(site=site_a, name="Cell 1", sl_t_1=2, sl_t_2=2, sl_t_3=2, sl_t_4=1, sl_t_5=2,
                               sl_t_6=1, sl_t_7=2)  # fmt: skip
    scada = Zone.objects.create(site=site_a, name="SCADA")

    def plc(name: str, firmware: str, criticality: str = "high") -> Asset:
        return Asset.objects.create(site=site_a, zone=cell, name=name, type="plc", vendor="Rockwell Automation",
                                    model="ControlLogix 5580 (1756-L83E)", firmware=firmware, criticality=criticality)  # fmt: skip

    org = site_a.organisation
    return Plant(
        cell, scada, plc("PLC-1", "33.011", "critical"), plc("PLC-2", "35.013"), plc("PLC-3", ""),
        plc("PLC-4", "V35.011"), Person.objects.create(organisation=org, site=site_a, name="Ann"),
        Person.objects.create(organisation=org, site=site_a, name="Ben"),
    )  # fmt: skip


@pytest.fixture
def a_approver(site_a):
    return make_user("april", roles={site_a: "approver"})
