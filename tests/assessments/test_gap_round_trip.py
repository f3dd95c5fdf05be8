"""The gap list round trip: export (XLSX/CSV), edit status, owner and comment, import back: exactly the edited
cells change, all or nothing, every bad row reported."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.conftest import audit_count, make_user

from otcsms.assessments import gapexport, services
from otcsms.assessments.models import Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def gaps(site_a, library, zones, a_contributor):
    assessment = services.create_assessment(site=site_a, framework=library["sr"], name="Baseline",
                                            assessor=a_contributor)  # fmt: skip
    ref = {r.ref: r.pk for r in library["sr"].requirements.all()}
    control, dmz = zones["control"].pk, zones["dmz"].pk
    services.set_responses(assessment, [
        services.Answer(ref["SR 1.1"], control, "not_met", comment="Shared logins"),
        services.Answer(ref["SR 1.3"], control, "partially_met", comment="=cmd|' /C calc'!A0"),
        services.Answer(ref["SR 5.1"], dmz, "partially_met", comment="Rules not reviewed"),
    ], a_contributor)  # fmt: skip
    return assessment


def answers(assessment) -> dict[tuple[int | None, str], tuple]:
    return {(r.zone_id, r.requirement.ref): (r.status, r.owner_id, r.comment, r.evidence, r.maturity)
            for r in Response.objects.filter(assessment=assessment).select_related("requirement")}  # fmt: skip


def edit(data: bytes, edits: dict[tuple[str, str, str], str]) -> bytes:
    """(zone, requirement, column) -> new text."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        for (zone, requirement, column), value in edits.items():
            if (row[0].value or "") == zone and row[2].value == requirement:
                row[header.index(column)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post(client, assessment, data: bytes, name: str = "gaps.xlsx"):
    form = {"file": SimpleUploadedFile(name, data)}
    return client.client.post(
        f"/api/v1/assessments/{assessment.pk}/gaps-import", data=form, headers=client.headers
    )


def test_the_edited_cells_and_only_they_change(api, site_a, gaps, a_contributor, zones):
    colleague = make_user("carl", roles={site_a: "contributor"})
    client = api(a_contributor)
    data = gapexport.write(gaps, gapexport.gap_rows(gaps), "xlsx")
    assert post(client, gaps, data).json()["updated"] == 0  # as exported: nothing changes
    before, events = answers(gaps), audit_count()
    response = post(client, gaps, edit(data, {
        ("Control", "SR 1.1", "status"): "partially_met",
        ("Control", "SR 1.1", "comment"): "Shared logins removed on the HMIs",
        ("OT DMZ", "SR 5.1", "owner"): "carl",
    }))  # fmt: skip
    assert response.status_code == 200, response.content
    after = answers(gaps)
    control, dmz = zones["control"].pk, zones["dmz"].pk
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {(control, "SR 1.1"), (dmz, "SR 5.1")}
    assert after[(control, "SR 1.1")][:3] == ("partially_met", None, "Shared logins removed on the HMIs")
    assert after[(dmz, "SR 5.1")][:3] == ("partially_met", colleague.pk, "Rules not reviewed")
    assert after[(control, "SR 1.3")][2] == "=cmd|' /C calc'!A0"  # the guarded cell came back as it was
    assert audit_count() > events


def test_a_bad_file_changes_nothing_and_reports_every_row(api, gaps, a_contributor):
    client = api(a_contributor)
    data = gapexport.write(gaps, gapexport.gap_rows(gaps), "xlsx")
    before, events = answers(gaps), audit_count()
    response = post(client, gaps, edit(data, {
        ("Control", "SR 1.1", "comment"): "fine",  # good, but not written
        ("Control", "SR 1.3", "status"): "sort of",
        ("OT DMZ", "SR 5.1", "owner"): "nobody",
        ("OT DMZ", "SR 5.1", "title"): "renamed",
    }))  # fmt: skip
    assert response.status_code == 422
    found = {(p["row"], p["column"]) for p in response.json()["detail"]}
    assert found == {(3, "status"), (4, "owner"), (4, "title")}
    assert answers(gaps) == before and audit_count() == events


def test_csv_comes_back_too_and_others_cannot_import(api, site_a, gaps, a_contributor, b_viewer):
    data = gapexport.write(gaps, gapexport.gap_rows(gaps), "csv")
    text = data.decode("utf-8-sig").replace('"Shared logins"', '"Shared logins, ticket 42"')
    assert post(api(a_contributor), gaps, text.encode("utf-8"), "gaps.csv").json()["updated"] == 1
    viewer = make_user("vic", roles={site_a: "viewer"})
    assert post(api(viewer), gaps, data, "gaps.csv").status_code == 403
    assert post(api(b_viewer), gaps, data, "gaps.csv").status_code == 404


def test_the_command_line_finds_the_assessment_from_the_files_requirements(site_a, gaps, library):
    """What `otcsms import gaps FILE --site S` runs: the site's latest assessment of the framework whose
    requirements the file names; the answers changed with no assessor (the audit trail names the command line)."""
    from otcsms.assessments import gapimport
    from otcsms.plant.importfiles import ImportRejected

    rows = gapexport.gap_rows(gaps)
    data = (
        gapexport.write(gaps, rows, "csv")
        .decode("utf-8-sig")
        .replace("Shared logins", "Shared logins removed")
    )
    assert gapimport.assessment_of(site_a, data.encode(), "gaps.csv") == gaps
    result = gapimport.import_gaps(gaps, data.encode(), "gaps.csv", by=None)
    assert result.as_dict()["updated"] == 1
    assert answers(gaps)[(rows[0].zone_id, "SR 1.1")][2] == "Shared logins removed"
    alien = b"zone,requirement,status\n,CIP-004-7 R4.2,met\n"
    with pytest.raises(ImportRejected, match="not those of any assessment at Plant A"):
        gapimport.assessment_of(site_a, alien, "gaps.csv")
