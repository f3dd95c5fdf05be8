"""The POA&M workbook: out (actions and open gaps, formula-safe, filters, frozen header) and back in (the
edited cells, and only those, update the actions through the roadmap's transitions; all or nothing)."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from otcsms.assessments import services as assessments
from otcsms.core.models import AuditEvent
from otcsms.roadmap import poam_sheet
from otcsms.roadmap.models import Action, ActionRequirement
from tests.conftest import audit_count, make_user
from tests.roadmap.conftest import action

pytestmark = pytest.mark.django_db


@pytest.fixture
def zoned_gaps(site_a, library, zones, a_contributor):
    """SR 1.1 and SR 1.3 not met and SR 5.1 partially met in the control zone."""
    assessment = assessments.create_assessment(site=site_a, framework=library["sr"], name="Baseline",
                                               assessor=a_contributor)  # fmt: skip
    ref = {r.ref: r.pk for r in library["sr"].requirements.all()}
    control = zones["control"].pk
    assessments.set_responses(assessment, [
        assessments.Answer(ref["SR 1.1"], control, "not_met", comment="Shared logins"),
        assessments.Answer(ref["SR 1.3"], control, "not_met"),
        assessments.Answer(ref["SR 5.1"], control, "partially_met"),
    ], a_contributor)  # fmt: skip
    return assessment


@pytest.fixture
def roadmap(site_a, library, zoned_gaps, a_contributor):
    first = action(site_a, '=HYPERLINK("http://x")', cost=1000, risk_reduction=4,
                   start_on=date(2026, 1, 5), due_on=date(2026, 2, 27))  # fmt: skip
    second = action(site_a, "Segment the control network", cost=9000, risk_reduction=8, status="planned",
                    due_on=date(2026, 6, 30), owner=a_contributor)  # fmt: skip
    third = action(site_a, "Replace shared logins", status="in_progress", start_on=date(2026, 1, 1))
    ActionRequirement.objects.create(
        site=site_a, action=second, requirement=library["sr"].requirements.get(ref="SR 5.1")
    )
    return first, second, third


def workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(sheet) -> dict[str, dict[str, object]]:
    header = [c.value for c in sheet[1]]
    return {
        row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    }


def test_the_workbook_lists_actions_and_unaddressed_gaps_safely(site_a, roadmap):
    first, second, _third = roadmap
    _name, data = poam_sheet.export_xlsx(site_a)
    book = workbook(data)
    sheet = book["POA&M"]
    assert book.sheetnames[0] == "POA&M"
    assert [c.value for c in sheet[1]] == list(poam_sheet.COLUMNS)
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref.startswith("A1:O")
    rows = sheet_rows(sheet)
    assert rows[f"A-{first.pk}"]["weakness"] == "'" + first.title  # shown as text, never run as a formula
    assert sheet.cell(row=2, column=2).data_type == "s"
    assert rows[f"A-{second.pk}"]["source_requirements"] == "iec62443-3-3:SR 5.1"
    assert rows[f"A-{second.pk}"]["due_on"].date() == date(2026, 6, 30)  # a real date cell
    assert (rows[f"A-{second.pk}"]["owner"], rows[f"A-{second.pk}"]["status"]) == ("alice", "planned")
    assert rows[f"A-{second.pk}"]["cost"] == 9000
    gaps = {k: v for k, v in rows.items() if k.startswith("G-")}
    # SR 1.1 and SR 1.3 are not met and no action satisfies them; SR 5.1 is the second action's
    assert sorted(v["source_requirements"] for v in gaps.values()) == [
        "iec62443-3-3:SR 1.1",
        "iec62443-3-3:SR 1.3",
    ]
    assert {v["status"] for v in gaps.values()} == {"open gap"}
    assert {v["zones"] for v in gaps.values()} == {"Control"} and rows[f"A-{second.pk}"]["zones"] == "Control"


def snapshot(site) -> dict[int, dict[str, object]]:
    fields = ("title", "owner_id", "status", "status_reason", "start_on", "due_on", "completed_on", "cost",
              "risk_reduction", "description")  # fmt: skip
    return {row["id"]: row for row in Action.objects.filter(site=site).values("id", *fields)}


def edited(data: bytes, edits: dict[tuple[str, str], object]) -> bytes:
    """The workbook with the given (id, column) cells set, as Excel would save it."""
    book = workbook(data)
    sheet = book["POA&M"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        for (key, column), value in edits.items():
            if row[0].value == key:
                row[header.index(column)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post(client, site, data: bytes, name: str = "poam.xlsx"):
    form = {"file": SimpleUploadedFile(name, data)}
    return client.client.post(
        f"/api/v1/sites/{site.pk}/roadmap-poam-import", data=form, headers=client.headers
    )


def test_the_round_trip_changes_exactly_the_edited_cells(api, site_a, roadmap, a_approver, a_contributor):
    first, second, third = roadmap
    client = api(a_approver)
    export = client.get(f"/sites/{site_a.pk}/roadmap-poam", format="xlsx")
    assert export.status_code == 200
    unchanged = post(client, site_a, export.content)
    assert unchanged.status_code == 200 and unchanged.json()["updated"] == 0
    before = snapshot(site_a)
    events = AuditEvent.objects.count()
    back = edited(export.content, {
        (f"A-{first.pk}", "status"): "planned",  # plan (an approver's transition)
        (f"A-{first.pk}", "due_on"): date(2026, 3, 31),  # the plant manager's new date
        (f"A-{second.pk}", "owner"): "april",
        (f"A-{third.pk}", "due_on"): "2026-09-30",  # typed as text, not as a date cell
    })  # fmt: skip
    response = post(client, site_a, back)
    assert response.status_code == 200, response.content
    assert response.json()["updated"] == 3
    after = snapshot(site_a)
    changed = {(pk, name) for pk in before for name in before[pk] if before[pk][name] != after[pk][name]}
    assert changed == {
        (first.pk, "status"),
        (first.pk, "due_on"),
        (second.pk, "owner_id"),
        (third.pk, "due_on"),
    }
    assert after[first.pk]["due_on"] == date(2026, 3, 31) and after[third.pk]["due_on"] == date(2026, 9, 30)
    assert after[second.pk]["owner_id"] == a_approver.pk
    new_events = list(AuditEvent.objects.order_by("-seq")[: AuditEvent.objects.count() - events])
    assert new_events and all(e.actor_user_id == a_approver.pk for e in new_events)
    assert {e.object_id for e in new_events if e.object_type == "roadmap.action"} == {
        str(first.pk),
        str(second.pk),
        str(third.pk),
    }


def test_a_bad_file_changes_nothing_and_every_bad_row_is_reported(
    api, site_a, roadmap, a_approver, a_contributor
):
    first, second, third = roadmap
    _name, data = poam_sheet.export_xlsx(site_a)
    gap = next(k for k in sheet_rows(workbook(data)["POA&M"]) if k.startswith("G-"))
    approver, contributor = api(a_approver), api(a_contributor)
    before, events = snapshot(site_a), audit_count()
    back = edited(data, {
        (f"A-{first.pk}", "due_on"): date(2026, 4, 1),  # good, but not written: another row is bad
        (f"A-{second.pk}", "status"): "cancelled",  # no reason
        (f"A-{third.pk}", "status"): "planned",  # in progress cannot go back to planned
        (f"A-{third.pk}", "cost"): 5,  # read-only
        (gap, "status"): "planned",  # a gap row is read here only
    })  # fmt: skip
    response = post(approver, site_a, back)
    assert response.status_code == 422
    found = {(p["row"], p["column"]) for p in response.json()["detail"]}
    rows = {k: i for i, k in enumerate(sheet_rows(workbook(data)["POA&M"]), start=2)}
    assert found == {
        (rows[f"A-{second.pk}"], "status_reason"), (rows[f"A-{third.pk}"], "status"),
        (rows[f"A-{third.pk}"], "cost"), (rows[gap], "status"),
    }  # fmt: skip
    assert snapshot(site_a) == before and audit_count() == events
    # a contributor may not plan (an approver's decision); unknown ids and columns are refused too
    refused = post(contributor, site_a, edited(data, {(f"A-{first.pk}", "status"): "planned"}))
    assert refused.status_code == 422 and "only approvers" in refused.json()["detail"][0]["reason"]
    book = workbook(data)
    book["POA&M"]["A2"].value = "A-999999"
    book["POA&M"]["P1"].value = "notes"
    out = io.BytesIO()
    book.save(out)
    problems = post(approver, site_a, out.getvalue()).json()["detail"]
    assert any(p["column"] == "notes" for p in problems)
    assert snapshot(site_a) == before and audit_count() == events


def test_others_cannot_export_or_import_the_sites_poam(api, site_a, roadmap, b_viewer, outsider):
    viewer = make_user("vic", roles={site_a: "viewer"})
    _name, data = poam_sheet.export_xlsx(site_a)
    assert api(b_viewer).get(f"/sites/{site_a.pk}/roadmap-poam", format="xlsx").status_code == 404
    assert api(outsider).get(f"/sites/{site_a.pk}/roadmap-poam", format="xlsx").status_code == 404
    assert post(api(b_viewer), site_a, data).status_code == 404
    assert post(api(viewer), site_a, data).status_code == 403
