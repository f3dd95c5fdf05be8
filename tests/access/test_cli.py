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


SIGN_OFF_DEMO_REVIEW = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otcsms.settings")
django.setup()
from otcsms.access.models import ReviewCampaign
from otcsms.access.services import decide, sign_off
from otcsms.core.actor import acting_as, cli_actor
from otcsms.core.models import User
lead = User.objects.get(username="maria.lopez")
review = ReviewCampaign.objects.get()
with acting_as(cli_actor()):
    for item in review.items.filter(decision="pending"):
        decide(lead, item, decision="confirmed", comment="still needed")
    sign_off(lead, review)
print(review.title)
"""


def test_the_access_command_group(initialised_instance, tmp_path):
    import csv
    import subprocess
    import sys

    instance = initialised_instance
    instance.run("demo", "--no-serve")
    site = "riverside-wtp"

    # The reconciliation report: exit 1 because it finds problems, in each format.
    text = instance.run("access", "report", "--site", site, check=1).stdout
    assert "unknown: jsmith on HMI-01 InTouch" in text and "shared-without-owner: operator on HMI-01" in text
    report = json.loads(instance.run("access", "report", "--site", site, "--json", check=1).stdout)
    assert {r["category"] for r in report} >= {"unknown", "orphaned", "shared-without-owner", "dormant"}
    out_csv = tmp_path / "report.csv"
    instance.run("access", "report", "--site", site, "--format", "csv", "-o", str(out_csv), check=1)
    rows = list(csv.reader(out_csv.read_text("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["site", "system", "category"] and len(rows) == len(report) + 1

    # The review's record, to a file, and as evidence once it is signed off.
    proc = subprocess.run([sys.executable, "-c", SIGN_OFF_DEMO_REVIEW], env=instance.env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    title = proc.stdout.strip()
    record = tmp_path / "review.json"
    instance.run("access", "review", "export", title, "-o", str(record))
    assert {r["decision"] for r in json.loads(record.read_text())} == {"confirmed"}
    said = instance.run("access", "review", "export", title, "--evidence").stdout
    assert "Access review record" in said and "Access-change log" in said and "Reconciliation report" in said
    linked = instance.sql(
        "SELECT DISTINCT r.ref FROM evidence_evidencelink l JOIN catalogs_requirement r ON r.id = l.target_id"
    )
    assert {"CIP-004-7 R4.2", "SR 1.3"} <= {ref for (ref,) in linked}

    # Termination: every grant revoked at once, with the time of each and its delay against the 24 h limit.
    late = instance.run("access", "terminate", "Rosa Alvarez", "--site", site, "--reason", "left the company",
                        "--effective-at", "2026-01-05T08:00:00Z", check=1).stdout  # fmt: skip
    assert "2 grants revoked" in late and late.count("BEYOND THE LIMIT") == 2
    now = json.loads(instance.run("access", "terminate", "aisha.okafor@northwind.example", "--site", site,
                                  "--reason", "contract ended", "--json").stdout)  # fmt: skip
    assert len(now["revoked"]) == 2 and all(r["revoked_at"] and not r["over_limit"] for r in now["revoked"])
    active = instance.sql("SELECT COUNT(*) FROM access_accessgrant g JOIN org_person p ON p.id = g.person_id "
                          "WHERE p.name IN ('Rosa Alvarez', 'Aisha Okafor') AND g.status = 'active'")  # fmt: skip
    assert active == [(0,)]


def test_the_access_commands_refuse_bad_input_and_write_nothing(initialised_instance, tmp_path):
    instance = initialised_instance
    instance.run("demo", "--no-serve")
    events = instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0]
    site = "riverside-wtp"
    cases = [
        (("access", "report", "--site", site, "--format", "xml"), "--format 'xml'"),
        (("access", "report", "--site", "nowhere"), "no site 'nowhere'"),
        (("access", "terminate", "Nobody Known", "--site", site, "--reason", "x"), "nobody called"),
        (("access", "terminate", "Tom Baker", "--site", site, "--reason", "x", "--effective-at", "yesterday"),
         "--effective-at"),
        (("access", "terminate", "Tom Baker", "--site", site, "--reason", "bad\u202ereason"), "--reason"),
        (("access", "terminate", "Tom Baker", "--site", site, "--reason", "x", "--effective-at",
          "2999-01-01T00:00:00Z"), "future"),
        (("access", "review", "export", "No such review", "-o", str(tmp_path / "r.csv")), "no access review"),
        (("access", "review", "export", "1"), "give -o FILE, --evidence, or both"),
        (("access", "review", "export", "1", "-o", str(tmp_path / "r.pdf")), "format 'pdf'"),
        (("access", "review", "export", "1", "--evidence"), "signed-off"),
        (("access", "review", "export", "1", "-o", str(tmp_path / "missing" / "r.csv")), "cannot write"),
    ]  # fmt: skip
    for args, reason in cases:
        proc = instance.run(*args, check=2)
        assert reason in proc.stderr, (args, proc.stderr)
    assert instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0] == events
    assert not (tmp_path / "r.csv").exists()
