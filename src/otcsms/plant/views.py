"""Pages of C2: zones, conduits, assets, systems under consideration, the site diagram, import and export."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from otcsms.core.http import AuthedRequest
from otcsms.core.inputs import parse_id
from otcsms.plant import forms, services
from otcsms.plant.graphviz import LayoutUnavailable
from otcsms.plant.importfiles import (
    KINDS,
    MAX_FILE_BYTES,
    PROTOCOLS,
    TEMPLATE_FORMATS,
    ImportRejected,
    RowProblem,
    normalise_protocol,
    specs_of,
    template_filename,
    write_template,
)
from otcsms.plant.models import (
    Asset,
    AssetType,
    Conduit,
    Criticality,
    ProtocolEndpoint,
    SystemUnderConsideration,
    Zone,
)
from otcsms.plant.schemas import asset_search_q
from otcsms.tenancy.models import Site
from otcsms.ui import generic
from otcsms.ui.sites import current_site_id


class PlantListView(generic.ScopedListView):
    template_name = "plant/object_list.html"


# --- zones ----------------------------------------------------------------------------------------
class ZoneViews(generic.ViewSet):
    model: Any = Zone
    url_base = "web:zone"
    form_class: type[Any] | None = forms.ZoneForm
    select_related = ("site", "parent")


class ZoneList(ZoneViews, PlantListView):
    columns = [("Name", "name"), ("Site", "site"), ("Kind", "kind"), ("SL-T", "sl_t_label"),
               ("Parent", "parent"), ("Description", "description")]  # fmt: skip
    search_fields = ("name", "description")


class ZoneDetail(ZoneViews, generic.ScopedDetailView):
    template_name = "plant/zone_detail.html"
    fields = [("Site", "site"), ("Kind", "kind"), ("Parent zone", "parent"), ("Description", "description")]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        zone, user = self.object, self.user
        ctx["assets"] = Asset.objects.for_user(user).filter(zone=zone).prefetch_related("endpoints")
        ctx["conduits"] = (
            Conduit.objects.for_user(user)
            .filter(Q(zone_a=zone) | Q(zone_b=zone))
            .select_related("zone_a", "zone_b")
        )
        ctx["children"] = Zone.objects.for_user(user).filter(parent=zone)
        ctx["systems"] = SystemUnderConsideration.objects.for_user(user).filter(zones=zone)
        return ctx


class ZoneCreate(ZoneViews, generic.ScopedCreateView):
    pass


class ZoneUpdate(ZoneViews, generic.ScopedUpdateView):
    pass


class ZoneDelete(ZoneViews, generic.ScopedDeleteView):
    pass


# --- conduits -------------------------------------------------------------------------------------
class ConduitViews(generic.ViewSet):
    model: Any = Conduit
    url_base = "web:conduit"
    form_class: type[Any] | None = forms.ConduitForm
    select_related = ("site", "zone_a", "zone_b")


class ConduitList(ConduitViews, PlantListView):
    columns = [("Name", "name"), ("Site", "site"), ("Zone A", "zone_a"), ("Zone B", "zone_b"),
               ("Protocols", "protocol_list"), ("Security device", "security_device")]  # fmt: skip
    search_fields = ("name", "security_device", "description")


class ConduitDetail(ConduitViews, generic.ScopedDetailView):
    template_name = "plant/conduit_detail.html"
    fields = [("Site", "site"), ("Security device", "security_device"), ("Description", "description")]


class ConduitCreate(ConduitViews, generic.ScopedCreateView):
    pass


class ConduitUpdate(ConduitViews, generic.ScopedUpdateView):
    pass


class ConduitDelete(ConduitViews, generic.ScopedDeleteView):
    pass


# --- assets ---------------------------------------------------------------------------------------
class AssetViews(generic.ViewSet):
    model: Any = Asset
    url_base = "web:asset"
    form_class: type[Any] | None = forms.AssetForm
    select_related = ("site", "zone")


ASSET_FILTERS = ("zone", "type", "criticality", "protocol")


class AssetList(AssetViews, PlantListView):
    template_name = "plant/asset_list.html"
    columns = [("Name", "name"), ("Zone", "zone"), ("Type", "type"), ("Vendor", "vendor"), ("Model", "model"),
               ("Firmware", "firmware"), ("Criticality", "criticality"), ("IP", "ip")]  # fmt: skip
    search_fields = ()

    def get_queryset(self):
        qs = super().get_queryset().prefetch_related("endpoints")
        params = self.request.GET
        q = params.get("q", "").strip()[:200]
        if q:
            qs = qs.filter(asset_search_q(q))
        # A filter value the form cannot produce (a typed URL, a stale bookmark) is ignored, as for type.
        zone = params.get("zone", "")
        zone_id = parse_id(zone)
        if zone_id is not None:
            qs = qs.filter(zone_id=zone_id)
        elif zone == "none":
            qs = qs.filter(zone__isnull=True)
        if params.get("type") in AssetType.values:
            qs = qs.filter(type=params["type"])
        if params.get("criticality") in Criticality.values:
            qs = qs.filter(criticality=params["criticality"])
        protocol = params.get("protocol", "")[:40].strip()
        if protocol:
            name = normalise_protocol(protocol) or protocol.lower()  # as the API's filter reads it
            qs = qs.filter(pk__in=ProtocolEndpoint.objects.filter(protocol=name).values("asset_id"))
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = self.user
        site_id = self.listed_site_id()
        zones = Zone.objects.for_user(user).for_site(site_id).select_related("site")
        ctx["filters"] = {name: self.request.GET.get(name, "") for name in ASSET_FILTERS}
        ctx["zone_choices"] = [
            (str(z.pk), f"{z.name} ({z.site.name})") for z in zones.order_by("site__name", "name")
        ]
        ctx["type_choices"] = AssetType.choices
        ctx["criticality_choices"] = Criticality.choices
        ctx["protocol_choices"] = PROTOCOLS
        ctx["show_site"] = site_id is None and Site.objects.for_user(user).count() > 1
        return ctx


class AssetDetail(AssetViews, generic.ScopedDetailView):
    template_name = "plant/asset_detail.html"
    fields = [("Site", "site"), ("Zone", "zone"), ("Type", "type"), ("Vendor", "vendor"), ("Model", "model"),
              ("Firmware", "firmware"), ("Serial number", "serial"), ("Criticality", "criticality"),
              ("IP address", "ip"), ("MAC address", "mac"), ("Device profile", "profile"),
              ("Description", "description")]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["endpoints"] = self.object.endpoints.all()
        return ctx


class AssetCreate(AssetViews, generic.ScopedCreateView):
    pass


class AssetUpdate(AssetViews, generic.ScopedUpdateView):
    pass


class AssetDelete(AssetViews, generic.ScopedDeleteView):
    pass


# --- systems under consideration ------------------------------------------------------------------
class SystemViews(generic.ViewSet):
    model: Any = SystemUnderConsideration
    url_base = "web:system"
    form_class: type[Any] | None = forms.SystemForm
    select_related = ("site",)


class SystemList(SystemViews, PlantListView):
    columns = [("Name", "name"), ("Site", "site"), ("Description", "description")]
    search_fields = ("name", "description")


class SystemDetail(SystemViews, generic.ScopedDetailView):
    template_name = "plant/system_detail.html"
    fields = [("Site", "site"), ("Description", "description")]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        zones = list(self.object.zones.select_related("parent"))
        ctx["zones"] = zones
        ctx["svg"], ctx["diagram_problem"] = drawn_diagram(self.object.site, zones)
        return ctx


class SystemCreate(SystemViews, generic.ScopedCreateView):
    pass


class SystemUpdate(SystemViews, generic.ScopedUpdateView):
    pass


class SystemDelete(SystemViews, generic.ScopedDeleteView):
    pass


# --- diagram, import, export ----------------------------------------------------------------------
def _chosen_site(request: HttpRequest, sites) -> Site | None:
    """The site named by ?site= (404 unless one the user sees), else the switcher's, else the only one."""
    raw = request.GET.get("site", "")
    if raw:
        site_id = parse_id(raw)
        if site_id is None:
            raise Http404("no such site")
        return get_object_or_404(sites, pk=site_id)
    site_id = current_site_id(request)
    if site_id is not None:
        return sites.filter(pk=site_id).first()
    return sites.first() if sites.count() == 1 else None


