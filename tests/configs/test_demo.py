"""The demo operator's configurations: critical drift on the dosing PLC, the tank level not drift, a deviation."""

from __future__ import annotations

from otcsms.checks.models import Finding
from otcsms.configs import services
from otcsms.configs.models import Snapshot
from otcsms.plant.models import Asset


def test_demo_configurations(db):
    from tests.demo_data import demo_operator

    demo_operator()
    rows = {row.asset.name: row for row in services.drift(Asset.objects.all())}
    assert {name: row.result.status for name, row in rows.items()} == {
        "PLC-CHM-01": "drifted",
        "PLC-FLT-01": "in_baseline",
        "RTU-GW-01": "in_baseline",
    }
    plc = rows["PLC-CHM-01"]
    assert plc.result.severity == "critical"
    paths = {c.change.path for c in plc.result.changes}
    assert "/opcua/endpoints/None~1None" in paths and not any("level" in p for p in paths)
    assert rows["RTU-GW-01"].result.approved  # firmware R151 under change CHG-4410
    rtu = Asset.objects.get(name="RTU-GW-01")
    assert services.schedule_of(rtu) == (24, "asset")
    assert "binary_input" in Snapshot.objects.filter(asset=rtu).latest("version").config["dnp3"]["points"]
    expiring = Finding.objects.get(check_id="configs.certificate-expiring", object_repr="PLC-FLT-01")
    assert "expires on" in expiring.message
    finding = Finding.objects.get(check_id="configs.drift-critical")
    assert finding.object_repr == "PLC-CHM-01" and finding.status == "open"
