"""The Reports page (every kind for every site the user holds a role on) and a report's download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.core.scoping import can
from otcsms.evidence.services import EvidenceForbiddenError, EvidenceInputError, EvidenceStateError
from otcsms.reports import docx_render, docx_templates, framework, package, pickers, services
from otcsms.tenancy.models import Site
from otcsms.ui.sites import current_site_id


def _authed(request: HttpRequest) -> AuthedRequest:
    return request  # type: ignore[return-value]  # login_required has run: request.user is a User


def _page(request: HttpRequest, user: User, errors: dict[int, str]) -> dict[str, object]:
    """The Reports page's context: per site, each kind with its picker (assessment, access review), the site's
    report templates and whether the user may upload one."""
    sites = list(Site.objects.for_user(user).for_site(current_site_id(request)).order_by("name"))
    kinds = list(framework.kinds().values())
    rows = []
    for site in sites:
        picks = pickers.pickers(site, user)
        rows.append({
            "site": site, "kinds": [(kind, picks.get(kind.name)) for kind in kinds],
            "templates": docx_templates.templates_of(site, user), "may_upload": can(user, "change", site.pk),
        })  # fmt: skip
    return {"sites": sites, "rows": rows, "package_kind": package.KIND, "errors": errors}


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/list.html", _page(request, _authed(request).user, {}))


@login_required
def report_download(request: HttpRequest, kind: str) -> HttpResponse | FileResponse:
    user = _authed(request).user
    site = services.visible_site(user, request.GET.get("site"))
    if site is None:
        return JsonResponse({"detail": "no such site among yours"}, status=404)
    params = {name: request.GET[name] for name in framework.PARAMETERS if request.GET.get(name)}
    if request.GET.get("template"):
        params["template"] = request.GET["template"]
    if kind == package.KIND:
        try:
            name, spool = services.package_download(site, user, request.GET.get("format", ""), params)
        except services.PackageUnavailableError as exc:
            return JsonResponse({"detail": str(exc)}, status=409)
        except framework.ReportError as exc:
            return JsonResponse({"detail": str(exc)}, status=422)
        return FileResponse(spool, as_attachment=True, filename=name, content_type="application/zip")
    try:
        found = services.report_file(kind, site, user, request.GET.get("format", "html"), params)
    except framework.UnknownKindError as exc:
        return JsonResponse({"detail": str(exc)}, status=404)
    except framework.ReportError as exc:
        return JsonResponse({"detail": str(exc)}, status=422)
    response = HttpResponse(found.data, content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def default_template(request: HttpRequest) -> HttpResponse:
    """The shipped neutral DOCX template, for an organisation to start its own from."""
    response = HttpResponse(docx_render.default_template(), content_type=docx_render.DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="otcsms-report-template.docx"'
    return response


MAX_FORM_TITLE = 200


@login_required
@require_POST
def template_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a DOCX template for a site: checked, then stored as a draft version of an evidence document."""
    user = _authed(request).user
    site = Site.objects.for_user(user).filter(pk=pk).first()
    if site is None:
        raise Http404("no such site among yours")
    upload = request.FILES.get("file")
    title = request.POST.get("title", "")[: MAX_FORM_TITLE + 1]
    problem = ""
    if not can(user, "change", site.pk):
        problem = "only contributors, approvers and site admins add report templates"
    elif upload is None:
        problem = "choose a .docx file"
    elif (upload.size or 0) > docx_templates.MAX_TEMPLATE_BYTES:
        problem = f"the template is larger than {docx_templates.MAX_TEMPLATE_BYTES // 2**20} MB"
    elif len(title) > MAX_FORM_TITLE:
        problem = "the title has more than 200 characters"
    if not problem and upload is not None:
        try:
            uploaded = docx_templates.upload_template(
                site, upload.read(docx_templates.MAX_TEMPLATE_BYTES + 1), file_name=upload.name or "",
                title=title, by=user,
            )  # fmt: skip
        except docx_templates.TemplateRefusedError as exc:
            problem = f"template refused: {exc}"
        except (EvidenceForbiddenError, EvidenceInputError, EvidenceStateError) as exc:
            problem = str(exc)
        else:
            messages.success(
                request,
                f"Template stored as draft version {uploaded.version.number} of '{uploaded.document.title}': "
                "submit it for review; once another person approves it, DOCX reports of the site use it.",
            )
            return HttpResponseRedirect(reverse("web:document_detail", args=[uploaded.document.pk]))
    return render(request, "reports/list.html", _page(request, user, {site.pk: problem}), status=422)
