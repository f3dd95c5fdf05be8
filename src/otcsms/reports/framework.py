"""A report: a builder reads a site's data as a user may see it and returns plain data (``ReportData``); this
module stamps it with where it comes from (``Provenance``) and renders it to one standalone HTML file (inline
CSS, inline SVG, no request to anywhere) or to PDF with WeasyPrint, whose URL fetcher refuses every URL that
is not inline data.

Builders are declared by the apps (core.registry.ReportKind), so this module never names an app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils.text import slugify

import otcsms
from otcsms.core import registry
from otcsms.core.models import AuditChainHead, AuditEvent, User
from otcsms.tenancy.models import Site

FORMATS = ("html", "pdf", "docx")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAX_PARAMS = 8
# The parameters a report may take, as the pages, the API and the CLI pass them on (each builder refuses the ones
# it does not take): the assessment of a per-assessment report, the access review of the access-review record.
PARAMETERS = ("assessment", "campaign")


class ReportError(ValueError):
    """The report cannot be made as asked (unknown kind, bad parameter, nothing to report): a 4xx / exit 2."""


class UnknownKindError(ReportError):
    pass


@dataclass(frozen=True, slots=True)
class Provenance:
    """When, by whom and from which data a report was made."""

    made_at: dt.datetime  # UTC
    made_by: str
    instance_id: str  # see instance_id()
    audit_seq: int  # the audit trail's head when the report was read: it reflects every event up to it
    version: str


@dataclass
class ReportData:
    """What a builder returns: a title, the template that renders it, and the plain values it shows."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    summary: str = ""  # one line under the title
    # Optional: the dotted path of a function (writer, context) that writes the DOCX body itself instead of the
    # HTML converted (see docx_render.DocxWriter); for a kind whose Word output needs more than its HTML.
    docx: str = ""


@dataclass
class Report:
    kind: str
    site: Site
    data: ReportData
    provenance: Provenance

    def filename(self, fmt: str) -> str:
        site = slugify(self.site.code or self.site.name) or str(self.site.pk)
        stamp = self.provenance.made_at.strftime("%Y%m%d-%H%M%S")
        return f"{site}-{self.kind}-{stamp}.{fmt}"


def kinds() -> dict[str, registry.ReportKind]:
    """Every report kind the installed apps declare, by name, in app order."""
    return {kind.name: kind for kind in registry.report_kinds()}


def instance_id() -> str:
    """This instance's id: the first 16 hex digits of the hash of audit event #1 (written by `otcsms init`).

    That event's hash is keyed with the instance's own chain key and covers its time, so no two instances
    share it; it lives in the database, so a backup restored elsewhere keeps it; nothing has to be added to
    the schema for it. "uninitialised" before the first event."""
    first = AuditEvent.objects.filter(seq=1).values_list("hash", flat=True).first()
    return first[:16] if first else "uninitialised"


def audit_head_seq() -> int:
    return AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0


def build(kind: str, site: Site, user: User, params: Mapping[str, str] | None = None) -> Report:
    """Build report ``kind`` of ``site`` as ``user`` may see it. The caller has checked that the user holds a
    role on the site (a builder reads only through ``for_user`` as well). Raises ReportError."""
    declared = kinds().get(kind)
    if declared is None:
        raise UnknownKindError(f"unknown report kind {kind!r}; known: {', '.join(kinds()) or 'none'}")
    given = dict(params or {})
    if len(given) > MAX_PARAMS:
        raise ReportError("too many report parameters")
    builder = registry.resolve(declared.builder)
    # One transaction: on SQLite one read snapshot for the head and the data; on PostgreSQL the head is read
    # first, so the report reflects at least every event up to it.
    with transaction.atomic():
        provenance = Provenance(
            made_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            made_by=user.get_username(),
            instance_id=instance_id(),
            audit_seq=audit_head_seq(),
            version=otcsms.__version__,
        )
        try:
            data = as_report_data(builder(site, user, given), declared.builder)
        except ReportError:
            raise
        except ValueError as exc:  # a builder's refusal of its parameters (see as_report_data)
            raise ReportError(str(exc)) from None
    return Report(kind, site, data, provenance)


def as_report_data(returned: object, builder: str) -> ReportData:
    """What a builder returned, as ReportData. The apps below this one in the layers cannot import ReportData:
    their builders return a mapping with the same keys (title, template, context, summary) and refuse a bad
    parameter with ValueError."""
    if isinstance(returned, ReportData):
        return returned
    if (
        isinstance(returned, Mapping)
        and isinstance(returned.get("title"), str)
        and isinstance(returned.get("template"), str)
    ):
        return ReportData(
            title=returned["title"], template=returned["template"], context=dict(returned.get("context") or {}),
            summary=str(returned.get("summary") or ""), docx=str(returned.get("docx") or ""),
        )  # fmt: skip
    raise TypeError(
        f"{builder} returned {type(returned).__name__}, not ReportData or a mapping with title, template"
    )


def render_html(report: Report) -> str:
    return render_to_string(
        report.data.template,
        {"report": report, "data": report.data, "site": report.site, "provenance": report.provenance,
         **report.data.context},
    )  # fmt: skip


def render(report: Report, fmt: str, *, template: bytes | None = None) -> bytes:
    """The report as ``fmt``; a DOCX takes the look of ``template`` (checked DOCX bytes; default: the shipped
    neutral one)."""
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "pdf":
        return html_to_pdf(render_html(report))
    if fmt == "docx":
        from otcsms.reports import docx_render

        try:
            return docx_render.report_docx(
                report, render_html(report), template or docx_render.default_template()
            )
        except docx_render.DocxRenderError as exc:
            raise ReportError(str(exc)) from None
    raise ReportError(f"unknown format {fmt!r}; use html, pdf or docx")


def html_to_pdf(html: str) -> bytes:
    """The PDF of a standalone HTML document: no base URL, and every URL but inline data refused."""
    import weasyprint  # imported here: Pango loads with it (a few hundred ms), only PDFs need it

    return weasyprint.HTML(string=html, base_url=None, url_fetcher=local_only_fetcher()).write_pdf()


def local_only_fetcher_class() -> type:
    import weasyprint.urls

    class _LocalOnly(weasyprint.urls.URLFetcher):
        """Inline ``data:`` URLs only: a report never reaches the network or the file system."""

        refused: list[str]

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",), allow_redirects=False)
            self.refused = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("data:"):
                self.refused.append(url)
                raise ValueError(f"a report fetches nothing: refused {url[:80]}")
            return super().fetch(url, headers)

    return _LocalOnly


def local_only_fetcher() -> Any:
    return local_only_fetcher_class()()
