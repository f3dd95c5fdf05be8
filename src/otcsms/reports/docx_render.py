"""Reports as Word documents: the report's own HTML (the same page the HTML and PDF formats show) converted to
a real DOCX with python-docx, inside a template (the shipped neutral one, or the organisation's own: see
docx_templates.py) whose placeholders take the title, the site and the provenance.

Our report HTML is a constrained language (headings, paragraphs, lists, tables, figures with inline SVG charts,
definition lists, inline emphasis), so one converter serves every report kind; a kind that wants better Word
output names a hook (``ReportData.docx``: a function ``(writer, context)``, see ``DocxWriter``) that writes the
body itself. Charts are drawn to PNG with CairoSVG (which fetches nothing: no entities, no external files).

The document has a table of contents field (Word fills it when the document opens), page numbers and the footer
saying when, by whom and from which data the report was made.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Callable, Iterator
from copy import deepcopy
from dataclasses import dataclass, replace
from typing import Any

import lxml.html
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

# A report (reports.framework.Report) is read by attribute only: framework imports this module to render DOCX,
# so importing it back would be a cycle between modules (tests/test_layers.py).
Report = Any

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
TEXT_PLACEHOLDERS = (
    "title", "site", "site_code", "summary", "kind", "made_at", "made_by", "instance", "audit_seq", "version",
    "provenance",
)  # fmt: skip
BLOCK_PLACEHOLDERS = ("content", "toc")  # each alone in a paragraph of the body
KNOWN_PLACEHOLDERS = frozenset((*TEXT_PLACEHOLDERS, *BLOCK_PLACEHOLDERS, "page"))
REQUIRED_PLACEHOLDERS = ("content", "provenance")

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_IMAGE_WIDTH = Cm(16)
SVG_SCALE = 2  # PNG pixels per SVG pixel: sharp in print
MAX_TABLE_COLUMNS = 63  # Word's limit
SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript", "form", "button", "input", "select",
                          "textarea", "head", "title", "meta", "link"})  # fmt: skip
BLOCK_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "table", "figure", "pre",
                        "blockquote", "dl", "hr", "div", "section", "article", "header", "footer", "main",
                        "nav", "aside", "details", "summary", "figcaption", "otcsms-svg", "img", "address",
                        "caption", "li"})  # fmt: skip
CLASS_COLOURS = {"status-not_met": "A23B1B", "status-partially_met": "8A5D00", "status-met": "1F6FB2",
                 "muted": "555555", "empty": "555555"}  # fmt: skip
_SVG = re.compile(r"<svg\b.*?</svg\s*>", re.DOTALL | re.IGNORECASE)
_SPACE = re.compile(r"\s+")


class DocxRenderError(ValueError):
    """The report cannot be written as DOCX (a template that does not fit): a 4xx / exit 2."""


# --- the values the placeholders take -----------------------------------------------------------------------------
def placeholder_values(report: Report) -> dict[str, str]:
    p = report.provenance
    made_at = p.made_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return {
        "title": report.data.title, "site": report.site.name, "site_code": report.site.code or "",
        "summary": report.data.summary, "kind": report.kind, "made_at": made_at, "made_by": p.made_by,
        "instance": p.instance_id, "audit_seq": str(p.audit_seq), "version": p.version,
        "provenance": (f"Made {made_at} by {p.made_by} from instance {p.instance_id}, audit trail up to "
                       f"event #{p.audit_seq}, otcsms {p.version}"),
    }  # fmt: skip


# --- the document -------------------------------------------------------------------------------------------------
def report_docx(report: Report, html: str, template: bytes) -> bytes:
    """The report as DOCX bytes: ``template`` (a checked DOCX) filled with the report's values, its content
    where ``{{ content }}`` stands, the table of contents where ``{{ toc }}`` stands (else before the content)."""
    document = Document(io.BytesIO(template))
    values = placeholder_values(report)
    body = document.element.body
    content_at = _block_placeholder(document, "content")
    if content_at is None:
        raise DocxRenderError("the template has no paragraph holding only {{ content }}")
    toc_at = _block_placeholder(document, "toc")
    start = len(body)
    if body[-1].tag == qn("w:sectPr"):
        start -= 1
    writer = DocxWriter(document)
    if toc_at is None:
        writer.table_of_contents()
    hook = report.data.docx
    if hook:
        from otcsms.core import registry

        registry.resolve(hook)(writer, report.data.context)
    else:
        writer.html(html)
    new = [el for el in list(body)[start:] if el.tag != qn("w:sectPr")]
    for element in new:
        content_at._p.addprevious(element)
    _remove(content_at)
    if toc_at is not None:
        toc_paragraph = toc_at.insert_paragraph_before(style=writer.style("TOC Heading", "Heading 1"))
        toc_paragraph.add_run("Contents")
        toc_at._p.addprevious(writer.toc_field_paragraph()._p)
        _remove(toc_at)
    fill_placeholders(document, values)
    _ask_to_update_fields(document)
    document.core_properties.title = report.data.title[:255]
    document.core_properties.subject = f"{report.site.name}: {report.data.summary}"[:255]
    document.core_properties.author = report.provenance.made_by[:255]
    document.core_properties.comments = values["provenance"][:255]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _remove(paragraph: Paragraph) -> None:
    element = paragraph._p
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _block_placeholder(document: DocxDocument, name: str) -> Paragraph | None:
    for paragraph in document.paragraphs:
        found = PLACEHOLDER.fullmatch(paragraph.text.strip())
        if found and found.group(1) == name:
            return paragraph
    return None


def story_paragraphs(document: DocxDocument) -> Iterator[Paragraph]:
    """Every paragraph of the body, its tables, and the headers and footers the template defines."""
    yield from _container_paragraphs(document)
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.even_page_header,
                     section.footer, section.first_page_footer, section.even_page_footer):  # fmt: skip
            if not part.is_linked_to_previous:
                yield from _container_paragraphs(part)


def _container_paragraphs(container: Any) -> Iterator[Paragraph]:
    yield from container.paragraphs
    for table in container.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from _container_paragraphs(cell)


def fill_placeholders(document: DocxDocument, values: dict[str, str]) -> None:
    for paragraph in story_paragraphs(document):
        _fill(paragraph, values)


def _text_runs(paragraph: Paragraph) -> list[Any]:
    return [r for r in paragraph._p.xpath("./w:r") if not r.xpath(".//w:drawing | .//w:pict | .//w:object")]


def _fill(paragraph: Paragraph, values: dict[str, str]) -> None:
    """Replace the placeholders of one paragraph. Word splits text into runs anywhere ("{{ ti" + "tle }}"), so
    the paragraph's text runs are read as one text and rewritten with the first run's formatting."""
    runs = _text_runs(paragraph)
    text = "".join(run.text or "" for run in runs)  # CT_R.text renders tabs and breaks as \t and \n
    if "{{" not in text or not PLACEHOLDER.search(text):
        return
    properties = runs[0].rPr
    anchor = runs[0]
    pieces = PLACEHOLDER.split(text)
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            if piece:
                anchor.addprevious(_run(piece, properties))
        elif piece == "page":
            for element in (_run("Page ", properties), _field("PAGE", "1", properties),
                            _run(" of ", properties), _field("NUMPAGES", "1", properties)):  # fmt: skip
                anchor.addprevious(element)
        else:
            anchor.addprevious(_run(values.get(piece, ""), properties))
    for run in runs:
        run.getparent().remove(run)


def _run(text: str, properties: Any) -> Any:
    run = OxmlElement("w:r")
    if properties is not None:
        run.append(deepcopy(properties))
    run.text = text  # CT_R.text turns \t and \n into tabs and breaks
    return run


def _field(instruction: str, shown: str, properties: Any = None) -> Any:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    field.append(_run(shown, properties))
    return field


def _ask_to_update_fields(document: DocxDocument) -> None:
    """Word asks to update the fields (the table of contents, page counts) when the document opens."""
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)


# --- writing content ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Fmt:
    bold: bool = False
    italic: bool = False
    mono: bool = False
    colour: str | None = None
    underline: bool = False


class DocxWriter:
    """Writes report content at the end of a document's body. What a report kind's DOCX hook receives:
    ``heading(text, level)``, ``paragraph(text)``, ``bullets(items)``, ``table(header, rows)``,
    ``svg(markup, caption)``, ``html(fragment)`` and ``page_break()``."""

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        section = document.sections[-1]
        usable = (section.page_width or Cm(21)) - (section.left_margin or 0) - (section.right_margin or 0)
        self.width = Emu(min(int(usable), int(MAX_IMAGE_WIDTH))) if usable > 0 else MAX_IMAGE_WIDTH
        self._svgs: list[str] = []

    # the hook API
    def heading(self, text: str, level: int = 1) -> Paragraph:
        return self.document.add_paragraph(text, style=self.heading_style(level))

    def paragraph(self, text: str = "") -> Paragraph:
        return self.document.add_paragraph(text)

    def bullets(self, items: list[str]) -> None:
        for item in items:
            self.document.add_paragraph(item, style=self.style("List Bullet"))

    def table(self, header: list[str], rows: list[list[str]]) -> Table:
        columns = max(1, len(header), *(len(r) for r in rows))
        table = self.document.add_table(rows=0, cols=columns)
        self._table_look(table)
        for values, is_header in [(header, True)] * bool(header) + [(r, False) for r in rows]:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=False):
                run = cell.paragraphs[0].add_run(str(value))
                run.bold = is_header
            if is_header:
                _repeat_header(table.rows[-1])
        return table

    def svg(self, markup: str, caption: str = "") -> None:
        paragraph = self.document.add_paragraph()
        self._picture_svg(paragraph, markup)
        if caption:
            self.document.add_paragraph(caption, style=self.style("Caption"))

    def page_break(self) -> None:
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def html(self, html: str) -> None:
        """Our report HTML (a whole page or a fragment): the page's <main> if it has one, else its body."""
        self._svgs = []

        def keep(found: re.Match[str]) -> str:
            self._svgs.append(found.group(0))
            return f'<otcsms-svg data-index="{len(self._svgs) - 1}"></otcsms-svg>'

        marked = _SVG.sub(keep, html)
        if not marked.strip():
            return
        root = lxml.html.document_fromstring(marked)
        mains = root.xpath("//main")
        top = mains[0] if mains else (root.find("body") if root.find("body") is not None else root)
        self._blocks(self.document, top, 0)

    # table of contents
    def table_of_contents(self) -> None:
        self.document.add_paragraph("Contents", style=self.style("TOC Heading", "Heading 1"))
        self.toc_field_paragraph()
        self.page_break()

    def toc_field_paragraph(self) -> Paragraph:
        paragraph = self.document.add_paragraph()
        for kind in ("begin", "instr", "separate", "text", "end"):
            run = OxmlElement("w:r")
            if kind == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = ' TOC \\o "1-3" \\h \\z \\u '
                run.append(instr)
            elif kind == "text":
                run.text = (
                    "The table of contents fills in when the document opens (or: right-click, Update Field)."
                )
            else:
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                if kind == "begin":
                    char.set(qn("w:dirty"), "true")
                run.append(char)
            paragraph._p.append(run)
        return paragraph

    # styles
    def style(self, name: str, fallback: str | None = None) -> str:
        """``name`` if the document has it, else ``fallback`` if it has that, else ``name`` added (based on
        Normal): an organisation's template need not define every style a report uses."""
        styles = self.document.styles
        names = {s.name for s in styles}
        if name in names:
            return name
        if fallback and fallback in names:
            return fallback
        kind = WD_STYLE_TYPE.TABLE if name.endswith("Grid") else WD_STYLE_TYPE.PARAGRAPH
        added = styles.add_style(name, kind)
        if kind == WD_STYLE_TYPE.PARAGRAPH and "Normal" in names:
            added.base_style = styles["Normal"]
            if name.startswith(("Heading", "Title", "TOC Heading")):
                added.font.bold = True
                added.font.size = Pt({"1": 16, "2": 13, "3": 11, "4": 10}.get(name[-1], 18))
            if name == "Caption":
                added.font.italic = True
                added.font.size = Pt(9)
        return name

    def heading_style(self, level: int) -> str:
        return self.style(f"Heading {min(max(level, 1), 4)}")

    # HTML blocks
    def _blocks(self, container: Any, element: Any, list_level: int) -> None:
        pending: list[Paragraph | None] = [None]

        def paragraph() -> Paragraph:
            current = pending[0]
            if current is None:
                current = pending[0] = _new_paragraph(container)
            return current

        if element.text and element.text.strip():
            self._text(paragraph(), element.text, Fmt())
        for child in element:
            if not isinstance(child.tag, str) or child.tag in SKIPPED_TAGS:  # a comment, a script, a form
                pass
            elif child.tag in BLOCK_TAGS:
                pending[0] = None
                self._block(container, child, list_level)
            else:
                self._inline(paragraph(), child, Fmt())
            if child.tail and child.tail.strip():
                self._text(paragraph(), child.tail, Fmt())

    def _block(self, container: Any, element: Any, list_level: int) -> None:
        tag = element.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            level = max(1, int(tag[1]) - 1)
            paragraph = container.add_paragraph(style=self.heading_style(level))
            self._inline_children(paragraph, element, Fmt())
        elif tag in ("p", "address", "summary", "caption"):
            paragraph = _new_paragraph(container)
            self._inline_children(paragraph, element, _class_fmt(element, Fmt()))
        elif tag in ("ul", "ol"):
            self._list(container, element, list_level + 1, numbered=tag == "ol")
        elif tag == "li":
            self._list_item(container, element, max(list_level, 1), numbered=False)
        elif tag == "table":
            self._table(container, element)
        elif tag == "figure":
            self._blocks(container, element, list_level)
        elif tag == "figcaption":
            paragraph = container.add_paragraph(style=self.style("Caption"))
            self._inline_children(paragraph, element, Fmt())
        elif tag == "otcsms-svg":
            paragraph = container.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._picture_svg(paragraph, self._svgs[int(element.get("data-index", "0"))])
        elif tag == "img":
            paragraph = container.add_paragraph()
            self._image(paragraph, element)
        elif tag == "pre":
            paragraph = _new_paragraph(container)
            for number, line in enumerate(element.text_content().split("\n")):
                run = paragraph.add_run(line)
                run.font.name = "Courier New"
                if number:
                    run.add_break()
        elif tag == "blockquote":
            paragraph = container.add_paragraph(style=self.style("Quote"))
            self._inline_children(paragraph, element, Fmt(italic=True))
        elif tag == "dl":
            for child in element:
                if child.tag == "dt":
                    self._inline_children(_new_paragraph(container), child, Fmt(bold=True))
                elif child.tag == "dd":
                    paragraph = _new_paragraph(container)
                    paragraph.paragraph_format.left_indent = Cm(0.8)
                    self._inline_children(paragraph, child, Fmt())
        elif tag == "hr":
            pass
        else:  # div, section, main, details, ...: their content
            self._blocks(container, element, list_level)

    def _list(self, container: Any, element: Any, level: int, *, numbered: bool) -> None:
        for child in element:
            if isinstance(child.tag, str) and child.tag == "li":
                self._list_item(container, child, level, numbered=numbered)
            elif isinstance(child.tag, str) and child.tag in ("ul", "ol"):
                self._list(container, child, level + 1, numbered=child.tag == "ol")

    def _list_item(self, container: Any, item: Any, level: int, *, numbered: bool) -> None:
        base = "List Number" if numbered else "List Bullet"
        name = base if level <= 1 else f"{base} {min(level, 3)}"
        paragraph = container.add_paragraph(style=self.style(name, base))
        if item.text and item.text.strip():
            self._text(paragraph, item.text, Fmt())
        for child in item:
            if not isinstance(child.tag, str) or child.tag in SKIPPED_TAGS:
                pass
            elif child.tag in ("ul", "ol"):
                self._list(container, child, level + 1, numbered=child.tag == "ol")
            elif child.tag in BLOCK_TAGS:
                self._inline_children(paragraph, child, Fmt())
            else:
                self._inline(paragraph, child, Fmt())
            if child.tail and child.tail.strip():
                self._text(paragraph, child.tail, Fmt())

    def _table(self, container: Any, element: Any) -> None:
        rows: list[tuple[Any, bool]] = []
        caption = element.find("caption")
        for part in element:
            if not isinstance(part.tag, str):
                continue
            if part.tag in ("thead", "tbody", "tfoot"):
                rows += [(tr, part.tag == "thead") for tr in part if tr.tag == "tr"]
            elif part.tag == "tr":
                rows.append((part, False))
        if caption is not None:
            self._inline_children(container.add_paragraph(style=self.style("Caption")), caption, Fmt())
        if not rows:
            return
        width = min(
            MAX_TABLE_COLUMNS, max(sum(_span(c) for c in tr if c.tag in ("td", "th")) for tr, _ in rows)
        )
        width = max(width, 1)
        table = container.add_table(rows=0, cols=width)
        self._table_look(table)
        for tr, in_head in rows:
            cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
            header = in_head or (bool(cells) and all(c.tag == "th" for c in cells))
            row = table.add_row()
            docx_cells = row.cells
            column = 0
            for cell in cells:
                if column >= width:
                    break
                span = min(_span(cell), width - column)
                target = docx_cells[column]
                if span > 1:
                    target = target.merge(docx_cells[column + span - 1])
                self._cell(target, cell, Fmt(bold=header or cell.tag == "th"))
                column += span
            if header:
                _repeat_header(row)

    def _cell(self, cell: _Cell, element: Any, fmt: Fmt) -> None:
        self._blocks_with(cell, element, _class_fmt(element, fmt))
        paragraphs = cell.paragraphs
        if len(paragraphs) > 1 and not paragraphs[0].text and not paragraphs[0].runs:
            _remove(paragraphs[0])
        if "num" in (element.get("class") or "").split():
            for paragraph in cell.paragraphs:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    def _blocks_with(self, cell: _Cell, element: Any, fmt: Fmt) -> None:
        """A cell's content: inline content into its first paragraph, blocks after it."""
        paragraph: Paragraph | None = cell.paragraphs[0]
        if element.text and element.text.strip():
            assert paragraph is not None
            self._text(paragraph, element.text, fmt)
        for child in element:
            if not isinstance(child.tag, str) or child.tag in SKIPPED_TAGS:
                pass
            elif child.tag in BLOCK_TAGS:
                self._block(cell, child, 0)
                paragraph = None
            else:
                if paragraph is None:
                    paragraph = cell.add_paragraph()
                self._inline(paragraph, child, fmt)
            if child.tail and child.tail.strip():
                if paragraph is None:
                    paragraph = cell.add_paragraph()
                self._text(paragraph, child.tail, fmt)

    def _table_look(self, table: Table) -> None:
        table.style = self.style("Table Grid")
        _borders(table)

    # inline content
    def _inline_children(self, paragraph: Paragraph, element: Any, fmt: Fmt) -> None:
        if element.text:
            self._text(paragraph, element.text, fmt)
        for child in element:
            if isinstance(child.tag, str) and child.tag not in SKIPPED_TAGS:
                self._inline(paragraph, child, fmt)
            if child.tail:
                self._text(paragraph, child.tail, fmt)

    def _inline(self, paragraph: Paragraph, element: Any, fmt: Fmt) -> None:
        tag = element.tag
        if tag == "br":
            paragraph.add_run().add_break()
            return
        if tag == "otcsms-svg":
            self._picture_svg(paragraph, self._svgs[int(element.get("data-index", "0"))])
            return
        if tag == "img":
            self._image(paragraph, element)
            return
        if tag in ("strong", "b", "th", "dt"):
            fmt = replace(fmt, bold=True)
        elif tag in ("em", "i", "cite", "var"):
            fmt = replace(fmt, italic=True)
        elif tag in ("code", "kbd", "samp", "tt"):
            fmt = replace(fmt, mono=True)
        elif tag in ("u", "ins", "a"):
            fmt = replace(fmt, underline=tag != "a")
        fmt = _class_fmt(element, fmt)
        if tag == "time" and not element.text_content().strip():
            self._text(paragraph, element.get("datetime", ""), fmt)
            return
        self._inline_children(paragraph, element, fmt)

    def _text(self, paragraph: Paragraph, text: str, fmt: Fmt) -> None:
        collapsed = _SPACE.sub(" ", text)
        if not paragraph.runs or not paragraph.text:
            collapsed = collapsed.lstrip()
        elif paragraph.text.endswith(" ") and collapsed.startswith(" "):
            collapsed = collapsed[1:]
        if not collapsed:
            return
        run = paragraph.add_run(collapsed)
        run.bold = fmt.bold or None
        run.italic = fmt.italic or None
        run.underline = fmt.underline or None
        if fmt.mono:
            run.font.name = "Courier New"
        if fmt.colour:
            run.font.color.rgb = RGBColor.from_string(fmt.colour)

    # pictures
    def _picture_svg(self, paragraph: Paragraph, markup: str) -> None:
        try:
            png, width_px = svg_to_png(markup)
        except Exception as exc:  # a chart that cannot be drawn: say so in the document, keep the report
            paragraph.add_run(f"[chart not drawn: {type(exc).__name__}]").italic = True
            return
        self._picture(paragraph, png, width_px)

    def _image(self, paragraph: Paragraph, element: Any) -> None:
        source = element.get("src", "")
        decoded = _data_url(source)
        if decoded is None:
            alt = element.get("alt") or ""
            if alt:
                paragraph.add_run(f"[{alt}]").italic = True
            return
        media_type, data = decoded
        try:
            if media_type == "image/svg+xml":
                png, width_px = svg_to_png(data.decode("utf-8"))
                self._picture(paragraph, png, width_px)
            elif media_type in ("image/png", "image/jpeg", "image/gif"):
                from PIL import Image

                with Image.open(io.BytesIO(data)) as image:
                    width_px = image.width
                self._picture(paragraph, data, width_px)
        except Exception as exc:  # a picture that cannot be read: say so, keep the report
            paragraph.add_run(f"[picture not shown: {type(exc).__name__}]").italic = True

    def _picture(self, paragraph: Paragraph, data: bytes, width_px: float) -> None:
        wanted = Emu(int(width_px * 914400 / 96))  # CSS pixels at 96 per inch
        paragraph.add_run().add_picture(io.BytesIO(data), width=Emu(min(int(wanted), int(self.width))))


