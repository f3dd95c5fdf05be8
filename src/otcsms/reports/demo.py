"""The demo operator's Word report template: the organisation's letterhead (its name in the header), its colours
and a cover page, built here with python-docx (our own work, no file shipped), kept as an evidence document at
the water plant covering the operator's other sites, and approved with four eyes, so every DOCX report of the
demo comes out in it (``docx_templates.template_for``). Idempotent: a second run finds it and changes nothing."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt, RGBColor

from otcsms.core.models import User
from otcsms.evidence import services as evidence
from otcsms.evidence.models import Document, DocumentKind
from otcsms.reports import docx_render
from otcsms.reports.docx_templates import MAX_TEMPLATE_BYTES, TAG, check_template
from otcsms.tenancy.models import Site

if TYPE_CHECKING:
    from otcsms.core.registry import DemoSummary

LETTERHEAD = "OT Security Office"
INK = RGBColor(0x0B, 0x4F, 0x6C)  # the operator's colour: headings, the letterhead, the cover


def letterhead_template(organisation: str) -> bytes:
    """A DOCX template in the organisation's look: its name and office in the header of every page, headings and
    title in its colour, a cover page (organisation, title, site, summary, who made it), the table of contents on
    a page of its own, then the content; provenance and page numbers in the footer."""
    document = WordDocument()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Liberation Sans", Pt(10)
    for name, size in (("Title", 26), ("Heading 1", 15), ("Heading 2", 12.5), ("Heading 3", 11)):
        style = document.styles[name]
        style.font.name, style.font.size, style.font.color.rgb = "Liberation Sans", Pt(size), INK
    header = section.header.paragraphs[0]
    name = header.add_run(organisation)
    name.bold, name.font.color.rgb = True, INK
    header.add_run(f" · {LETTERHEAD}").font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    cover = document.add_paragraph()
    cover.paragraph_format.space_before = Pt(120)
    run = cover.add_run(organisation.upper())
    run.bold, run.font.size, run.font.color.rgb = True, Pt(12), INK
    document.add_paragraph("{{ title }}", style="Title")
    document.add_paragraph("{{ site }} ({{ site_code }})", style="Subtitle")
    document.add_paragraph("{{ summary }}")
    document.add_paragraph(f"Prepared by the {LETTERHEAD} on {{{{ made_at }}}} by {{{{ made_by }}}}.")
    marking = document.add_paragraph().add_run(
        "Internal: security-sensitive. Do not forward outside the organisation."
    )
    marking.italic = True
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("Contents", style="Heading 1")
    document.add_paragraph("{{ toc }}")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("{{ content }}")

    footer = section.footer.paragraphs[0]
    footer.text = "{{ provenance }}"
    for text in footer.runs:
        text.font.size, text.font.color.rgb = Pt(7.5), RGBColor(0x55, 0x55, 0x55)
    pages = section.footer.add_paragraph(f"{organisation} · {{{{ page }}}}")
    pages.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.core_properties.title = f"{organisation} report template"
    document.core_properties.author = LETTERHEAD
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def load_demo_report_template(summary: DemoSummary) -> None:
    water = Site.objects.filter(code="riverside-wtp").select_related("organisation").first()
    if water is None or Document.objects.filter(site=water, tags__icontains=TAG).exists():
        return
    author = User.objects.filter(username="tom.baker").first()
    approver = User.objects.filter(username="maria.lopez").first()
    if author is None or approver is None:
        return
    organisation = water.organisation.name
    data = letterhead_template(organisation)
    check_template(data)  # what an upload must pass (docx_templates.upload_template)
    others = (
        Site.objects.filter(organisation_id=water.organisation_id)
        .exclude(pk=water.pk)
        .values_list("pk", flat=True)
    )
    document = evidence.create_document(
        site_id=water.pk, kind=DocumentKind.OTHER, title=f"{organisation} report template", tags=TAG,
        description="The operator's Word template (letterhead, styles, cover page) of every site's DOCX reports.",
        owner_id=author.pk, covered_site_ids=list(others), by=None,
    )  # fmt: skip
    version = evidence.upload_version(
        document, [data], file_name="report-template.docx", claimed_type=docx_render.DOCX_CONTENT_TYPE,
        change_summary="letterhead, colours and cover page", by=author, limit=MAX_TEMPLATE_BYTES,
    )  # fmt: skip
    evidence.submit_version(version, by=author)
    if approver.check_password(summary.password):  # an existing account with its own password: left in review
        evidence.approve_version(version, by=approver, password=summary.password)
