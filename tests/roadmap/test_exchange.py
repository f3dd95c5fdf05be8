"""The roadmap out (OSCAL POA&M that compliance-trestle loads, CSV and XLSX) and in (import, all or nothing)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from trestle.oscal.poam import PlanOfActionAndMilestones

from otcsms.roadmap import exchange, services
from otcsms.roadmap.models import Action, ActionDependency, ActionRequirement, BusinessGoal
from otcsms.tenancy.models import Site
from tests.conftest import audit_count
from tests.roadmap.conftest import action

pytestmark = pytest.mark.django_db


@pytest.fixture
def roadmap(site_a, library):
    first = action(site_a, "=HYPERLINK(\"http://x\")", effort_days=5, cost=1000, risk_reduction=4,
                   start_on=date(2026, 1, 5), due_on=date(2026, 2, 27))  # fmt: skip
    second = action(site_a, "Monitor the control network", effort_days=10, cost=9000, risk_reduction=8,
                    description="Passive monitoring of Modbus and OPC UA.", due_on=date(2026, 6, 30))  # fmt: skip
    ActionDependency.objects.create(site=site_a, action=second, depends_on=first)
    ActionRequirement.objects.create(
        site=site_a, action=second, requirement=library["sr"].requirements.get(ref="SR 5.1")
    )
    services.run_plan(None, services.plan_of(site_a))
    return first, second


def test_the_poam_validates_with_compliance_trestle(api, a_contributor, site_a, roadmap):
    r = api(a_contributor).get(f"/sites/{site_a.pk}/roadmap-poam")
    assert r.status_code == 200
    document = json.loads(r.content)
    poam = PlanOfActionAndMilestones.parse_obj(document["plan-of-action-and-milestones"])
    assert [i.title for i in poam.poam_items] == [a.title for a in roadmap]
    props = {p.name: p.value for p in poam.poam_items[1].props}
    assert props["status"] == "proposed" and props["risk-reduction"] == "8.00" and props["phase"] == "1"
    risk = poam.risks[1]
    assert "SR 5.1" in risk.statement and risk.remediations[0].tasks[0].type.root == "milestone"
    assert poam.poam_items[1].related_risks[0].risk_uuid == risk.uuid
    empty = exchange.poam(Site.objects.create(organisation=site_a.organisation, name="Empty", code="empty"))
    PlanOfActionAndMilestones.parse_obj(empty["plan-of-action-and-milestones"])


def test_csv_and_xlsx_exports_are_formula_safe(api, a_contributor, site_a, roadmap):
    client = api(a_contributor)
    r = client.get(f"/sites/{site_a.pk}/roadmap-export", format="csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0]["title"] == '\'=HYPERLINK("http://x")'
    assert (
        rows[1]["depends_on"] == '\'=HYPERLINK("http://x")'
        and rows[1]["requirements"] == "iec62443-3-3:SR 5.1"
    )
    assert rows[1]["phase"] == "1" and rows[1]["placement"].startswith("phase 1")
    r = client.get(f"/sites/{site_a.pk}/roadmap-export", format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet["B2"].value == '\'=HYPERLINK("http://x")' and sheet["B2"].data_type == "s"
    assert client.get(f"/sites/{site_a.pk}/roadmap-export", format="pdf").status_code == 422


CSV = (
    "title,effort_days,cost,risk_reduction,depends_on,requirements,due_on,goal,status\n"
    "Inventory,5,0,3,,iec62443-3-3:SR 1.1,2026-03-01,Keep production running,planned\n"
    "Baselines,8,2000,6,Inventory,,,,\n"
    "Drift watch,3,500,5,Baselines; Inventory,iec62443-3-3:SR 5.1;iec62443-3-3:SR 1.3,,,\n"
)


def upload(client, site, text: str, name: str = "actions.csv"):
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.client.post(
        f"/api/v1/sites/{site.pk}/roadmap-import", {"file": file}, headers=client.headers
    )


def test_import_creates_actions_with_dependencies_and_requirements(api, a_approver, site_a, library):
    BusinessGoal.objects.create(name="Keep production running")
    r = upload(api(a_approver), site_a, CSV)
    assert r.status_code == 201, r.json()
    made = {a.title: a for a in Action.objects.filter(site=site_a)}
    assert set(made) == {"Inventory", "Baselines", "Drift watch"}
    assert made["Inventory"].status == "planned" and made["Inventory"].goal.name == "Keep production running"
    assert sorted(made["Drift watch"].dependency_rows.values_list("depends_on__title", flat=True)) == [
        "Baselines", "Inventory"]  # fmt: skip
    assert made["Drift watch"].requirement_rows.count() == 2


@pytest.mark.parametrize("text, expected", [
    ("title,colour\nA,red\n", "column colour: unknown column"),
    ("effort_days\n5\n", "column title: the title column is required"),
    ("title,effort_days\nA,-5\n", "row 2, column effort_days: a number from 0 to 100000"),
    ("title,cost\nA,1e400\n", "row 2, column cost"),
    ("title,depends_on\nA,B\nB,A\n", "dependency cycle: A -> B -> A"),
    ("title,depends_on\nA,Nowhere\n", "'Nowhere': no such action"),
    ("title,status\nA,done\n", "proposed or planned"),
    ("title,requirements\nA,iec62443-3-3:SR 99\n", "no requirement"),
    ("title,owner\nA,bob\n", "no user 'bob' with a role on Plant A"),
    ("title\nA\nA\n", "the same title as row 2"),
    ("title,due_on\nA,31/12/2026\n", "a date as YYYY-MM-DD"),
    ("title\n\u202eevil\n", "row 2, column title"),
])  # fmt: skip
def test_a_bad_row_rejects_the_whole_file(api, a_contributor, b_viewer, site_a, library, text, expected):
    client = api(a_contributor)
    before = audit_count()
    r = upload(client, site_a, text)
    assert r.status_code == 422
    assert expected in json.dumps(r.json()["detail"]), r.json()
    assert audit_count() == before and not Action.objects.exists()


def test_import_into_a_site_the_user_cannot_write(api, b_viewer, a_contributor, site_b, site_a):
    assert upload(api(b_viewer), site_b, "title\nA\n").status_code == 403
    assert upload(api(a_contributor), site_b, "title\nA\n").status_code == 404
    assert upload(api(a_contributor), site_a, "title\nA\n", name="../../etc/passwd").status_code == 422


def test_import_of_planned_actions_needs_an_approver(api, a_contributor, site_a):
    r = upload(api(a_contributor), site_a, "title,status\nA,planned\n")
    assert r.status_code == 422 and "only approvers" in json.dumps(r.json()["detail"])
