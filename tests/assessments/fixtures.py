"""A small framework library and plant for assessment tests (registered for the whole suite in tests/conftest.py)."""

from __future__ import annotations

import pytest

from otcsms.catalogs import graph
from otcsms.catalogs.models import Framework, Mapping, MappingSet, Requirement
from otcsms.plant.models import Zone


def framework(key: str, name: str, rows: list[tuple], **extra) -> Framework:
    fw = Framework.objects.create(
        key=key, version="1", name=name, edition="1", publisher="test", licence="test", origin="shipped",
        content_hash=key, **extra,
    )  # fmt: skip
    parents: dict[str, Requirement] = {}
    for position, (ref, parent, title, assessable, attributes) in enumerate(rows):
        req = Requirement.objects.create(
            framework=fw, ref=ref, parent=parents.get(parent), title=title, assessable=assessable, kind="x",
            position=position, attributes=attributes,
        )  # fmt: skip
        parents[ref] = req
    return fw


def mapping_set(key: str, source: Framework, target: Framework, rows: list[tuple]) -> MappingSet:
    ms = MappingSet.objects.create(
        key=key, version="1", name=key, licence="test", source_framework=source, target_framework=target,
        origin="shipped", content_hash=key,
    )  # fmt: skip
    for src, rel, tgt, strength in rows:
        Mapping.objects.create(
            mapping_set=ms, source=source.requirements.get(ref=src), target=target.requirements.get(ref=tgt),
            relationship=rel, strength=strength, rationale=f"{src} {rel} {tgt}",
        )  # fmt: skip
    return ms


@pytest.fixture
def library(db):
    graph.forget()
    from otcsms.assessments import state

    state.forget()
    sr = framework("iec62443-3-3", "IEC 62443-3-3", [
        ("FR 1", None, "Identification and authentication", False, {}),
        ("SR 1.1", "FR 1", "Identify humans", True, {"fr": 1, "sl_selection": [1, 2, 3, 4]}),
        ("SR 1.1 RE 1", "SR 1.1", "Unique identity", True, {"fr": 1, "sl_selection": [2, 3, 4]}),
        ("SR 1.3", "FR 1", "Account management", True, {"fr": 1, "sl_selection": [1, 2, 3, 4]}),
        ("FR 5", None, "Restricted data flow", False, {}),
        ("SR 5.1", "FR 5", "Segmentation", True, {"fr": 5, "sl_selection": [1, 2, 3, 4]}),
        ("SR 5.1 RE 1", "SR 5.1", "Physical segmentation", True, {"fr": 5, "sl_selection": [2, 3, 4]}),
    ])  # fmt: skip
    nist = framework("nist-sp800-53r5", "NIST SP 800-53", [
        ("AC", None, "Access control", False, {}), ("AC-2", "AC", "Account management", True, {}),
        ("IA", None, "Identification", False, {}), ("IA-2", "IA", "Identify users", True, {}),
        ("SC", None, "System protection", False, {}), ("SC-7", "SC", "Boundary protection", True, {}),
    ])  # fmt: skip
    cip = framework("nerc-cip", "NERC CIP", [
        ("CIP-004-7", None, "Personnel", False, {}), ("CIP-004-7 R4", "CIP-004-7", "Access management", True, {}),
        ("CIP-005-7", None, "ESP", False, {}), ("CIP-005-7 R1", "CIP-005-7", "ESP", True, {"impact": ["high", "medium"]}),
    ])  # fmt: skip
    mapping_set("sr-nist", sr, nist, [("SR 1.1", "equal", "IA-2", 8), ("SR 1.3", "intersect", "AC-2", 5),
                                      ("SR 5.1", "superset", "SC-7", 7)])  # fmt: skip
    mapping_set(
        "sr-cip", sr, cip, [("SR 1.3", "subset", "CIP-004-7 R4", 6), ("SR 5.1", "equal", "CIP-005-7 R1", 7)]
    )
    return {"sr": sr, "nist": nist, "cip": cip}


@pytest.fixture
def zones(site_a):
    control = Zone(site=site_a, name="Control", sl_t_reason="Chemical dosing: safety impact")
    control.sl_t = (2, 1, 1, 1, 2, 1, 1)
    control.save()
    dmz = Zone(site=site_a, name="OT DMZ", sl_t_reason="Conduit to the enterprise")
    dmz.sl_t = (1, 1, 1, 1, 1, 1, 1)
    dmz.save()
    return {"control": control, "dmz": dmz}


@pytest.fixture
def parent_zone(site_a, zones):
    """A parent zone above Control and the DMZ, at SL 1: SR 1.1 RE 1 (SL 2) is selected only in Control."""
    top = Zone(site=site_a, name="Plant", sl_t_reason="Whole plant")
    top.sl_t = (1, 1, 1, 1, 1, 1, 1)
    top.save()
    for zone in zones.values():
        zone.parent = top
        zone.save()
    return top
