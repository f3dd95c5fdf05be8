"""REST endpoints of C2: the plant model as Resources (core.crud), plus import, export and the diagram."""

# No `from __future__ import annotations`: ninja reads the handlers' annotations when they are defined.
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.text import slugify
from ninja import File, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from otcsms.core.api_auth import API_AUTH
from otcsms.core.crud import (
    Resource,
    assign,
    check_references,
    register,
    require_write,
    save_validated,
)
from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.plant import schemas as s
from otcsms.plant import services
from otcsms.plant.graphviz import LayoutUnavailable
from otcsms.plant.importfiles import KINDS, MAX_FILE_BYTES, Endpoint, ImportRejected
from otcsms.plant.models import (
    Asset,
    Conduit,
    ProtocolEndpoint,
    SystemUnderConsideration,
    Zone,
    default_role,
)
from otcsms.tenancy.models import Site

router = Router(tags=["plant"])
# Multipart framing around the file: boundaries, part headers and a few small fields.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


# --- hooks: typed values in, the services the pages call too --------------------------------------
def _endpoints(uris: list[str]) -> list[Endpoint]:
    try:
        return services.parse_endpoint_uris(uris)
    except ValueError as exc:
        raise HttpError(422, f"endpoints: {exc}") from None


def _create_asset(user: User, data: dict[str, Any]) -> Asset:
    endpoints = _endpoints(data.pop("endpoints", []))
    return services.save_asset(Asset(**data), endpoints)


def _update_asset(user: User, asset: Asset, data: dict[str, Any]) -> Asset:
    uris = data.pop("endpoints", None)
    endpoints = _endpoints(uris) if uris is not None else None
    return services.save_asset(assign(asset, data), endpoints)


def _update_endpoint(user: User, endpoint: ProtocolEndpoint, data: dict[str, Any]) -> ProtocolEndpoint:
    if data.get("uri") is not None:
        try:
            endpoint.set_uri(data["uri"])
        except ValueError as exc:
            raise HttpError(422, f"uri: {exc}") from None
    if data.get("role") is not None:
        endpoint.role = data["role"]
    return save_validated(endpoint)


def _visible_zones(user: User, zone_ids: list[int]) -> list[Zone]:
    """The zones named by id, each one the user may see (422 naming the first that is not)."""
    zones = list(Zone.objects.for_user(user).filter(pk__in=set(zone_ids)))
    missing = sorted(set(zone_ids) - {zone.pk for zone in zones})
    if missing:
        raise HttpError(422, f"zone_ids: no zone with id {missing[0]}")
    return zones


def _save_system(system: SystemUnderConsideration, zones: list[Zone] | None) -> SystemUnderConsideration:
    try:
        return services.save_system(system, zones)
    except services.ForeignZoneError as exc:
        raise HttpError(422, f"zone_ids: {exc}") from None


def _create_system(user: User, data: dict[str, Any]) -> SystemUnderConsideration:
    zones = _visible_zones(user, data.pop("zone_ids", []))
    return _save_system(SystemUnderConsideration(**data), zones)


def _update_system(
    user: User, system: SystemUnderConsideration, data: dict[str, Any]
) -> SystemUnderConsideration:
    zone_ids = data.pop("zone_ids", None)
    zones = _visible_zones(user, zone_ids) if zone_ids is not None else None
    return _save_system(assign(system, data), zones)


RESOURCES: list[Resource[Any]] = [
    Resource(
        Zone, "zones", s.ZoneOut, s.ZoneCreate, s.ZoneUpdate, filters=s.ZoneFilter, ordering=("name", "pk"),
        tags=["plant"],
    ),
    Resource(
        Conduit, "conduits", s.ConduitOut, s.ConduitCreate, s.ConduitUpdate, filters=s.ConduitFilter,
        select_related=("zone_a", "zone_b"), ordering=("name", "pk"), tags=["plant"],
    ),
    Resource(
        Asset, "assets", s.AssetOut, s.AssetCreate, s.AssetUpdate, filters=s.AssetFilter,
        select_related=("zone",), ordering=("name", "pk"), create_hook=_create_asset,
        update_hook=_update_asset, tags=["plant"],
    ),
    # Created by its own handler below: the site of an endpoint is its asset's, not a field of the payload.
    Resource(
        ProtocolEndpoint, "endpoints", s.EndpointOut, None, s.EndpointUpdate, filters=s.EndpointFilter,
        select_related=("asset",), ordering=("asset_id", "pk"), update_hook=_update_endpoint, tags=["plant"],
    ),
    Resource(
        SystemUnderConsideration, "systems", s.SystemOut, s.SystemCreate, s.SystemUpdate,
        filters=s.SystemFilter, ordering=("name", "pk"), create_hook=_create_system,
        update_hook=_update_system, tags=["plant"],
    ),
]  # fmt: skip

