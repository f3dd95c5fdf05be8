"""The configuration part of the demo operator: snapshots, baselines and drift for a few of its devices.

The water utility's chemical-dosing PLC was baselined at commissioning; since then a technician enabled an
anonymous OPC UA endpoint without security and the firmware was updated: critical and high drift, while
the tank level it reports changed too and is not drift. The filtration PLC is in its baseline; the
substation RTU is read over DNP3 once a day (its own collection schedule) and runs an approved deviation for a
vendor patch. The filtration PLC's OPC UA server certificate expires within 30 days (a standing check).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.utils import timezone

from otcsms.configs import services
from otcsms.configs.models import Snapshot
from otcsms.core.registry import DemoSummary
from otcsms.plant.models import Asset


def _opcua(
    software: str, *, none_endpoint: bool = False, not_after: str = "2030-03-01T00:00:00Z"
) -> dict[str, Any]:
    secure = {"security_policy": "Basic256Sha256", "security_mode": "SignAndEncrypt", "security_level": 70,
              "transport": "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary",
              "user_tokens": {"UserName": {"type": "UserName", "policy_id": "username", "security_policy": "None"}}}  # fmt: skip
    endpoints = {"Basic256Sha256/SignAndEncrypt": secure}
    if none_endpoint:
        endpoints["None/None"] = {**copy.deepcopy(secure), "security_policy": "None", "security_mode": "None",
                                  "security_level": 0,
                                  "user_tokens": {"Anonymous": {"type": "Anonymous", "policy_id": "anonymous",
                                                                "security_policy": "None"}}}  # fmt: skip
    return {
        "endpoints": endpoints,
        "certificate": {"thumbprint_sha256": "9f2c4e0d1a7b3c5e8f6a2d4b1c3e5f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e",
                        "subject": "CN=PLC-CHM-01,O=Riverside Water", "issuer": "CN=PLC-CHM-01,O=Riverside Water",
                        "not_before": "2025-03-01T00:00:00Z", "not_after": not_after,
                        "key_bits": 2048, "key_type": "RSA"},
        "build_info": {"manufacturer_name": "Schneider Electric", "product_name": "Modicon M580",
                       "software_version": software, "build_number": "2025.1"},
        "namespaces": {"0": "http://opcfoundation.org/UA/", "1": "urn:schneider:m580", "2": "urn:riverside:dosing"},
        "nodes": {"ns=2;s=Dosing.HypoRatio": {"browse_name": "2:HypoRatio", "data_type": "i=11",
                                              "access_level": ["CurrentRead", "CurrentWrite"], "writable": True},
                  "ns=2;s=Tank.Level": {"browse_name": "2:Level", "data_type": "i=11",
                                        "access_level": ["CurrentRead"], "writable": False}},
    }  # fmt: skip


def _modbus(revision: str) -> dict[str, Any]:
    return {"unit": 1, "profile": "acme-pump-controller",
            "identification": {"vendor_name": "Schneider Electric", "product_code": "BMEP582040",
                               "major_minor_revision": revision},
            "parameters": {"high_level_alarm": {"table": "holding", "address": 100, "type": "uint16", "unit": "m",
                                                "value": 4.2},
                           "pump_mode": {"table": "holding", "address": 102, "type": "uint16", "unit": "",
                                         "value": 2}}}  # fmt: skip


def load_demo_configs(summary: DemoSummary) -> None:
    assets = {a.name: a for a in Asset.objects.filter(name__in=["PLC-CHM-01", "PLC-FLT-01", "RTU-GW-01"])}
    if not assets or Snapshot.objects.filter(asset__in=assets.values()).exists():
        return
    now = timezone.now()
    live = {"type": "live", "collectors": ["opcua (asyncua 2.1.0)", "modbus (pymodbus 3.16.1)"]}
    if (plc := assets.get("PLC-CHM-01")) is not None:
        first, _ = services.record_snapshot(
            plc, config={"opcua": _opcua("4.10"), "modbus": _modbus("4.10")}, source=live,
            volatile={"modbus": {"process": {"tank_level": {"value": 2.31, "unit": "m"}}}},
            captured_at=now - dt.timedelta(days=60),
        )  # fmt: skip
        services.approve_baseline(first, by=None, reason="Commissioning FAT/SAT, change CHG-2031")
        services.record_snapshot(
            plc, config={"opcua": _opcua("4.20", none_endpoint=True), "modbus": _modbus("4.20")}, source=live,
            volatile={"modbus": {"process": {"tank_level": {"value": 3.05, "unit": "m"}}}},
            captured_at=now - dt.timedelta(hours=2),
        )  # fmt: skip
    if (flt := assets.get("PLC-FLT-01")) is not None:
        snapshot, _ = services.record_snapshot(
            flt, config={"opcua": _opcua("33.011", not_after=(now + dt.timedelta(days=21)).strftime("%Y-%m-%dT00:00:00Z"))},
            volatile={}, source=live,
            captured_at=now - dt.timedelta(days=30),
        )  # fmt: skip
        services.approve_baseline(snapshot, by=None, reason="Annual configuration review 2026")
    if (rtu := assets.get("RTU-GW-01")) is not None:

        def dnp3(software: str) -> dict[str, Any]:
            return {"dnp3": {
                "outstation_address": 10,
                "device_attributes": {"manufacturer": "SEL", "product_name_and_model": "SEL-3530 RTAC",
                                      "software_version": software, "serial_number": "3530-118842",
                                      "max_rx_fragment_size": 2048},
                "points": {"binary_input": {"0": {"group": 1, "variation": 2}, "1": {"group": 1, "variation": 2}},
                           "analog_input": {"0": {"group": 30, "variation": 1}, "1": {"group": 30, "variation": 1}},
                           "binary_output": {"0": {"group": 10, "variation": 2}}},
            }}  # fmt: skip

        volatile = {"dnp3": {"points": {"analog_input": {"0": {"value": 412, "flags": 1, "online": True}}},
                             "iin": ["need_time"]}}  # fmt: skip
        source = {"type": "live", "collectors": ["dnp3 (otcsms dnp3 master 1)"],
                  "endpoints": ["dnp3://10.40.1.20:20000"]}  # fmt: skip
        snapshot, _ = services.record_snapshot(rtu, config=dnp3("R150"), volatile=volatile, source=source,
                                               captured_at=now - dt.timedelta(days=90))  # fmt: skip
        services.approve_baseline(snapshot, by=None, reason="Settings released by protection engineering")
        services.record_snapshot(
            rtu, config=dnp3("R151"), volatile=volatile, source=source, captured_at=now - dt.timedelta(days=5)
        )
        services.add_deviation(
            rtu, path_pattern="/dnp3/device_attributes/software_version", expected="R151", ticket="CHG-4410",
            by=None, reason="Vendor security patch; settings re-released after the outage window",
            expires_at=now + dt.timedelta(days=30),
        )  # fmt: skip
        # A substation RTU is read once a day; the site's other devices every run of the hourly job.
        services.set_schedule(rtu.site_id, rtu, 24)
