"""REST endpoints of the reports: the kinds offered per site, a report of a site as an HTML, PDF or DOCX file, and
the site's DOCX report templates (upload, list, the shipped default)."""

# No `from __future__ import annotations`: ninja reads the handlers' annotations when they are defined.
from django.http import FileResponse, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from otcsms.core.api_auth import API_AUTH
from otcsms.core.http import AuthedRequest
from otcsms.core.scoping import can
from otcsms.evidence.services import EvidenceForbiddenError, EvidenceInputError, EvidenceStateError
from otcsms.plant.api import refuse_oversized_upload
from otcsms.reports import docx_render, docx_templates, framework, package, services
from otcsms.tenancy.models import Site

router = Router(tags=["reports"])


class ReportKindOut(Schema):
    site_id: int
    site: str
    kind: str
    title: str
    html_url: str
    pdf_url: str
    docx_url: str = ""
    zip_url: str = ""


@router.get("/reports", response=list[ReportKindOut], operation_id="reports_list")
def report_kinds(request: AuthedRequest):
    """Every report kind for every site the caller holds a role on, with the URL of each format."""
    kinds = list(framework.kinds().values())
    rows = []
    for site in Site.objects.for_user(request.user).order_by("name").only("id", "name"):
        for kind in kinds:
            url = f"/api/v1/reports/{kind.name}?site={site.pk}&format="
            rows.append(ReportKindOut(site_id=site.pk, site=site.name, kind=kind.name, title=kind.title,
                                      html_url=url + "html", pdf_url=url + "pdf", docx_url=url + "docx"))  # fmt: skip
        rows.append(ReportKindOut(site_id=site.pk, site=site.name, kind=package.KIND, title="Audit package",
                                  html_url="", pdf_url="",
                                  zip_url=f"/api/v1/reports/{package.KIND}?site={site.pk}&format=zip"))  # fmt: skip
    return rows


