"""DOCX reports: every report kind opens in python-docx with its headings, tables, pictures (the SVG charts
drawn to PNG), the table of contents field, page numbers and the provenance footer; templates take over the
look; hostile templates are refused with the reason."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from docx import Document

from otcsms.core import registry
from otcsms.reports import docx_render, framework

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def footer_text(document) -> str:
    parts = []
    for section in document.sections:
        footer = section.footer
        parts.append(" ".join(p.text for p in footer.paragraphs))
        parts.append(" ".join(el.get(f"{W}instr", "") for el in footer._element.iter(f"{W}fldSimple")))
    return " ".join(parts)


def headings(document) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]


def instructions(document) -> str:
    body = document.element.body
    return " ".join(el.text or "" for el in body.iter(f"{W}instrText"))


def render(kind, site, user, **params) -> bytes:
    report = framework.build(kind, site, user, params)
    return framework.render(report, "docx")


def test_gap_report_docx_has_headings_tables_toc_and_provenance_footer(assessed, site_a, a_contributor):
    data = render("gaps", site_a, a_contributor)
    document = open_docx(data)
    names = headings(document)
    assert ("Heading 1", "Baseline") in names and ("Heading 1", "NIST check") in names
    assert any(style == "Heading 2" for style, _ in names)  # zones
    assert document.paragraphs[0].text == "Gap report" and document.paragraphs[0].style.name == "Title"
    assert "TOC" in instructions(document)
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Requirement", "Title", "Status"]
    cells = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert any(
        "Shared <b>operator</b> login" in " ".join(row) for row in cells
    )  # markup in a comment stays text
    footer = footer_text(document)
    report = framework.build("gaps", site_a, a_contributor, {})
    assert "Made " in footer and f"by {a_contributor.username}" in footer
    assert report.provenance.instance_id in footer and "audit trail up to event #" in footer
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert "{{" not in "".join(p.text for p in document.paragraphs) + footer


def test_coverage_docx_draws_the_chart_as_a_picture(assessed, site_a, a_contributor):
    document = open_docx(render("coverage", site_a, a_contributor))
    pictures = document.inline_shapes
    assert len(pictures) == 1
    blip = pictures[0]._inline.graphic.graphicData.pic.blipFill.blip
    image = document.part.related_parts[blip.embed].image
    assert image.content_type == "image/png" and image.px_width >= 700  # drawn at twice the SVG's size
    assert [c.text for c in document.tables[0].rows[0].cells][0] == "Framework"
    assert any("Share of each framework" in p.text for p in document.paragraphs)  # the figure's caption


@pytest.mark.parametrize("kind", [k.name for k in registry.report_kinds()])
def test_every_report_kind_makes_a_docx(kind, assessed, site_a, a_contributor):
    document = open_docx(render(kind, site_a, a_contributor))
    assert document.paragraphs[0].text == framework.kinds()[kind].title or document.paragraphs[0].text
    assert "Made " in footer_text(document)
    assert "TOC" in instructions(document)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_renders_the_docx(assessed, site_a, a_contributor, tmp_path):
    """An independent reader: LibreOffice headless opens the DOCX and renders it to PDF and to text (make test
    installs it)."""
    source = tmp_path / "gaps.docx"
    source.write_bytes(render("gaps", site_a, a_contributor))
    profile = tmp_path / "profile"  # its own profile: never the user's, never shared with a parallel run

    def convert(target: str) -> None:
        done = subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
             "--outdir", str(tmp_path), str(source)],
            capture_output=True, timeout=240, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode(errors="replace")

    convert("pdf")
    pdf = (tmp_path / "gaps.pdf").read_bytes()
    assert (
        pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") >= 3
    )  # cover, TOC, body
    convert("txt:Text")
    text = (tmp_path / "gaps.txt").read_text(encoding="utf-8-sig")
    assert (
        "Gap report" in text
        and "Baseline" in text
        and "SR 1.3" in text
        and "Two shared accounts left" in text
    )


PNG_1PX = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def test_the_converter_handles_our_html_constructs(site_a, a_contributor):
    html = f"""<html><body><main>
    <h2>Section</h2><p>Plain <strong>bold</strong> <em>italic</em> <code>code</code><br>next line</p>
    <ul><li>one<ul><li>nested</li></ul></li><li>two</li></ul><ol><li>first</li></ol>
    <dl><dt>Term</dt><dd>Definition</dd></dl>
    <table><tr><th colspan="2">Wide head</th></tr><tr><td>a</td><td class="num">1</td></tr></table>
    <figure><img src="{PNG_1PX}" alt="dot"><figcaption>A dot</figcaption></figure>
    <img src="http://attacker.example/x.png" alt="remote picture">
    <script>alert(1)</script><style>p {{}}</style>
    </main></body></html>"""
    document = Document(io.BytesIO(docx_render.default_template()))
    writer = docx_render.DocxWriter(document)
    writer.html(html)
    texts = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Heading 1", "Section") in texts
    assert ("Normal", "Plain bold italic code\nnext line") in texts
    assert ("List Bullet", "one") in texts and ("List Bullet 2", "nested") in texts
    assert ("List Number", "first") in texts and ("Caption", "A dot") in texts
    assert ("Normal", "[remote picture]") in texts  # shown by its name, never fetched
    assert not any("alert" in t or "p {" in t for _, t in texts)
    bold = [r.text for p in document.paragraphs for r in p.runs if r.bold]
    assert "bold" in bold and "Term" in bold
    table = document.tables[-1]
    assert table.rows[0].cells[0].text == "Wide head" and table.rows[0].cells[1].text == "Wide head"  # merged
    assert len(document.inline_shapes) == 1


def word_hook(writer, context):
    writer.heading("Written by the kind's own hook", 1)
    writer.table(["Key", "Value"], [[k, str(v)] for k, v in sorted(context.items())])
    writer.svg('<svg width="120" height="40"><rect width="60" height="20" fill="#1f6fb2"/></svg>', "A bar")


def test_a_report_kind_may_write_its_own_word_body(site_a, a_contributor):
    report = framework.build("coverage", site_a, a_contributor, {})
    report.data = framework.ReportData("Custom", "reports/coverage.html", {"answer": 42}, "one line",
                                       docx="tests.reports.test_docx.word_hook")  # fmt: skip
    document = open_docx(framework.render(report, "docx"))
    assert ("Heading 1", "Written by the kind's own hook") in headings(document)
    assert [c.text for c in document.tables[0].rows[1].cells] == ["answer", "42"]
    assert len(document.inline_shapes) == 1 and any(p.text == "A bar" for p in document.paragraphs)