def _new_paragraph(container: Any) -> Paragraph:
    paragraph: Paragraph = container.add_paragraph()
    return paragraph


def _span(cell: Any) -> int:
    text = (cell.get("colspan") or "1").strip()
    return min(int(text), MAX_TABLE_COLUMNS) if text.isascii() and text.isdigit() and int(text) > 0 else 1


def _class_fmt(element: Any, fmt: Fmt) -> Fmt:
    classes = (element.get("class") or "").split()
    for name in classes:
        if name in CLASS_COLOURS:
            fmt = replace(fmt, colour=CLASS_COLOURS[name])
            if name == "status-not_met":
                fmt = replace(fmt, bold=True)
            if name == "empty":
                fmt = replace(fmt, italic=True)
    return fmt


def _repeat_header(row: Any) -> None:
    """The row repeats at the top of every page the table runs over."""
    properties = row._tr.get_or_add_trPr()
    if properties.find(qn("w:tblHeader")) is None:
        properties.append(OxmlElement("w:tblHeader"))


def _borders(table: Table) -> None:
    """Thin borders on every cell whatever the template's table styles (an organisation's may have none)."""
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "4")
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "999999")
        borders.append(line)
    properties.append(borders)


def _data_url(source: str) -> tuple[str, bytes] | None:
    """(media type, bytes) of a ``data:`` URL (base64 only), else None: a report fetches nothing."""
    if not source.startswith("data:") or ";base64," not in source[:100]:
        return None
    head, _, payload = source[5:].partition(";base64,")
    try:
        return head.strip().lower(), base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None


