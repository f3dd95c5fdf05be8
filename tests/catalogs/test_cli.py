"""`otcsms frameworks ...` as a real process on a real instance (SQLite file or scratch PostgreSQL database)."""

from __future__ import annotations

import json

from trestle.oscal.catalog import Catalog

from tests.catalogs.conftest import licensed_62443_3_3, write_document
from tests.catalogs.test_loader import framework_document, node


def events(instance) -> int:
    return instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0]


def test_init_loads_the_library_once_and_the_cli_answers_from_it(initialised_instance, tmp_path, frameworks):
    # `otcsms init` on an empty database is tests/cli/test_cli.py's; this one starts from its copy
    instance = initialised_instance
    assert instance.sql("SELECT COUNT(*) FROM catalogs_requirement")[0][0] == 2399
    loaded = events(instance)
    instance.run("init")
    assert events(instance) == loaded, "a second init must change nothing"

    listed = json.loads(instance.run("frameworks", "list", "--json").stdout)
    assert {row["id"] for row in listed} == set(frameworks)
    assert all({"id", "name", "version"} <= row.keys() for row in listed)

    answer = json.loads(instance.run("frameworks", "crosswalk", "iec62443-3-3", "SR 1.3", "--json").stdout)
    rows = answer["mapped"] + answer["related"]
    assert answer["counts"] == {"mapped": len(answer["mapped"]), "related": len(answer["related"])}
    direct = {(r["framework"], r["requirement"]) for r in answer["mapped"] if len(r["path"]) == 2}
    for pair in [("nist-sp800-53r5", "AC-2"), ("nist-csf-1-1", "PR.AC-1"), ("nerc-cip", "CIP-004-7 R4"),
                 ("iec62443-4-2", "CR 1.3")]:  # fmt: skip
        assert pair in direct
    assert all({"framework", "requirement", "relationship", "strength", "hops", "path", "steps"} <= r.keys()
               for r in rows)  # fmt: skip
    assert all(r["path"][0] == "iec62443-3-3:SR 1.3" for r in rows)
    assert {r["relationship"] for r in answer["related"]} == {"related"}
    ia21 = json.loads(instance.run("frameworks", "crosswalk", "nist-sp800-53r5", "IA-2(1)", "--json").stdout)
    overlay = {(r["framework"], r["requirement"]): r for r in ia21["mapped"]}
    assert overlay[("nist-sp800-82r3-overlay", "IA-2(1)")]["relationship"] == "equal"
    cip = json.loads(instance.run("frameworks", "crosswalk", "nerc-cip", "CIP-004-7 R4.1", "--json").stdout)
    assert cip["mapped"] and all(r["path"][0] == "nerc-cip:CIP-004-7 R4.1" for r in cip["mapped"])
    table = instance.run("frameworks", "crosswalk", "iec62443-3-3", "sr 1.3").stdout
    assert "SR 1.3: Account lifecycle administration" in table and "CIP-004-7 R4" in table
    summary = f"{len(answer['mapped'])} mapped, {len(answer['related'])} related within 3 hops"
    assert summary in table and "--related lists" in table and "nothing is inferred over these" not in table
    assert "nist-sp800-82r3-overlay" in table  # SR 1.3 = AC-2 = the overlay's AC-2: a mapping, shown
    listed = instance.run("frameworks", "crosswalk", "iec62443-3-3", "SR 1.3", "--related").stdout
    assert "related (nothing is inferred over these)" in listed
    assert all(f"{r['framework']}" in listed and r["requirement"] in listed for r in answer["related"][:5])

    exported = tmp_path / "sp800-53.json"
    instance.run("frameworks", "export", "nist-sp800-53r5", "--format", "oscal", "-o", str(exported))
    catalog = Catalog.model_validate(json.loads(exported.read_text("utf-8"))["catalog"])
    assert len(catalog.groups) == 20 and catalog.metadata.version == "5.1.1"

    before = events(instance)
    broken = write_document(
        tmp_path / "broken.json", framework_document([node("AC"), node("AC-01", "AX"), node("AC-01", "AC")])
    )
    proc = instance.run("frameworks", "import", str(broken), check=2)
    assert proc.stderr.strip().splitlines() == [
        "otcsms: broken.json: /framework/requirements/2/id: duplicate requirement id 'AC-01' "
        "(first at /framework/requirements/1) (and 1 more problem)"
    ]
    assert events(instance) == before

    licensed = write_document(tmp_path / "licensed.json", licensed_62443_3_3(frameworks))
    result = json.loads(instance.run("frameworks", "import", str(licensed), "--json").stdout)
    assert result["frameworks"][0]["is_current"] and result["frameworks"][0]["previous_version"] == "2013-r2"
    diff = json.loads(
        instance.run("frameworks", "diff", "iec62443-3-3", "2013-r2", "2013.1", "--json").stdout
    )
    assert diff["added"] == ["SR 7.9"] and diff["removed"] == ["SR 7.3 RE 1"]
    versions = json.loads(instance.run("frameworks", "list", "--all", "--json").stdout)
    assert {(v["version"], v["current"]) for v in versions if v["id"] == "iec62443-3-3"} == {
        ("2013-r2", False), ("2013.1", True)
    }  # fmt: skip
    old = instance.run("frameworks", "crosswalk", "iec62443-3-3@2013-r2", "SR 1.3", check=2)
    assert "not the current version" in old.stderr
    assert json.loads(instance.run("audit", "verify", "--json").stdout)["ok"]


BAD_INPUT = [
    (("frameworks", "crosswalk", "iec62443-3-3", "SR 9.3"), "did you mean 'SR"),
    (("frameworks", "crosswalk", "iec62443-9-9", "SR 1.1"), "no framework 'iec62443-9-9'"),
    (("frameworks", "crosswalk", "nerc-cip", "CIP-004-7 R4.1", "--max-hops", "9"), "--max-hops"),
    (("frameworks", "export", "nerc-cip", "--format", "pdf"), "unknown format"),
    (("frameworks", "export", "nerc-cip@1999"), "has no version '1999'"),
    (("frameworks", "diff", "nerc-cip", "2025-09", "2030"), "has no version '2030'"),
    (("frameworks", "import", "/nonexistent/file.yaml"), "no such file"),
    (("frameworks", "import", "--framework", "x", "src/otcsms/catalogs/library/nerc-cip.yaml"), "OSCAL"),
]


def test_bad_input_exits_2_and_writes_nothing(initialised_instance):
    instance = initialised_instance  # `otcsms init --admin-password an-admin-password` has run
    before = events(instance)
    for args, reason in BAD_INPUT:
        proc = instance.run(*args, check=2)
        assert reason in proc.stderr, (args, proc.stderr)
        if args[1] != "crosswalk" or "--max-hops" not in args:  # typer's own usage errors are boxed
            assert len(proc.stderr.strip().splitlines()) == 1, (args, proc.stderr)
    assert events(instance) == before


def test_frameworks_commands_before_init_exit_2(instance):
    proc = instance.run("frameworks", "list", check=2)
    assert "otcsms init" in proc.stderr
