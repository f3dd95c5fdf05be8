"""`otcsms config ...` and `otcsms drift` as real processes on a real instance: the JSON contract, exit codes."""

from __future__ import annotations

import json

from tests.configs.peers import free_port


def test_import_baseline_drift_and_collect(initialised_instance, tmp_path):
    instance = initialised_instance  # after `otcsms init --admin-password an-admin-password`
    sites, zones, assets = tmp_path / "sites.csv", tmp_path / "zones.csv", tmp_path / "assets.csv"
    sites.write_text("name\nRiverside\n", encoding="utf-8")
    zones.write_text("name,sl_t\nDosing,2\n", encoding="utf-8")
    port = free_port()  # nothing listens there
    assets.write_text(
        f"name,zone,endpoints\nRTU-1,Dosing,\nPLC-9,Dosing,modbus+tcp://127.0.0.1:{port}?unit=1\n",
        encoding="utf-8",
    )
    instance.run("import", "sites", str(sites))
    instance.run("import", "zones", str(zones), "--site", "riverside")
    instance.run("import", "assets", str(assets), "--site", "riverside")

    v1 = tmp_path / "rtu.json"
    v1.write_text(
        json.dumps({"firmware": "R150", "users": {"eng": {}}, "volatile": {"uptime": 1}}), encoding="utf-8"
    )
    first = json.loads(instance.run("config", "import", "RTU-1", str(v1), "--json").stdout)
    assert first["version"] == 1 and first["new_version"] is True
    instance.run("config", "baseline", "RTU-1", "--reason", "released settings")
    assert json.loads(instance.run("drift", "--json").stdout) == {
        "assets": [{"asset": "RTU-1", "site": "Riverside", "status": "in_baseline", "changes": []}]
    }

    v2 = tmp_path / "rtu2.json"
    v2.write_text(json.dumps({"firmware": "R151", "users": {"eng": {}, "vendor": {}}}), encoding="utf-8")
    second = json.loads(instance.run("config", "import", "RTU-1", str(v2), "--json").stdout)
    assert second["version"] == 2
    drift = instance.run("drift", "--site", "riverside", "--json", check=1)
    (asset,) = json.loads(drift.stdout)["assets"]
    assert asset["status"] == "drifted"
    assert {(c["path"], c["kind"], c["severity"], c["rule"]) for c in asset["changes"]} == {
        ("/firmware", "changed", "high", "firmware.changed"),
        ("/users/vendor", "added", "high", "network.user-added"),
    }
    assert set(asset["changes"][0]) == {"path", "kind", "before", "after", "severity", "rule"}

    # bad input: one line, exit 2, nothing written
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    refused = instance.run("config", "import", "RTU-1", str(bad), check=2)
    assert len(refused.stderr.strip().splitlines()) == 1
    instance.run("config", "import", "NOPE", str(v1), check=2)
    instance.run("config", "baseline", "RTU-1", "--version", "7", check=2)
    assert instance.sql("SELECT COUNT(*) FROM configs_snapshot")[0][0] == 2

    # an unreachable device is reported as such, exit 1, and is never drift
    collected = json.loads(instance.run("config", "collect", "--site", "riverside", "--json", check=1).stdout)
    assert [(a["asset"], a["status"]) for a in collected["assets"]] == [("PLC-9", "unreachable")]
    instance.run("config", "baseline", "RTU-1")  # the latest version becomes the baseline
    statuses = {
        a["asset"]: a["status"] for a in json.loads(instance.run("drift", "--json", check=1).stdout)["assets"]
    }
    assert statuses == {"RTU-1": "in_baseline", "PLC-9": "unreachable"}
    actors = {row[0] for row in instance.sql("SELECT DISTINCT actor_kind FROM core_auditevent")}
    assert actors == {"cli", "system"}
    assert json.loads(instance.run("audit", "verify", "--json").stdout)["ok"]