for resource in RESOURCES:
    register(router, resource)


@router.post("/endpoints", response={201: s.EndpointOut}, operation_id="endpoints_create", tags=["plant"])
def create_endpoint(request: AuthedRequest, payload: s.EndpointCreate):
    data = payload.model_dump()
    check_references(request, ProtocolEndpoint, data)
    asset = Asset.objects.get(pk=data["asset_id"])
    require_write(request, ProtocolEndpoint, asset.site_id, "change")
    endpoint = ProtocolEndpoint(asset=asset)
    try:
        endpoint.set_uri(data["uri"])
    except ValueError as exc:
        raise HttpError(422, f"uri: {exc}") from None
    endpoint.role = data["role"] or default_role(endpoint.protocol)
    with transaction.atomic():
        save_validated(endpoint)
    return Status(201, endpoint)


# --- import, export, diagram ----------------------------------------------------------------------
def _visible_site(request: AuthedRequest, pk: int) -> Site:
    site = Site.objects.for_user(request.user).filter(pk=pk).first()
    if site is None:
        raise HttpError(404, f"site {pk} not found")
    return site


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise HttpError(404, f"unknown kind {kind[:40]!r}; one of {', '.join(KINDS)}")


def refuse_oversized_upload(request: HttpRequest) -> None:
    """413 for a body larger than an import file may be, before anything reads it.

    Uploaded files do not count against DATA_UPLOAD_MAX_MEMORY_SIZE (Django streams them to a temporary
    file), so the import sets its own limit. It runs first in the operation's authentication chain: the
    one hook ninja calls before it parses the multipart body (and before a session's CSRF check reads it).
    Returning None hands over to the real authentication methods.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_FILE_BYTES + UPLOAD_OVERHEAD_BYTES:
        raise HttpError(413, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")


def problems_response(exc: ImportRejected):
    detail = [{"row": p.row, "column": p.column, "reason": p.reason, "message": str(p)} for p in exc.problems]
    return Status(422, {"detail": detail})


@router.post(
    "/sites/{id:pk}/import/{kind}",
    response={201: s.ImportSummaryOut, 422: s.ProblemsOut},
    operation_id="plant_import",
    summary="Import a CSV, XLSX or JSON file of sites, zones, conduits, assets or people (all or nothing)",
    tags=["plant"],
    auth=[refuse_oversized_upload, *API_AUTH],
)
def import_file(request: AuthedRequest, pk: int, kind: str, file: File[UploadedFile]):
    """The whole file is checked first; on any problem nothing is written and the answer is 422 with
    every problem (row, column, reason). Files up to 50 MB; the format comes from the file name."""
    site = _visible_site(request, pk)
    _check_kind(kind)
    if refusal := services.import_refusal(request.user, kind, site):
        raise HttpError(403, refusal)
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise HttpError(413, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        plan = services.plan_import(kind, file.read(MAX_FILE_BYTES + 1), file.name or "", site)
        if refusal := services.plan_refusal(request.user, plan, site):
            raise HttpError(403, refusal)
        summary = services.write_plan(plan, site)
    except ImportRejected as exc:
        return problems_response(exc)
    return Status(201, summary.as_dict())


@router.get(
    "/sites/{id:pk}/export/{kind}",
    response={200: None},
    operation_id="plant_export",
    summary="Export sites, zones, conduits, assets or people of a site as CSV, XLSX or JSON",
    tags=["plant"],
)
def export_file(request: AuthedRequest, pk: int, kind: str, format: str = "csv"):
    site = _visible_site(request, pk)
    _check_kind(kind)
    if format not in services.EXPORT_FORMATS:
        raise HttpError(422, f"format must be one of {', '.join(services.EXPORT_FORMATS)}")
    data = services.export(kind, site, format)
    response = HttpResponse(data, content_type=services.CONTENT_TYPES[format])
    filename = services.export_filename(kind, site, format)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/sites/{id:pk}/diagram.svg",
    response={200: None},
    operation_id="plant_diagram",
    summary="The site's zone and conduit diagram (SVG)",
    tags=["plant"],
)
def diagram(request: AuthedRequest, pk: int):
    """The SVG the diagram page shows, for a report to embed; 503 when Graphviz cannot draw it now."""
    site = _visible_site(request, pk)
    try:
        svg = services.diagram_for(site)
    except LayoutUnavailable as exc:
        raise HttpError(503, str(exc)) from exc
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{slugify(site.code) or site.pk}-zones.svg"'
    return response
