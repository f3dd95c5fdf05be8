"""`otcsms import` and `otcsms export` as real processes on a real instance (SQLite file or PostgreSQL)."""

from __future__ import annotations

import json

from tests.plant.conftest import SAMPLES


def count(instance, table: str) -> int:
    return instance.sql(f"SELECT COUNT(*) FROM {table}")[0][0]


def test_import_export_round_trip_and_rejection(initialised_instance, tmp_path):
    instance = initialised_instance  # `otcsms init --admin-password an-admin-password` has run
    instance.run("import", "sites", str(SAMPLES / "sites.csv"))
    site = "north-water-treatment-plant"
    out = instance.run("import", "zones", str(SAMPLES / "zones.csv"), "--site", site).stdout
    assert out.startswith("imported 4 zones into North Water Treatment Plant")
    instance.run("import", "conduits", str(SAMPLES / "conduits.json"), "--site", site)
    summary = json.loads(
        instance.run("import", "assets", str(SAMPLES / "assets.xlsx"), "--site", site, "--json").stdout
    )
    assert summary["kind"] == "assets" and summary["created"] == summary["rows"] > 0

    # every problem on standard error, the summary first; exit 2; nothing written
    events, assets = count(instance, "core_auditevent"), count(instance, "plant_asset")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,zone,ip\nPLC-101,Control,10.0.0.1\nX,Mars,10.0.0.999\n", encoding="utf-8")
    proc = instance.run("import", "assets", str(bad), "--site", site, check=2)
    lines = proc.stderr.strip().splitlines()
    assert lines[0] == "otcsms: bad.csv: 3 problems, nothing was imported"
    assert lines[1:] == [
        "row 2, column name: asset 'PLC-101' already exists",
        "row 3, column zone: unknown zone 'Mars' in this site",
        "row 3, column ip: '10.0.0.999' is not an IPv4 or IPv6 address",
    ]
    assert (count(instance, "core_auditevent"), count(instance, "plant_asset")) == (events, assets)

    # export, then import into another site: the same rows come back
    instance.run("import", "sites", str(SAMPLES / "sites.json"), check=2)  # the sites exist already
    exported = {}
    for kind in ("zones", "conduits", "assets"):
        target = tmp_path / f"{kind}.xlsx"
        instance.run("export", kind, "--site", site, "--format", "xlsx", "-o", str(target))
        instance.run("import", kind, str(target), "--site", "bayport-refinery")
        exported[kind] = instance.run("export", kind, "--site", site, "--format", "json").stdout
    for kind, text in exported.items():
        again = instance.run("export", kind, "--site", "bayport-refinery", "--format", "json").stdout
        assert json.loads(again) == json.loads(text), kind
    actors = {row[0] for row in instance.sql("SELECT DISTINCT actor_kind FROM core_auditevent")}
    assert actors == {"cli", "system"}  # system: the shipped library, loaded by `otcsms init`
    assert json.loads(instance.run("audit", "verify", "--json").stdout)["ok"]


def test_bad_usage_exits_2_with_one_line(initialised_instance, tmp_path):
    instance = initialised_instance  # `otcsms init --admin-password an-admin-password` has run
    csv = tmp_path / "zones.csv"
    csv.write_text("name\nControl\n", encoding="utf-8")
    cases = [
        (("import", "widgets", str(csv)), "unknown kind 'widgets'"),
        (("import", "zones", str(csv)), "needs --site"),
        (("import", "zones", str(csv), "--site", "nowhere"), "no site 'nowhere'"),
        (("export", "zones", "--site", "nowhere"), "no site 'nowhere'"),
        (("export", "assets", "--format", "pdf", "--site", "x"), "unknown format 'pdf'"),
    ]
    for args, reason in cases:
        proc = instance.run(*args, check=2)
        assert reason in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    instance.run("import", "sites", str(SAMPLES / "sites.csv"))
    proc = instance.run(
        "import", "zones", str(tmp_path / "missing.csv"), "--site", "bayport-refinery", check=2
    )
    assert proc.stderr.splitlines()[1].startswith("file: cannot read the file")
