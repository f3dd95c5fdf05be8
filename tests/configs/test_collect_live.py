"""Live collection against real peers on 127.0.0.1: an asyncua server and pymodbus devices (one per process).

The issue's "done when": a baselined OPC UA server and Modbus PLC; a technician adds an endpoint without
security, enables anonymous access, adds a writable node and bumps the PLC firmware and a setpoint; the next
collection shows critical and high drift at the exact paths while the changing tank level is not drift; a
device that stops answering is unreachable, never drift.
"""

from __future__ import annotations

import pytest

from otcsms.configs import services
from otcsms.configs.collectors import Options
from otcsms.configs.models import Collection, Snapshot
from otcsms.plant.models import Asset
from tests.configs.peers import ModbusDevice, OpcUaInThread, OpcUaSettings, free_port

IDENTIFICATION = {
    "vendor_name": "ACME",
    "product_code": "PSC-200",
    "major_minor_revision": "1.4",
    "product_name": "Pump station controller",
    "model_name": "PSC-200",
}
HOLDING = {
    "100": 420,
    "101": 80,
    "102": 2,
    "103": 0,
}  # high alarm 4.20 m, low alarm 0.80 m, mode 2, remote writes off


@pytest.fixture
def opcua_server():
    server = OpcUaInThread()
    server.start()
    yield server
    server.close()


@pytest.fixture
def modbus_device():
    device = ModbusDevice(free_port(), dict(IDENTIFICATION), dict(HOLDING), {"0": 231, "1": 550})
    device.start()
    yield device
    device.stop()


def fast(**kw) -> Options:
    services.ensure_client_identity()  # otcsms init makes it (with the collection schedule)
    cert, key = services.client_identity()
    return Options(client_certificate=cert, client_key=key, **{"timeout": 2, "retries": 0, **kw})


def drift_of(asset):
    return services.drift(Asset.objects.filter(pk=asset.pk))[0]


def test_opcua_changes_are_reported_with_paths_and_severities(opcua_server, plc):
    plc.endpoints.create(protocol="opc-ua", host="127.0.0.1", port=opcua_server.peer.port, path="/plc/")
    services.set_credential(plc, "engineer", "a-password")
    (first,) = services.collect([plc], fast())
    assert first.status == "ok" and first.created, first.messages
    config = first.snapshot.config["opcua"]
    assert set(config["endpoints"]) == {"Basic256Sha256/SignAndEncrypt"}
    assert config["build_info"]["software_version"] == "2.4.1" and config["certificate"]["key_bits"] == 2048
    assert config["nodes"]["ns=2;s=Tank1.HighAlarm"]["writable"] is True
    assert first.snapshot.volatile["opcua"]["values"]["ns=2;s=Tank1.Level"] == 3.5
    assert (
        "SignAndEncrypt as UserName" in first.snapshot.volatile["opcua"]["session"]
    )  # the most secure endpoint
    services.approve_baseline(first.snapshot, by=None, reason="commissioning")

    # only the tank level moved: same configuration, no new version, in baseline
    opcua_server.restart(OpcUaSettings(level=4.75))
    (second,) = services.collect([plc], fast())
    assert second.status == "ok" and not second.created and second.snapshot.pk == first.snapshot.pk
    assert drift_of(plc).result.status == "in_baseline"

    opcua_server.restart(OpcUaSettings(none_endpoint=True, anonymous=True, writable_extra=True, level=1.0))
    (third,) = services.collect([plc], fast())
    assert third.created and third.snapshot.version == 2
    row = drift_of(plc)
    found = {(c.change.path, c.change.kind): (c.severity, c.rule) for c in row.result.changes}
    assert found[("/opcua/endpoints/None~1None", "added")] == ("critical", "opcua.endpoint-security-none")
    assert found[("/opcua/endpoints/Basic256Sha256~1SignAndEncrypt/user_tokens/Anonymous", "added")] == (
        "critical",
        "opcua.anonymous-token",
    )
    assert found[("/opcua/nodes/ns=2;s=Tank1.PumpOverride", "added")] == ("high", "opcua.writable-node-added")
    assert not any("Level" in path for path, _ in found), "a process value was reported as drift"
    assert row.result.status == "drifted" and row.result.severity == "critical"


def test_a_replaced_weak_certificate_is_reported(opcua_server, plc):
    plc.endpoints.create(protocol="opc-ua", host="127.0.0.1", port=opcua_server.peer.port, path="/plc/")
    services.set_credential(plc, "engineer", "a-password")
    (first,) = services.collect([plc], fast())
    services.approve_baseline(first.snapshot, by=None, reason="commissioning")
    opcua_server.restart(OpcUaSettings(key_bits=1024))
    services.collect([plc], fast())
    found = {c.change.path: (c.severity, c.rule) for c in drift_of(plc).result.changes}
    assert found["/opcua/certificate/key_bits"] == ("high", "opcua.certificate-replaced")
    assert found["/opcua/certificate/thumbprint_sha256"] == ("high", "opcua.certificate-replaced")


def test_modbus_identification_and_configuration_changes_not_process_values(modbus_device, site_a, zone_sl2):
    plc = Asset.objects.create(site=site_a, name="PSC-1", zone=zone_sl2, profile="acme-pump-controller")
    plc.endpoints.create(protocol="modbus-tcp", host="127.0.0.1", port=modbus_device.port, params={"unit": 1})
    (first,) = services.collect([plc], fast())
    assert first.status == "ok", first.messages
    modbus = first.snapshot.config["modbus"]
    assert modbus["identification"]["major_minor_revision"] == "1.4"
    assert modbus["parameters"]["high_level_alarm"]["value"] == 4.2
    assert first.snapshot.volatile["modbus"]["process"]["tank_level"]["value"] == 2.31
    services.approve_baseline(first.snapshot, by=None, reason="commissioning")

    modbus_device.restart(input={"0": 305, "1": 610})  # the tank fills, the pump speeds up
    (second,) = services.collect([plc], fast())
    assert not second.created and drift_of(plc).result.status == "in_baseline"

    modbus_device.restart(
        identification={**IDENTIFICATION, "major_minor_revision": "1.5"},
        holding={**HOLDING, "100": 480},
        input={"0": 100, "1": 0},
    )
    (third,) = services.collect([plc], fast())
    assert third.created
    found = {
        c.change.path: (c.change.before, c.change.after, c.severity, c.rule)
        for c in drift_of(plc).result.changes
    }
    assert found == {
        "/modbus/identification/major_minor_revision": ("1.4", "1.5", "high", "firmware.changed"),
        "/modbus/parameters/high_level_alarm/value": (4.2, 4.8, "medium", "modbus.parameter-changed"),
    }


def test_an_unreachable_device_is_unreachable_not_drift(plc, site_a):
    port = free_port()  # nothing listens there
    plc.endpoints.create(protocol="modbus-tcp", host="127.0.0.1", port=port, params={"unit": 1})
    v1, _ = services.record_snapshot(
        plc, config={"modbus": {"unit": 1}}, volatile={}, source={"type": "live"}
    )
    services.approve_baseline(v1, by=None, reason="commissioning")
    (result,) = services.collect([plc], fast(retries=1, backoff=0.01))
    assert result.status == "unreachable" and result.snapshot is None
    assert Snapshot.objects.filter(asset=plc).count() == 1
    assert Collection.objects.get(asset=plc).status == "unreachable"
    row = drift_of(plc)
    assert row.result.status == "unreachable" and row.result.changes == []
