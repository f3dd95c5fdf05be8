"""The first report kinds: gap report (the assessments app's own gap list), statement of applicability and
coverage matrix, rendered to standalone HTML and to a real PDF, each stating its provenance."""

from __future__ import annotations

import re

import pytest

from otcsms.assessments import gapexport
from otcsms.core.models import AuditChainHead, AuditEvent
from otcsms.reports import framework, kinds
from otcsms.reports.framework import ReportError
from otcsms.ui import charts

# An attribute or CSS reference to anything but inline data: what a standalone report must not have.
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|xlink:href)\s*=|url\()\s*["']?\s*(?!data:|#)[^"'\s>)]""", re.I
)


def test_gap_report_is_the_assessments_gap_list_per_assessment(assessed, site_a, a_contributor):
    data = kinds.gap_report(site_a, a_contributor, {})
    by_name = {s["assessment"].name: s for s in data.context["sections"]}
    assert set(by_name) == {"Baseline", "NIST check"}
    rows = [r for g in by_name["Baseline"]["groups"] for fr in g.frs for r in fr.rows]
    assert rows == gapexport.gap_rows(assessed["sr"])
    assert (by_name["Baseline"]["count"], by_name["Baseline"]["not_met"]) == (4, 2)
    assert by_name["NIST check"]["count"] == 0
    one = kinds.gap_report(site_a, a_contributor, {"assessment": str(assessed["nist"].pk)})
    assert [s["assessment"].name for s in one.context["sections"]] == ["NIST check"]
    # the Reports page offers both assessments for the per-assessment kinds
    from otcsms.reports import pickers

    offered = pickers.pickers(site_a, a_contributor)
    assert {pk for pk, _ in offered["gaps"].choices} == {assessed["sr"].pk, assessed["nist"].pk}
    assert offered["soa"].parameter == "assessment" and "coverage" not in offered


def test_statement_of_applicability_gives_reason_status_and_evidence(assessed, site_a, a_contributor):
    data = kinds.statement_of_applicability(site_a, a_contributor, {})
    sections = {s["framework"]: {r.ref: r for r in s["rows"]} for s in data.context["sections"]}
    nist = sections["NIST SP 800-53"]
    assert (nist["AC-2"].applicable, nist["AC-2"].reason) == (False, "No accounts: the cell has no HMI")
    assert (nist["IA-2"].applicable, nist["IA-2"].status, nist["IA-2"].evidence) == (
        True,
        "met",
        ["badge register"],
    )
    assert (nist["SC-7"].applicable, nist["SC-7"].status) == (True, "not_assessed")
    sr = sections["IEC 62443-3-3"]
    # SR 5.1: met in Control, partially met in the DMZ -> partially met over the site, in two zones
    assert (sr["SR 5.1"].status, sr["SR 5.1"].zones) == ("partially_met", 2)
    assert sr["SR 1.1"].evidence == ["doc-17"] and "FR 1" not in sr  # groups are not requirements


def test_coverage_matrix_counts_assessed_and_inferred_frameworks(assessed, site_a, a_contributor):
    data = kinds.coverage_matrix(site_a, a_contributor, {})
    rows = {r.framework: r for r in data.context["rows"]}
    assert rows["IEC 62443-3-3"].source == "assessed in Baseline"
    assert rows["NIST SP 800-53"].source == "assessed in NIST check"
    assert rows["NERC CIP"].source.startswith("inferred from ")
    nist = rows["NIST SP 800-53"].counts
    assert (nist.met, nist.not_applicable, nist.not_assessed) == (1, 1, 1)
    assert data.context["chart"].startswith("<svg") and data.context["chart"].count("<rect") >= 4


def test_bad_parameters_are_refused(assessed, site_a, site_b, a_contributor, org_admin):
    with pytest.raises(ReportError, match="unknown report parameter"):
        kinds.gap_report(site_a, a_contributor, {"zone": "1"})
    with pytest.raises(ReportError, match="no assessment"):
        kinds.gap_report(site_a, a_contributor, {"assessment": "../../etc/passwd"})
    # an assessment of another site is not this site's, even for an org admin
    with pytest.raises(ReportError, match="no assessment"):
        kinds.gap_report(site_b, org_admin, {"assessment": str(assessed["sr"].pk)})
    with pytest.raises(ReportError, match="takes none"):
        kinds.coverage_matrix(site_a, a_contributor, {"x": "1"})
    with pytest.raises(framework.UnknownKindError):
        framework.build("nope", site_a, a_contributor)


