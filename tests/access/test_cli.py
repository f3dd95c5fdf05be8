"""`otcsms import accounts FILE --system X` as a real process on the demo instance."""

from __future__ import annotations

import json


def test_import_accounts_from_the_command_line(initialised_instance, tmp_path):
    instance = initialised_instance  # after `otcsms init --admin-password an-admin-password`
    instance.run("demo", "--no-serve")
    export = tmp_path / "hmi.csv"
    export.write_text(
        "username,person,privilege\ntbaker,Tom Baker,engineer\nghost1,,view\nghost2,,view\n", "utf-16"
    )
    out = json.loads(
        instance.run("import", "accounts", str(export), "--system", "HMI-01 InTouch", "--json").stdout
    )
    assert (out["rows"], out["created"], out["removed"]) == (3, 2, 7)
    assert out["discrepancies"]["unknown"] == 2
    actors = instance.sql("SELECT DISTINCT actor_kind FROM core_auditevent WHERE object_type = 'access.account' "
                          "AND action = 'update'")  # fmt: skip
    assert actors == [("cli",)]

    assert "needs --system" in instance.run("import", "accounts", str(export), check=2).stderr
    assert (
        "no system 'Nope'"
        in instance.run("import", "accounts", str(export), "--system", "Nope", check=2).stderr
    )
    bad = tmp_path / "bad.csv"
    bad.write_bytes("username,colour\nJosé,red\n".encode("cp1252"))
    before = instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0]
    proc = instance.run("import", "accounts", str(bad), "--system", "HMI-01 InTouch", check=2)
    assert "nothing was imported" in proc.stderr and "UTF-8" in proc.stderr
    assert instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0] == before
    assert (
        "--system does not apply"
        in instance.run("import", "zones", str(bad), "--system", "x", check=2).stderr
    )