def drawn_diagram(site: Site, zones: list[Zone] | None = None) -> tuple[str, str]:
    """(svg, "") or ("", why it cannot be drawn now): a page shows the reason instead of failing."""
    try:
        return services.diagram_for(site, zones), ""
    except LayoutUnavailable as exc:
        return "", str(exc)


@login_required
def diagram(request: AuthedRequest) -> HttpResponse:
    sites = Site.objects.for_user(request.user)
    site = _chosen_site(request, sites)
    svg, problem = drawn_diagram(site) if site else ("", "")
    return render(request, "plant/diagram.html", {
        "site": site, "sites": sites, "svg": svg, "diagram_problem": problem,
    })  # fmt: skip


@login_required
def import_page(request: AuthedRequest) -> HttpResponse:
    """Upload a file (for users who may change a site) and download exports (for everyone)."""
    user = request.user
    may_import = Site.objects.for_user(user, "change").exists()
    summary = problems = None
    form = forms.ImportForm(user=user, initial={"site": current_site_id(request)}) if may_import else None
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied("you may not change any site")
        form = forms.ImportForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            summary, problems = _run_import(request, form.cleaned_data)
    return render(request, "plant/import.html", {
        "form": form, "summary": summary, "problems": problems,
        "export_form": forms.ExportForm(user=user, initial={"site": current_site_id(request)}),
        "templates": _template_rows(),
    })  # fmt: skip