@pytest.mark.parametrize("kind", ["gaps", "soa", "coverage"])
def test_report_states_provenance_and_is_standalone_html(assessed, site_a, auditor, kind):
    report = framework.build(kind, site_a, auditor)
    head = AuditChainHead.objects.get(pk=1).seq
    assert report.provenance.audit_seq == head > 0
    assert report.provenance.instance_id == AuditEvent.objects.get(seq=1).hash[:16]
    assert report.provenance.made_by == "audrey"
    html = framework.render(report, "html").decode()
    assert f"#{head}" in html and report.provenance.instance_id in html and "audrey" in html
    assert not EXTERNAL.findall(html), EXTERNAL.findall(html)[:3]
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html and "<link" not in html
    assert "&lt;b&gt;operator" in html or kind != "gaps"  # user text is escaped, never markup


def test_pdf_is_a_real_pdf_with_the_chart(assessed, site_a, auditor):
    report = framework.build("coverage", site_a, auditor)
    pdf = framework.render(report, "pdf")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and len(pdf) > 2000


def test_pdf_fetches_nothing(tmp_path):
    """A report's PDF reaches no server: a local one that counts requests gets none."""
    import http.server
    import threading

    import weasyprint

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body{color:red}")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        secret = tmp_path / "secret.css"
        secret.write_text("body{color:blue}")
        html = (f'<link rel="stylesheet" href="{url}/a.css"><img src="{url}/b.png">'
                f'<img src="file://{secret}"><p style="background:url({url}/c.png)">x</p>')  # fmt: skip
        fetcher = framework.local_only_fetcher()
        pdf = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
        assert pdf.startswith(b"%PDF-")
        assert hits == []
        assert len(fetcher.refused) == 4 and any(u.startswith("file:") for u in fetcher.refused)
        # a local server request would have been counted: the server does answer
        import urllib.request

        urllib.request.urlopen(f"{url}/probe", timeout=5).read()
        assert hits == ["/probe"]
    finally:
        server.shutdown()


def test_stacked_bars_escape_labels_and_draw_shares():
    svg = charts.stacked_bars([charts.Bar("<Evil & co>", {"met": 3, "not_met": 1}), charts.Bar("Empty", {})])
    assert "&lt;Evil &amp; co&gt;" in svg and "75 %" in svg and "0 %" in svg
    assert svg.count("<svg") == 1 and svg.endswith("</svg>")


def test_a_builder_of_an_app_below_returns_a_mapping(site_a, a_contributor, monkeypatch):
    """An app below reports in the layers cannot import ReportData: a mapping does, and a ValueError is the
    refusal of a parameter; anything else is a programming error, not a 4xx."""
    from otcsms.core import registry

    def mapping_builder(site, user, params):
        if params:
            raise ValueError("this report takes no parameters")
        return {"title": "Toy register", "template": "reports/coverage.html", "context": {"rows": []}}

    def broken_builder(site, user, params):
        return ["not", "a", "report"]

    monkeypatch.setattr(framework, "kinds", lambda: {
        "toy": registry.ReportKind("toy", "Toy", "toy.builder"), "broken": registry.ReportKind("broken", "B", "b"),
    })  # fmt: skip
    monkeypatch.setattr(
        registry, "resolve", lambda path: mapping_builder if path == "toy.builder" else broken_builder
    )
    report = framework.build("toy", site_a, a_contributor)
    assert report.data.title == "Toy register" and "Toy register" in framework.render_html(report)
    with pytest.raises(ReportError, match="takes no parameters"):
        framework.build("toy", site_a, a_contributor, {"x": "1"})
    with pytest.raises(TypeError):
        framework.build("broken", site_a, a_contributor)
