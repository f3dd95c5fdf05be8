"""Report templates: an organisation's own DOCX (letterhead, styles, cover page) with ``{{ name }}``
placeholders, kept as an evidence document of the site (tag ``report-template``: versioned, reviewed, approved
with four eyes); a DOCX report takes the look of the current approved version.

A template is untrusted input and goes into documents handed to auditors: it is read as a zip archive and as
XML before python-docx ever opens it, and refused with the reason when it carries macros, external
relationships, embedded objects, fields that fetch files, XML entities, paths outside the archive, too many or
too large parts (a zip bomb), or lacks the placeholders a report needs.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

from django.db import transaction
from lxml import etree

from otcsms.core.models import User
from otcsms.evidence import services as evidence
from otcsms.evidence.models import Document, DocumentKind, DocumentVersion
from otcsms.reports import docx_render
from otcsms.tenancy.models import Site

TAG = "report-template"
MAX_TEMPLATE_BYTES = 10 * 2**20
MAX_MEMBERS = 300
MAX_UNPACKED_BYTES = 60 * 2**20
MAX_MEMBER_BYTES = 30 * 2**20
MAX_RATIO = 100  # uncompressed / compressed, for parts over 1 MB
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
TEMPLATE_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
# Relationship types that pull in content Word would run, embed or fetch.
_EMBEDDING_TYPES = ("/oleObject", "/package", "/control", "/activeXControl", "/activeXControlBinary",
                    "/subDocument", "/frame", "/attachedTemplate", "/vbaProject", "/wordVbaData",
                    "/aFChunk", "/externalLinkPath", "/oleObjectLink")  # fmt: skip
_FETCHING_FIELDS = re.compile(
    r"\b(INCLUDETEXT|INCLUDEPICTURE|DDEAUTO|DDE|LINK|IMPORT|INCLUDE)\b", re.IGNORECASE
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MACRO_NAMES = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml)$", re.IGNORECASE)


class TemplateRefusedError(ValueError):
    """The file cannot be a report template; the message says why (a 422 / exit 2)."""


@dataclass(frozen=True, slots=True)
class CheckedTemplate:
    placeholders: tuple[str, ...]


def check_template(data: bytes) -> CheckedTemplate:
    """Whether ``data`` is a DOCX a report may take its look from; TemplateRefusedError with the reason."""
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateRefusedError(f"the template is larger than {MAX_TEMPLATE_BYTES // 2**20} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TemplateRefusedError("not a DOCX file (not a zip archive)") from None
    with archive:
        parts = _check_archive(archive)
        _check_content_types(parts)
        for name, content in parts.items():
            if name.endswith(".rels"):
                _check_relationships(name, content)
            elif name.endswith(".xml") and name.startswith("word/") and _fetching_field(name, content):
                raise TemplateRefusedError(
                    f"{name} has a field that fetches a file or a program (INCLUDETEXT, INCLUDEPICTURE, DDE, "
                    "LINK): remove it"
                )
    try:
        from docx import Document

        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds of error on a broken package
        raise TemplateRefusedError(f"not a readable Word document ({type(exc).__name__})") from None
    return CheckedTemplate(_check_placeholders(document))


def _check_archive(archive: zipfile.ZipFile) -> dict[str, bytes]:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise TemplateRefusedError(f"the archive has more than {MAX_MEMBERS} parts")
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise TemplateRefusedError(
            f"the archive unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB (zip bomb?)"
        )
    seen: set[str] = set()
    parts: dict[str, bytes] = {}
    for member in members:
        name = member.filename
        normal = posixpath.normpath(name)
        if (
            name.startswith(("/", "\\")) or "\\" in name or ".." in name.split("/") or re.match(r"^[A-Za-z]:", name)
            or normal != name.rstrip("/") or "\x00" in name
        ):  # fmt: skip
            raise TemplateRefusedError(
                f"the archive has a part outside itself ({name[:80]!r}): path traversal"
            )
        if name.lower() in seen:
            raise TemplateRefusedError(f"the archive has the part {name[:80]!r} twice")
        seen.add(name.lower())
        if _MACRO_NAMES.search(name):
            raise TemplateRefusedError(
                f"the template carries macros ({name[:80]}): save it as .docx, not .docm"
            )
        if name.startswith("word/embeddings/") or name.startswith("word/activeX/"):
            raise TemplateRefusedError(f"the template has an embedded object ({name[:80]}): remove it")
        if member.file_size > MAX_MEMBER_BYTES or (
            member.file_size > 2**20 and member.file_size > MAX_RATIO * max(member.compress_size, 1)
        ):
            raise TemplateRefusedError(
                f"the part {name[:80]!r} is too large or compressed suspiciously well (zip bomb?)"
            )
        if name.endswith((".xml", ".rels")):
            try:
                content = archive.read(member)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
                raise TemplateRefusedError(
                    f"the part {name[:80]!r} cannot be read ({type(exc).__name__})"
                ) from None
            if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
                raise TemplateRefusedError(f"{name[:80]} declares XML entities (a DOCTYPE): refused")
            parts[name] = content
    return parts


def _xml(name: str, content: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError:
        raise TemplateRefusedError(f"{name[:80]} is not well-formed XML") from None


def _fetching_field(name: str, content: bytes) -> bool:
    """Whether a part has a field that fetches a file or runs a program when Word updates the fields."""
    if b"instr" not in content:
        return False
    root = _xml(name, content)
    instructions = [el.text or "" for el in root.iter(f"{{{_W}}}instrText")]
    instructions += [el.get(f"{{{_W}}}instr") or "" for el in root.iter(f"{{{_W}}}fldSimple")]
    return bool(_FETCHING_FIELDS.search(" ".join(instructions)))


def _check_content_types(parts: dict[str, bytes]) -> None:
    if "[Content_Types].xml" not in parts:
        raise TemplateRefusedError("not a DOCX file (no [Content_Types].xml)")
    root = _xml("[Content_Types].xml", parts["[Content_Types].xml"])
    types = [
        el.get("ContentType", "")
        for el in root
        if el.tag in (f"{{{_CT_NS}}}Default", f"{{{_CT_NS}}}Override")
    ]
    for content_type in types:
        lowered = content_type.lower()
        if "macroenabled" in lowered or "vbaproject" in lowered or "vbadata" in lowered:
            raise TemplateRefusedError(
                f"the template is macro-enabled ({content_type[:100]}): save it as .docx, not .docm"
            )
        if "oleobject" in lowered or "activex" in lowered:
            raise TemplateRefusedError(f"the template has embedded objects ({content_type[:100]})")
    if MAIN_TYPE not in types and TEMPLATE_MAIN_TYPE not in types:
        raise TemplateRefusedError("not a Word document (no main document part)")


def _check_relationships(name: str, content: bytes) -> None:
    root = _xml(name, content)
    for rel in root.iter(f"{{{_REL_NS}}}Relationship"):
        kind = rel.get("Type", "")
        target = rel.get("Target", "")
        if (rel.get("TargetMode") or "").lower() == "external":
            raise TemplateRefusedError(
                f"the template links to something outside itself ({target[:100]!r} in {name}): external "
                "relationships are refused; remove the link"
            )
        if kind.endswith(_EMBEDDING_TYPES):
            raise TemplateRefusedError(
                f"the template has an embedded object or a linked part ({kind.rsplit('/', 1)[-1]} in {name})"
            )


def _check_placeholders(document: object) -> tuple[str, ...]:
    found: list[str] = []
    for paragraph in docx_render.story_paragraphs(document):  # type: ignore[arg-type]
        text = "".join(r.text or "" for r in docx_render._text_runs(paragraph))
        if "{%" in text or "{#" in text:
            raise TemplateRefusedError(
                "only {{ name }} placeholders are understood: no {% %} or {# #} blocks"
            )
        for match in docx_render.PLACEHOLDER.finditer(text):
            name = match.group(1)
            if name not in docx_render.KNOWN_PLACEHOLDERS:
                raise TemplateRefusedError(
                    f"unknown placeholder {{{{ {name[:40]} }}}}; known: "
                    + ", ".join(sorted(docx_render.KNOWN_PLACEHOLDERS))
                )
            if (
                name in docx_render.BLOCK_PLACEHOLDERS
                and docx_render.PLACEHOLDER.fullmatch(text.strip()) is None
            ):
                raise TemplateRefusedError(f"{{{{ {name} }}}} must be alone in its paragraph")
            found.append(name)
    body = {p.text.strip() for p in document.paragraphs}  # type: ignore[attr-defined]
    for required in docx_render.REQUIRED_PLACEHOLDERS:
        if required not in found:
            raise TemplateRefusedError(
                f"the template has no {{{{ {required} }}}} placeholder: "
                + ("where the report's content goes" if required == "content" else
                   "the report's provenance (when, by whom, from which data) must appear, e.g. in the footer")
            )  # fmt: skip
    if not any(docx_render.PLACEHOLDER.fullmatch(t) and "content" in t for t in body):
        raise TemplateRefusedError(
            "{{ content }} must be a paragraph of the document's body (not a table or header)"
        )
    for block in docx_render.BLOCK_PLACEHOLDERS:
        if found.count(block) > 1:
            raise TemplateRefusedError(f"{{{{ {block} }}}} appears more than once")
    return tuple(dict.fromkeys(found))


# --- templates as evidence documents -------------------------------------------------------------------------------
def templates_of(site: Site, user: User) -> list[Document]:
    """The report templates of ``site`` that ``user`` may see: the site's own, newest first, then those another
    site keeps for it (an organisation's template kept at its head office, covering the other sites: see
    docs/evidence.md, "Documents covering several sites"), newest first."""
    found = (
        Document.objects.for_user(user)
        .for_site(site.pk)
        .filter(tags__icontains=TAG, retired_at__isnull=True)
        .select_related("current_version", "site")
    )
    return sorted(found, key=lambda d: (d.site_id != site.pk, -d.pk))


def _is_template(document: Document) -> bool:
    return TAG in document.tag_list()


def template_for(site: Site, user: User, choice: str) -> tuple[bytes, str]:
    """(DOCX bytes, a label) of the template a report of ``site`` uses: ``choice`` "default" is the shipped one,
    a document id that template, "" the first of ``templates_of`` with an approved version (else the shipped one).
    A chosen template without an approved version, or one that no longer passes the checks, is refused."""
    from otcsms.reports.framework import ReportError

    if choice == "default":
        return docx_render.default_template(), "default"
    if choice:
        from otcsms.core.inputs import parse_id

        pk = parse_id(choice)
        document = next((d for d in templates_of(site, user) if d.pk == pk), None) if pk is not None else None
        if document is None or not _is_template(document):
            raise ReportError(f"no report template {choice[:40]!r} at {site.name}")
        if document.current_version is None:
            raise ReportError(f"the template {document.title!r} has no approved version yet")
        return _approved_bytes(document.current_version), document.title
    for document in templates_of(site, user):
        if _is_template(document) and document.current_version is not None:
            return _approved_bytes(document.current_version), document.title
    return docx_render.default_template(), "default"


def _approved_bytes(version: DocumentVersion) -> bytes:
    from otcsms.evidence import blobstore
    from otcsms.reports.framework import ReportError

    with blobstore.open_blob(version.blob_id) as stream:
        data: bytes = stream.read(MAX_TEMPLATE_BYTES + 1)
    try:
        check_template(data)
    except TemplateRefusedError as exc:
        raise ReportError(
            f"the template {version.document.title!r} v{version.number} is refused: {exc}"
        ) from None
    return data


@dataclass(frozen=True, slots=True)
class Uploaded:
    document: Document
    version: DocumentVersion
    placeholders: tuple[str, ...]


def upload_template(
    site: Site, data: bytes, *, file_name: str, title: str = "", document_id: int | None = None, by: User
) -> Uploaded:
    """Check the file, then store it as a new draft version of the template document ``document_id`` (or of a
    new template document titled ``title``). Nothing is stored when the file is refused. The version comes into
    force once approved through the evidence workflow (submit, then another person approves)."""
    checked = check_template(data)
    with transaction.atomic():
        if document_id is not None:
            # a new version only of the site's own templates (one another site keeps is written there)
            document = next(
                (d for d in templates_of(site, by) if d.pk == document_id and d.site_id == site.pk), None
            )
            if document is None:
                raise TemplateRefusedError(f"no report template {document_id} at {site.name}")
        else:
            title = " ".join(title.split()) or "Report template"
            document = evidence.create_document(
                site_id=site.pk, by=by, kind=DocumentKind.OTHER, title=title[:200],
                description="DOCX template of the site's Word reports (letterhead, styles, cover page).",
                tags=TAG,
            )  # fmt: skip
        version = evidence.upload_version(
            document, [data], file_name=file_name or "template.docx", claimed_type=docx_render.DOCX_CONTENT_TYPE,
            change_summary="report template", by=by, limit=MAX_TEMPLATE_BYTES,
        )  # fmt: skip
    return Uploaded(document, version, checked.placeholders)
