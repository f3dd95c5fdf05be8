"""The Reports page (every kind for every site the user holds a role on) and a report's download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from otcsms.core.http import AuthedRequest
from otcsms.reports import framework, package, services
from otcsms.tenancy.models import Site
from otcsms.ui.sites import current_site_id


def _authed(request: HttpRequest) -> AuthedRequest:
    return request  # type: ignore[return-value]  # login_required has run: request.user is a User


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    user = _authed(request).user
    sites = Site.objects.for_user(user).for_site(current_site_id(request)).order_by("name")
    kinds = list(framework.kinds().values())
    return render(
        request, "reports/list.html", {"sites": sites, "kinds": kinds, "package_kind": package.KIND}
    )


@login_required
def report_download(request: HttpRequest, kind: str) -> HttpResponse | FileResponse:
    user = _authed(request).user
    site = services.visible_site(user, request.GET.get("site"))
    if site is None:
        return JsonResponse({"detail": "no such site among yours"}, status=404)
    params = {name: request.GET[name] for name in framework.PARAMETERS if request.GET.get(name)}
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
