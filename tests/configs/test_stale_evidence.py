"""Drift marks the evidence of the asset's configuration record stale ("drift since <day>") until the asset is
back in its baseline, on the database (SQLite and PostgreSQL), through the services, the API and the checks."""

from __future__ import annotations

import json

from django.utils import timezone

from otcsms.configs import services
from otcsms.configs.models import Snapshot
from otcsms.core.models import AuditEvent
from otcsms.evidence import services as evidence
from otcsms.evidence.freshness import current_links_q, state_of
from otcsms.evidence.models import Document, EvidenceLink, StaleMark
from tests.conftest import PASSWORD, make_user


def _file(firmware: str) -> bytes:
    return json.dumps({"firmware": firmware, "users": {"admin": {"role": "engineer"}}}).encode()


def test_drift_marks_the_configuration_records_evidence_stale_until_restored(plc, site_a, a_contributor, api):
    approver = make_user("april", roles={site_a: "approver"})
    v1, _ = services.import_file(plc, "plc.json", _file("1.0"))
    document = Document.objects.get(kind="configuration", covered_assets__asset=plc)
    version = document.versions.get()
    evidence.submit_version(version, by=a_contributor)
    evidence.approve_version(version, by=approver, password=PASSWORD)
    link = evidence.link_evidence(document, target_type="plant.asset", target_id=plc.pk, by=a_contributor)
    services.approve_baseline(v1, by=approver, reason="commissioning")
    assert state_of(EvidenceLink.objects.get(pk=link.pk)).current

    # the running configuration moves away from the baseline: the record's links are stale, with the reason
    services.import_file(plc, "plc.json", _file("2.0"))
    today = f"{timezone.now():%Y-%m-%d}"
    mark = StaleMark.objects.get()
    assert mark.document == document and mark.key == f"configs.drift:asset:{plc.pk}"
    stored = EvidenceLink.objects.get(pk=link.pk)
    state = state_of(stored)
    assert not state.current and state.why.startswith(f"drift since {today} (PLC-CHM-01: 1 unapproved")
    assert not EvidenceLink.objects.filter(current_links_q(timezone.localdate())).exists()
    item = (
        api(a_contributor)
        .get("/evidence-links", target_type="plant.asset", target_id=plc.pk)
        .json()["items"][0]
    )
    assert item["current"] is False and item["stale_because"].startswith(f"drift since {today}")
    event = AuditEvent.objects.filter(object_type="evidence.stalemark", action="create").get()
    assert event.actor_label == "pytest"

    # the same drift seen again changes nothing; a second drifted version keeps the first day
    before = AuditEvent.objects.count()
    services.import_file(plc, "plc.json", _file("2.0"))
    assert AuditEvent.objects.count() == before and StaleMark.objects.count() == 1

    # approved as the new baseline: the mark is lifted (audited) and the evidence is current again
    latest = Snapshot.objects.filter(asset=plc).order_by("-version").first()
    services.approve_baseline(latest, by=approver, reason="firmware 2.0 approved (MOC-17)")
    assert not StaleMark.objects.exists()
    assert state_of(EvidenceLink.objects.get(pk=link.pk)).current
    assert AuditEvent.objects.filter(object_type="evidence.stalemark", action="delete").count() == 1


def test_a_deviation_lifts_the_mark_and_its_withdrawal_sets_it_again(plc, site_a):
    v1, _ = services.import_file(plc, "plc.json", _file("1.0"))
    services.approve_baseline(v1, by=None, reason="commissioning")
    services.import_file(plc, "plc.json", _file("2.0"))
    assert StaleMark.objects.count() == 1
    deviation = services.add_deviation(
        plc, path_pattern="/firmware", expected="2.0", ticket="MOC-18", reason="pilot firmware",
        expires_at=timezone.now() + timezone.timedelta(days=30), by=None,
    )  # fmt: skip
    assert not StaleMark.objects.exists()
    services.delete_deviation(deviation, reason="pilot over")
    assert StaleMark.objects.count() == 1
    assert StaleMark.objects.get().document == Document.objects.get(kind="configuration")
