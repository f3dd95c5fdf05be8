"""The checks added for issue 15: assets without a baseline (configs), zones below their SL-T without a planned
action (roadmap), a protocol newly deployed in a zone without a review since (improvement); each closes by
itself once the gap is filled. A check plug-in that raises is that check's error and `otcsms check --json`'s
contract are tested in tests/core/test_checks.py and tests/cli/test_check_cli.py."""

from __future__ import annotations

import pytest

from otcsms.assessments.models import Assessment
from otcsms.checks.engine import REGISTRY, run_checks
from otcsms.checks.models import Finding
from otcsms.configs import services as configs
from otcsms.links.services import create_link
from otcsms.org.models import Person
from otcsms.plant.models import Asset, ProtocolEndpoint
from otcsms.risk.models import ThreatModelReview
from otcsms.roadmap.models import Action

pytestmark = pytest.mark.django_db


def open_objects(check_id: str) -> set[str]:
    return set(Finding.objects.filter(check_id=check_id, status="open").values_list("object_repr", flat=True))


def test_the_new_checks_are_registered_each_by_the_app_that_owns_the_data():
    owners = {
        cid: REGISTRY[cid].function.__module__
        for cid in (
            "configs.asset-without-baseline",
            "roadmap.sl-gap-without-action",
            "improvement.protocol-new-without-review",
        )
    }
    assert owners == {"configs.asset-without-baseline": "otcsms.configs.checks",
                      "roadmap.sl-gap-without-action": "otcsms.roadmap.checks",
                      "improvement.protocol-new-without-review": "otcsms.improvement.checks"}  # fmt: skip
    assert "access.expired-grant-present" in REGISTRY  # grants past expiry: among the access reconciliation's


def test_assets_without_a_baseline_are_reported_until_one_is_approved(site_a, cell, plc):
    Asset.objects.create(site=site_a, zone=cell, name="Printer", type="other", criticality="low")
    collected = Asset.objects.create(
        site=site_a, zone=cell, name="Switch-1", type="switch", criticality="low"
    )
    snapshot, _ = configs.record_snapshot(collected, config={"vlan": 1}, volatile={}, source={"type": "file"})
    run_checks(site_a)
    assert open_objects("configs.asset-without-baseline") == {"PLC-1", "Switch-1"}
    configs.approve_baseline(snapshot, by=None, reason="commissioning")
    run_checks(site_a)
    assert open_objects("configs.asset-without-baseline") == {"PLC-1"}


def test_a_zone_below_its_sl_t_is_reported_until_a_planned_action_concerns_it(site_a, cell, shipped_library):
    from otcsms.catalogs.models import Framework

    cell.sl_t = (2, 2, 2, 2, 2, 2, 2)
    cell.save()
    framework = Framework.objects.get(key="iec62443-3-3", is_current=True)
    Assessment.objects.create(site=site_a, framework=framework, name="62443-3-3 baseline")
    run_checks(site_a)
    finding = Finding.objects.get(check_id="roadmap.sl-gap-without-action", status="open")
    assert finding.object_repr == "Cell 1" and "FR1 -2" in finding.message and finding.severity == "high"
    # the evidence check (its own set-based pass) says what the completeness audit says of the assessment
    from otcsms.evidence.completeness import audit_site

    audit = [g.message for g in audit_site(site_a, categories=("requirements",)).gaps
             if isinstance(g.object, Assessment)]  # fmt: skip
    reported = Finding.objects.filter(check_id="evidence.requirements-without-evidence").values_list(
        "message", flat=True
    )
    assert list(reported) == audit and "in-scope requirement slots of 62443-3-3 baseline" in audit[0]
    action = Action.objects.create(site=site_a, title="Segment cell 1", status="proposed")
    create_link(site_id=site_a.pk, source_type="roadmap.action", source_id=action.pk, target_type="plant.zone",
                target_id=cell.pk, kind="relates-to")  # fmt: skip
    run_checks(site_a)
    assert open_objects("roadmap.sl-gap-without-action") == {"Cell 1"}  # proposed is not planned
    action.status = "planned"
    action.save()
    run_checks(site_a)
    assert open_objects("roadmap.sl-gap-without-action") == set()


def test_a_protocol_new_in_a_zone_is_reported_until_its_threat_model_is_reviewed(site_a, cell, plc):
    ProtocolEndpoint.objects.create(asset=plc, protocol="https", host="10.0.0.9", port=443)  # not watched
    run_checks(site_a)
    assert open_objects("improvement.protocol-new-without-review") == set()
    ProtocolEndpoint.objects.create(asset=plc, protocol="opc-ua", host="10.0.0.9", port=4840)
    ProtocolEndpoint.objects.create(asset=plc, protocol="modbus-tcp", host="10.0.0.9", port=502)
    run_checks(site_a)
    finding = Finding.objects.get(check_id="improvement.protocol-new-without-review", status="open")
    assert (
        finding.object_repr == "Cell 1"
        and "Modbus since" in finding.message
        and "OPC UA since" in finding.message
    )
    reviewer = Person.objects.create(organisation=site_a.organisation, site=site_a, name="Rita")
    ThreatModelReview.objects.create(
        site=site_a, zone=cell, reviewer=reviewer, changes="OPC UA and Modbus added"
    )
    run_checks(site_a)
    assert open_objects("improvement.protocol-new-without-review") == set()
