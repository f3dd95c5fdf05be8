"""`otcsms import gaps FILE --site S` as a real process (the import itself is tested through the service in
test_gap_round_trip.py): a refused file exits 2 with one line per problem and writes nothing."""

from __future__ import annotations


def test_import_gaps_from_the_command_line_refuses_with_a_reason(initialised_instance, tmp_path):
    instance = initialised_instance
    sites = tmp_path / "sites.csv"
    sites.write_text("name\nMill One\n", encoding="utf-8")
    instance.run("import", "sites", str(sites))
    gaps = tmp_path / "gaps.csv"
    gaps.write_text("zone,requirement,status,comment\n,SR 1.1,met,done\n", encoding="utf-8")
    before = instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0]
    proc = instance.run("import", "gaps", str(gaps), "--site", "mill-one", check=2)
    assert proc.stderr.strip().splitlines() == [
        "otcsms: gaps.csv: 1 problem, nothing was changed: file, column requirement: the file's requirements are "
        "not those of any assessment at Mill One (export the gap list again)"
    ]
    assert "importing gaps needs --site" in instance.run("import", "gaps", str(gaps), check=2).stderr
    assert instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0] == before
