"""`otcsms import actions FILE --site S` as a real process."""

from __future__ import annotations

import json


def test_import_actions_from_the_command_line(initialised_instance, tmp_path):
    instance = initialised_instance
    sites = tmp_path / "sites.csv"
    sites.write_text("name,sector\nNorth plant,water\n")
    instance.run("import", "sites", str(sites))
    actions = tmp_path / "actions.csv"
    actions.write_text(
        "title,effort_days,cost,risk_reduction,depends_on\nInventory,5,0,3,\nBaselines,8,2000,6,Inventory\n"
    )
    out = json.loads(
        instance.run("import", "actions", str(actions), "--site", "North plant", "--json").stdout
    )
    assert out["created"] == 2
    actors = instance.sql(
        "SELECT DISTINCT actor_kind FROM core_auditevent WHERE object_type = 'roadmap.action'"
    )
    assert actors == [("cli",)]
    assert instance.sql("SELECT COUNT(*) FROM roadmap_actiondependency")[0][0] == 1

    before = instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0]
    bad = tmp_path / "bad.csv"
    bad.write_text("title,effort_days\nOK,1\nNegative,-2\n")
    proc = instance.run("import", "actions", str(bad), "--site", "North plant", check=2)
    assert proc.stderr.strip().splitlines()[0] == (
        "otcsms: bad.csv: 1 problem, nothing was imported: row 3, column effort_days: a number from 0 to 100000"
    )
    assert "needs --site" in instance.run("import", "actions", str(actions), check=2).stderr
    assert instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0] == before


def test_roadmap_sync_from_the_command_line(initialised_instance, tmp_path):
    """`otcsms roadmap sync`: an advisory hitting a PLC gives one action (the cli actor), a re-run none; an
    unknown site exits 2 with one line."""
    from tests.risk.conftest import DEMO_ADVISORY

    instance = initialised_instance
    sites = tmp_path / "sites.csv"
    sites.write_text("name,sector\nNorth plant,water\n")
    instance.run("import", "sites", str(sites))
    assets = tmp_path / "assets.csv"
    assets.write_text("name,type,vendor,model,firmware\nPLC-1,plc,Rockwell Automation,"
                      "ControlLogix 5580 (1756-L83E),33.011\n")  # fmt: skip
    instance.run("import", "assets", str(assets), "--site", "North plant")
    instance.run("import", "advisories", str(DEMO_ADVISORY), "--site", "North plant")
    first = json.loads(instance.run("roadmap", "sync", "--site", "North plant", "--json").stdout)
    assert len(first["created"]) == 1
    again = json.loads(instance.run("roadmap", "sync", "--json").stdout)
    assert again["created"] == [] and again["unchanged"] == 1
    assert instance.sql(
        "SELECT DISTINCT actor_kind FROM core_auditevent WHERE object_type = 'roadmap.action'"
    ) == [("cli",)]
    proc = instance.run("roadmap", "sync", "--site", "Nowhere", check=2)
    assert len(proc.stderr.strip().splitlines()) == 1