@router.get("/reports/{kind}", response={200: None}, operation_id="reports_get")
def report(
    request: AuthedRequest,
    kind: str,
    site: str = "",
    format: str = "",
    assessment: str = "",
    template: str = "",
    campaign: str = "",
):
    """Report ``kind`` of a site (``site``: its id or code) as a file: ``format`` html (standalone: inline
    styles and charts, nothing fetched), pdf or docx (Word: headings, tables, charts as pictures, a table of
    contents, page numbers, the provenance footer). ``assessment``: the assessment of a per-assessment report
    (default: the latest of every framework); ``campaign``: the access review of the access-review record
    (default: every review of the site). ``template`` (docx): the id of one of the site's report templates
    or ``default`` (the shipped one); default: the site's newest approved template. Kind ``audit-package``: the site's audit package, a zip (every
    report in HTML and PDF, the approved evidence files, the audit-trail segment with a signed checkpoint and
    a verification script). 403 unless the caller holds a role on the site."""
    target = services.visible_site(request.user, site)
    if target is None:
        raise HttpError(403, "give ?site= the id or code of a site you hold a role on")
    params = {name: value for name, value in (("assessment", assessment), ("campaign", campaign)) if value}
    if template:
        params["template"] = template
    if kind == package.KIND:
        try:
            name, spool = services.package_download(target, request.user, format, params)
        except services.PackageUnavailableError as exc:
            raise HttpError(409, str(exc)) from None
        except framework.ReportError as exc:
            raise HttpError(422, str(exc)) from None
        return FileResponse(spool, as_attachment=True, filename=name, content_type="application/zip")
    try:
        found = services.report_file(kind, target, request.user, format, params)
    except framework.UnknownKindError as exc:
        raise HttpError(404, str(exc)) from None
    except framework.ReportError as exc:
        raise HttpError(422, str(exc)) from None
    response = HttpResponse(found.data, content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- DOCX report templates -------------------------------------------------------------------------------------
class ReportTemplateOut(Schema):
    document_id: int
    title: str
    approved_version: int | None
    latest_version: int | None
    latest_status: str
    document_url: str


class UploadedTemplateOut(Schema):
    document_id: int
    version_id: int
    number: int
    status: str
    placeholders: list[str]
    detail: str


def _site(request: AuthedRequest, pk: int) -> Site:
    found = Site.objects.for_user(request.user).filter(pk=pk).first()
    if found is None:
        raise HttpError(404, "no such site among yours")
    return found


@router.get(
    "/sites/{id:pk}/report-templates", response=list[ReportTemplateOut], operation_id="report_templates"
)
def report_templates(request: AuthedRequest, pk: int):
    """The site's DOCX report templates (evidence documents tagged ``report-template``): a DOCX report takes the
    look of the newest one with an approved version."""
    site = _site(request, pk)
    rows = []
    for document in docx_templates.templates_of(site, request.user):
        latest = document.versions.order_by("-number").first()
        rows.append(ReportTemplateOut(
            document_id=document.pk, title=document.title,
            approved_version=document.current_version.number if document.current_version else None,
            latest_version=latest.number if latest else None, latest_status=latest.status if latest else "",
            document_url=f"/documents/{document.pk}/",
        ))  # fmt: skip
    return rows


@router.get(
    "/sites/{id:pk}/report-templates/default", response={200: None}, operation_id="report_template_default"
)
def default_template(request: AuthedRequest, pk: int):
    """The shipped neutral template (every placeholder in place): the starting point of an organisation's own."""
    _site(request, pk)
    response = HttpResponse(docx_render.default_template(), content_type=docx_render.DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="otcsms-report-template.docx"'
    return response


@router.post(
    "/sites/{id:pk}/report-templates",
    response={201: UploadedTemplateOut},
    operation_id="report_template_upload",
    summary="Upload a DOCX report template (checked; stored as a draft evidence version)",
    auth=[refuse_oversized_upload, *API_AUTH],
)
def upload_template(
    request: AuthedRequest, pk: int, file: File[UploadedFile], title: Form[str] = "", document: Form[str] = ""
):
    """Multipart: ``file`` (a .docx), ``title`` (a new template document) or ``document`` (the id of an existing
    template: a new version of it). The file is refused (422, with the reason) if it carries macros, external
    relationships, embedded objects, fields that fetch files, XML entities, paths outside the archive, a zip
    bomb, or lacks ``{{ content }}`` or ``{{ provenance }}``; nothing is stored then. Accepted, it is a draft
    version: submit it for review and have another person approve it (evidence workflow) to bring it into
    force."""
    site = _site(request, pk)
    if not can(request.user, "change", site.pk):
        raise HttpError(403, "only contributors, approvers and site admins add report templates")
    if file.size is not None and file.size > docx_templates.MAX_TEMPLATE_BYTES:
        raise HttpError(413, f"the template is larger than {docx_templates.MAX_TEMPLATE_BYTES // 2**20} MB")
    if len(title) > 200:
        raise HttpError(422, "title: at most 200 characters")
    document_id = None
    if document:
        from otcsms.core.inputs import parse_id

        document_id = parse_id(document)
        if document_id is None:
            raise HttpError(422, "document: the id of one of the site's report templates")
    data = file.read(docx_templates.MAX_TEMPLATE_BYTES + 1)
    try:
        uploaded = docx_templates.upload_template(
            site, data, file_name=file.name or "", title=title, document_id=document_id, by=request.user
        )
    except docx_templates.TemplateRefusedError as exc:
        raise HttpError(422, f"template refused: {exc}") from None
    except EvidenceForbiddenError as exc:
        raise HttpError(403, str(exc)) from None
    except (EvidenceInputError, EvidenceStateError) as exc:
        raise HttpError(422, str(exc)) from None
    return Status(201, UploadedTemplateOut(
        document_id=uploaded.document.pk, version_id=uploaded.version.pk, number=uploaded.version.number,
        status=uploaded.version.status, placeholders=list(uploaded.placeholders),
        detail="stored as a draft: submit it for review and have another person approve it to use it",
    ))  # fmt: skip
