"""REST endpoints of the reports: the kinds offered per site, and a report of a site as an HTML or PDF file."""

# No `from __future__ import annotations`: ninja reads the handlers' annotations when they are defined.
from django.http import FileResponse, HttpResponse
from ninja import Router, Schema
from ninja.errors import HttpError

from otcsms.core.http import AuthedRequest
from otcsms.reports import framework, package, services
from otcsms.tenancy.models import Site

router = Router(tags=["reports"])


class ReportKindOut(Schema):
    site_id: int
    site: str
    kind: str
    title: str
    html_url: str
    pdf_url: str
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
                                      html_url=url + "html", pdf_url=url + "pdf"))  # fmt: skip
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
    campaign: str = "",
):
    """Report ``kind`` of a site (``site``: its id or code) as a file: ``format`` html (standalone: inline
    styles and charts, nothing fetched) or pdf. ``assessment``: the assessment of a per-assessment report
    (default: the latest of every framework); ``campaign``: the access review of the access-review record
    (default: every review of the site). Kind ``audit-package``: the site's audit package, a zip (every
    report in HTML and PDF, the approved evidence files, the audit-trail segment with a signed checkpoint and
    a verification script). 403 unless the caller holds a role on the site."""
    target = services.visible_site(request.user, site)
    if target is None:
        raise HttpError(403, "give ?site= the id or code of a site you hold a role on")
    params = {name: value for name, value in (("assessment", assessment), ("campaign", campaign)) if value}
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
