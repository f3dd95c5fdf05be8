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
