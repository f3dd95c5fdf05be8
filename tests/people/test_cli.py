"""`otcsms import completions FILE --site S` and `otcsms people readiness|matrix` as real processes."""

from __future__ import annotations

import json
import subprocess
import sys

SETUP = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otcsms.settings")
django.setup()
from django.db import transaction
from otcsms.core.actor import acting_as, cli_actor
from otcsms.org.models import Person
from otcsms.people.models import Course, CourseRequirement
from otcsms.tenancy.models import Organisation, Site
with acting_as(cli_actor()), transaction.atomic():
    org = Organisation.objects.order_by("pk").first()
    site = Site.objects.create(organisation=org, name="Plant A", code="plant-a")
    Person.objects.create(organisation=org, site=site, name="Ann Engineer", email="ann@plant-a.test")
    course = Course.objects.create(code="OT-ENG-201", title="Secure engineering", kind="role-based",
                                   validity_months=24)
    CourseRequirement.objects.create(site=site, course=course)
"""


def test_completions_import_and_readiness_from_the_command_line(initialised_instance, tmp_path):
    instance = initialised_instance
    proc = subprocess.run([sys.executable, "-c", SETUP], env=instance.env, capture_output=True, text=True,
                          timeout=180)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    export = tmp_path / "lms.csv"
    export.write_text("\ufeffLearner Email,Course Code,Completion Date\nann@plant-a.test,OT-ENG-201,2026-06-01\n",
                      "utf-16-le")  # fmt: skip
    out = json.loads(instance.run("import", "completions", str(export), "--site", "plant-a", "--json").stdout)
    assert out == {"site": "plant-a", "rows": 1, "created": 1, "unchanged": 0}
    actors = instance.sql(
        "SELECT DISTINCT actor_kind FROM core_auditevent WHERE object_type = 'people.completion'"
    )
    assert actors == [("cli",)]

    before = instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0]
    bad = tmp_path / "bad.csv"
    bad.write_text("email,course,completed_on\nghost@x.test,OT-ENG-201,2026-01-01\n", "utf-8")
    proc = instance.run("import", "completions", str(bad), "--site", "plant-a", check=2)
    assert "nothing was imported" in proc.stderr and "'ghost@x.test' names nobody known" in proc.stderr
    assert "needs --site" in instance.run("import", "completions", str(bad), check=2).stderr
    assert instance.sql("SELECT COUNT(*) FROM core_auditevent")[0][0] == before

    proc = instance.run("people", "readiness", "ann@plant-a.test", "--site", "plant-a", "--privilege", "engineer",
                        "--json", check=1)  # fmt: skip
    said = json.loads(proc.stdout)
    assert not said["ready"] and [n["subject"] for n in said["needs"]] == ["personnel screening"]
    proc = instance.run("people", "readiness", "Ann Engineer", "--site", "plant-a")
    assert "Ann Engineer at Plant A: ready" in proc.stdout
    assert "--privilege must be one of" in instance.run("people", "readiness", "Ann Engineer", "--site",
                                                        "plant-a", "--privilege", "god", check=2).stderr  # fmt: skip
    assert (
        "no person 'Nobody'"
        in instance.run("people", "readiness", "Nobody", "--site", "plant-a", check=2).stderr
    )
    matrix = json.loads(instance.run("people", "matrix", "--site", "plant-a", "--json").stdout)
    assert matrix["percent"] == 100 and matrix["rows"][0]["cells"] == ["ok"]
