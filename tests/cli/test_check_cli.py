"""`otcsms check` as a real process on a real instance: the JSON contract, exit codes, no duplicates."""

from __future__ import annotations

import json

CONTRACT = {"check", "severity", "site", "object", "message", "requirements"}


def test_check_prints_the_contract_and_exits_1_on_high_findings(initialised_instance, tmp_path):
    instance = initialised_instance  # `otcsms init --admin-password an-admin-password` has run
    instance.run("check", "--site", "nowhere", check=2)  # bad usage: nothing written, one line
    assert instance.sql("SELECT COUNT(*) FROM checks_checkrun")[0][0] == 0
    sites, zones, assets = tmp_path / "sites.csv", tmp_path / "zones.csv", tmp_path / "assets.csv"
    sites.write_text("name\nMill One\nMill Two\n", encoding="utf-8")
    zones.write_text("name,sl_t\nCell,2\nOffice,1\n", encoding="utf-8")
    assets.write_text(
        "name,zone,endpoints\nPLC-1,Cell,\nPLC-2,Cell,modbus+tcp://10.0.0.2:502?unit=1\n", encoding="utf-8"
    )
    instance.run("import", "sites", str(sites))
    instance.run("import", "zones", str(zones), "--site", "mill-one")
    instance.run("import", "assets", str(assets), "--site", "mill-one")

    first = instance.run("check", "--json", check=1)
    document = json.loads(first.stdout)
    found = {(f["check"], f["object"]): f for f in document["findings"]}
    assert all(set(f) == CONTRACT for f in document["findings"]) and document["errors"] == []
    plc = found[("plant.asset-without-endpoints", "PLC-1")]
    assert (plc["severity"], plc["site"]) == ("high", "Mill One") and ["iec62443-3-3", "SR 7.8"] in plc[
        "requirements"
    ]
    assert {key for key in found if key[0].startswith("plant.")} == {
        ("plant.asset-without-endpoints", "PLC-1"), ("plant.zone-sl-t-reason", "Cell"),
        ("plant.zone-sl-t-reason", "Office")}  # fmt: skip
    # the documentation-completeness audit is part of `otcsms check` (nothing is documented yet)
    assert {
        ("evidence.zone-without-diagram", "Cell"),
        ("evidence.asset-without-configuration", "PLC-1"),
    } <= set(found)

    # a second run duplicates nothing; its text form names the findings and still exits 1
    again = instance.run("check", check=1)
    assert "0 findings opened" in again.stdout and "PLC-1" in again.stdout
    assert instance.sql("SELECT COUNT(*) FROM checks_finding")[0][0] == len(found)
    # a site with nothing high exits 0
    assert json.loads(instance.run("check", "--site", "mill-two", "--json").stdout) == {
        "findings": [],
        "errors": [],
    }
    actors = {row[0] for row in instance.sql("SELECT DISTINCT actor_kind FROM core_auditevent")}
    assert actors == {"cli", "system"}  # system: the shipped library, loaded by `otcsms init`
    assert json.loads(instance.run("audit", "verify", "--json").stdout)["ok"]