def svg_to_png(markup: str) -> tuple[bytes, float]:
    """An inline SVG drawn to PNG (CairoSVG; no entities, nothing fetched) and its width in CSS pixels."""
    import cairosvg  # imported here: only DOCX reports pay for loading cairo

    if "xmlns=" not in markup[:500]:
        markup = markup.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(markup.encode("utf-8"), parser=parser)
    width = _pixels(root.get("width")) or _viewbox_width(root.get("viewBox")) or 600.0
    png: bytes = cairosvg.svg2png(bytestring=markup.encode("utf-8"), scale=SVG_SCALE, unsafe=False)
    return png, width


def _pixels(value: str | None) -> float | None:
    if not value:
        return None
    found = re.fullmatch(r"\s*([0-9.]+)\s*(px)?\s*", value)
    return float(found.group(1)) if found else None


def _viewbox_width(value: str | None) -> float | None:
    parts = (value or "").replace(",", " ").split()
    try:
        return float(parts[2]) if len(parts) == 4 else None
    except ValueError:
        return None


# --- the shipped default template --------------------------------------------------------------------------------
_DEFAULT: list[bytes] = []


def default_template() -> bytes:
    """The shipped template: clean and neutral (A4, the standard Word styles), a cover with the title, the site
    and the provenance, the table of contents, then the content; the footer says where the report comes from
    and numbers the pages. Organisations start their own from it (every placeholder is in it)."""
    if _DEFAULT:
        return _DEFAULT[0]
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    normal = document.styles["Normal"]
    normal.font.name = "Liberation Sans"
    normal.font.size = Pt(10)
    document.add_paragraph("{{ title }}", style="Title")
    document.add_paragraph("{{ site }}", style="Subtitle")
    document.add_paragraph("{{ summary }}")
    document.add_paragraph("Made {{ made_at }} by {{ made_by }}.")
    document.add_paragraph(
        "Instance {{ instance }}, audit trail up to event #{{ audit_seq }}, otcsms {{ version }}."
    )
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("{{ toc }}")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("{{ content }}")
    footer = section.footer
    first = footer.paragraphs[0]
    first.text = "{{ provenance }}"
    for run in first.runs:
        run.font.size = Pt(7.5)
        run.font.color.rgb = RGBColor.from_string("555555")
    pages = footer.add_paragraph("{{ page }}")
    pages.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in pages.runs:
        run.font.size = Pt(8)
    document.core_properties.title = "otcsms report template"
    document.core_properties.author = "otcsms"
    out = io.BytesIO()
    document.save(out)
    _DEFAULT.append(out.getvalue())
    return _DEFAULT[0]


HookFunction = Callable[[DocxWriter, dict[str, Any]], None]