def _template_rows() -> list[dict[str, Any]]:
    """Per kind (in the order of the kind choices): its label, template formats and column help."""
    return [
        {"kind": kind, "label": label, "formats": TEMPLATE_FORMATS, "columns": specs_of(kind)}
        for kind, label in forms.KIND_CHOICES
    ]


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    """``?kind=zones&format=xlsx``: a file to fill in for an import of that kind (header row, one example row;
    in XLSX also what each column accepts). Templates hold no data: every signed-in user may have them."""
    kind, fmt = request.GET.get("kind", ""), request.GET.get("format", "")
    if kind not in KINDS or fmt not in TEMPLATE_FORMATS:
        raise Http404(
            f"no such template: kinds are {', '.join(KINDS)}; formats {', '.join(TEMPLATE_FORMATS)}"
        )
    response = HttpResponse(write_template(kind, fmt), content_type=services.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{template_filename(kind, fmt)}"'
    return response


def _run_import(request: AuthedRequest, data: dict[str, Any]):
    """(summary, None) when the file was imported, (None, problems) when it was refused."""
    user, site, kind, upload = request.user, data["site"], data["kind"], data["file"]
    if refusal := services.import_refusal(user, kind, site):
        raise PermissionDenied(refusal)
    if upload.size > MAX_FILE_BYTES:
        return None, _too_large_problems()
    try:
        plan = services.plan_import(kind, upload.read(MAX_FILE_BYTES + 1), upload.name, site)
        if refusal := services.plan_refusal(user, plan, site):
            raise PermissionDenied(refusal)
        return services.write_plan(plan, site), None
    except ImportRejected as exc:
        return None, exc.problems


def _too_large_problems():
    return [RowProblem(0, "", f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")]


@login_required
def export_file(request: AuthedRequest) -> HttpResponse:
    form = forms.ExportForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "plant/import.html", {"export_form": form, "form": None}, status=400)
    site, kind, fmt = form.cleaned_data["site"], form.cleaned_data["kind"], form.cleaned_data["format"]
    response = HttpResponse(services.export(kind, site, fmt), content_type=services.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{services.export_filename(kind, site, fmt)}"'
    return response
