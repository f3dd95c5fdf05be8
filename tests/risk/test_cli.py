"""`otcsms import advisories FILE [--site S]` as a real process: exit 0 and what changed, exit 2 with the
JSON path and nothing written on a bad file, an older version refused, a re-import of the same version a no-op."""

from __future__ import annotations

import json

from tests.risk.conftest import DATA, DEMO_ADVISORY


def test_import_advisories_from_the_command_line(initialised_instance, tmp_path):
    instance = initialised_instance
    instance.run("demo", "--no-serve")
    out = json.loads(instance.run("import", "advisories", str(DATA / "icsa-24-107-03-v1.json"),
                                  "--site", "riverside-wtp", "--json").stdout)  # fmt: skip
    (imported,) = out["imports"]
    assert (imported["site"], imported["tracking_id"], imported["outcome"]) == (
        "riverside-wtp",
        "ICSA-24-107-03",
        "created",
    )
    actors = instance.sql(
        "SELECT DISTINCT actor_kind FROM core_auditevent WHERE object_type = 'risk.advisory'"
    )
    assert ("cli",) in actors

    everywhere = instance.run("import", "advisories", str(DATA / "icsa-24-107-03-v2.json")).stdout
    assert "riverside-wtp" not in everywhere  # sites are named by name in the text
    assert "version 2 updated" in everywhere and "version 2 created" in everywhere
    again = instance.run(
        "import", "advisories", str(DATA / "icsa-24-107-03-v2.json"), "--site", "riverside-wtp"
    )
    assert "already imported (nothing changed)" in again.stdout

    before = instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0]
    older = instance.run("import", "advisories", str(DATA / "icsa-24-107-03-v1.json"), check=2)
    assert "older than version 2" in older.stderr and "nothing was imported" in older.stderr
    bad = tmp_path / "bad.json"
    document = json.loads((DATA / "icsa-24-107-03-v1.json").read_bytes())
    document["product_tree"]["branches"][0]["branches"][1]["name"] = ["not", "a", "string"]
    bad.write_text(json.dumps(document))
    proc = instance.run("import", "advisories", str(bad), "--site", "riverside-wtp", check=2)
    assert "/product_tree/branches/0/branches/1/name: expected a string" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    assert "deeper than" in instance.run("import", "advisories", str(deep), check=2).stderr
    assert (
        "cannot read" in instance.run("import", "advisories", str(tmp_path / "missing.json"), check=2).stderr
    )
    assert (
        "--system does not apply"
        in instance.run("import", "advisories", str(DEMO_ADVISORY), "--system", "x", check=2).stderr
    )
    assert (
        "no site"
        in instance.run("import", "advisories", str(DEMO_ADVISORY), "--site", "nowhere", check=2).stderr
    )
    assert instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0] == before


def test_the_demo_shows_risks_and_the_advisory(initialised_instance):
    instance = initialised_instance
    instance.run("demo", "--no-serve")
    assert instance.sql("SELECT COUNT(*) FROM risk_threatscenario")[0][0] == 8
    hits = instance.sql(
        "SELECT a.name, v.match FROM risk_assetvulnerability v JOIN plant_asset a ON a.id = v.asset_id ORDER BY a.name"
    )
    assert ("PLC-FLT-01", "affected") in hits and ("PLC-L1", "affected") in hits
    checks = json.loads(instance.run("check", "--json", check=1).stdout)["findings"]
    found = {f["check"] for f in checks}
    assert {"risk.vulnerability-untreated", "risk.acceptance-expired"} <= found
    instance.run("demo", "--no-serve")  # a second run changes nothing
    assert instance.sql("SELECT COUNT(*) FROM risk_threatscenario")[0][0] == 8
