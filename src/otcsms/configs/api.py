"""REST endpoints of C7: snapshots, collections, baselines, deviations, rule overrides, drift and compare.

Snapshots and collections are read-only (a snapshot is made by an import or a collection, never edited).
"""

import base64
import binascii
from typing import Any

from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from otcsms.configs import schemas as s
from otcsms.configs import services
from otcsms.configs.models import Baseline, Collection, CollectionSchedule, Deviation, RuleOverride, Snapshot
from otcsms.configs.severity_rules import RuleError
from otcsms.core.crud import Resource, get_visible_or_404, register, require_write, save_validated, scoped
from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.core.pagination import Page
from otcsms.core.scoping import is_member
from otcsms.plant.models import Asset
from otcsms.tenancy.models import Site

router = Router(tags=["configurations"])
TAGS = ["configurations"]


def _create_baseline(user: User, data: dict[str, Any]) -> Baseline:
    snapshot = Snapshot.objects.select_related("asset").get(pk=data["snapshot_id"])
    require_baseline_right(user, snapshot.site_id)
    try:
        return services.approve_baseline(snapshot, by=user, reason=data["reason"])
    except services.ConfigError as exc:
        raise HttpError(422, str(exc)) from None


def require_baseline_right(user: User, site_id: int) -> None:
    if not services.may_approve(user, site_id):
        raise HttpError(403, "approvers and site admins approve baselines")


def _create_deviation(user: User, data: dict[str, Any]) -> Deviation:
    asset = Asset.objects.get(pk=data.pop("asset_id"))
    if not services.may_approve(user, asset.site_id):
        raise HttpError(403, "approvers and site admins approve deviations")
    try:
        return services.add_deviation(asset, by=user, **data)
    except services.ConfigError as exc:
        raise HttpError(422, str(exc)) from None


def _save_override(user: User, obj: RuleOverride, data: dict[str, Any]) -> RuleOverride:
    for name, value in data.items():
        setattr(obj, name, value)
    return save_validated(obj)


def _create_override(user: User, data: dict[str, Any]) -> RuleOverride:
    return save_validated(RuleOverride(**data))


SNAPSHOTS = Resource(
    Snapshot, "config-snapshots", s.SnapshotOut, filters=s.SnapshotFilter, deletable=False,
    ordering=("asset_id", "-version"), tags=TAGS,
)  # fmt: skip
RESOURCES: list[Resource[Any]] = [
    SNAPSHOTS,
    Resource(
        Collection, "config-collections", s.CollectionOut, filters=s.CollectionFilter, deletable=False,
        ordering=("-attempted_at", "-pk"), tags=TAGS,
    ),
    Resource(
        Baseline, "config-baselines", s.BaselineOut, s.BaselineCreate, filters=s.BaselineFilter,
        deletable=False, create_hook=_create_baseline, ordering=("asset_id", "-approved_at", "-pk"), tags=TAGS,
    ),
    Resource(
        Deviation, "config-deviations", s.DeviationOut, s.DeviationCreate, filters=s.DeviationFilter,
        write_action="approve", create_hook=_create_deviation, ordering=("asset_id", "expires_at"), tags=TAGS,
    ),
    Resource(
        RuleOverride, "config-rule-overrides", s.RuleOverrideOut, s.RuleOverrideCreate, s.RuleOverrideUpdate,
        create_hook=_create_override, update_hook=_save_override, ordering=("order", "name"), tags=TAGS,
    ),
]  # fmt: skip

for resource in RESOURCES:
    register(router, resource)


def _asset(request: AuthedRequest, pk: int, action: str = "view") -> Asset:
    asset = scoped(Asset, request.user).select_related("site", "zone").filter(pk=pk).first()
    if asset is None:
        raise HttpError(404, f"asset {pk} not found")
    if action == "change":
        require_write(request, Snapshot, asset.site_id, "change")
    return asset


@router.post(
    "/config-assets/{id:pk}/import", response={201: s.SnapshotRecorded, 200: s.SnapshotRecorded},
    operation_id="config_assets_import", tags=TAGS,
)  # fmt: skip
def import_file(request: AuthedRequest, pk: int, payload: s.ImportIn):
    """A vendor export or JSON/YAML file, base64-encoded: 201 with a new version, 200 when the configuration
    is the asset's latest version already (it is then only marked as seen again)."""
    asset = _asset(request, pk, "change")
    try:
        data = base64.b64decode(payload.content, validate=True)
    except (binascii.Error, ValueError):
        raise HttpError(422, "content: not base64") from None
    try:
        snapshot, created = services.import_file(asset, payload.name, data, payload.kind)
    except (services.ConfigError, ValueError) as exc:
        raise HttpError(422, str(exc)) from None
    return Status(201 if created else 200, {"snapshot": snapshot, "new_version": created})


@router.post(
    "/config-assets/{id:pk}/collect", response=s.CollectOut, operation_id="config_assets_collect", tags=TAGS
)
def collect(request: AuthedRequest, pk: int):
    """Read the asset live now over its OPC UA / Modbus TCP server endpoints."""
    asset = _asset(request, pk, "change")
    return services.collect([asset])[0].as_dict()


@router.put(
    "/config-assets/{id:pk}/credential", response=s.CredentialOut, operation_id="config_assets_credential",
    tags=TAGS,
)  # fmt: skip
def set_credential(request: AuthedRequest, pk: int, payload: s.CredentialIn):
    """The user name and password otcsms logs in to the device with (stored encrypted, never shown)."""
    asset = _asset(request, pk)
    if not services.may_approve(request.user, asset.site_id):
        raise HttpError(403, "site admins and approvers set device credentials")
    credential = services.set_credential(asset, payload.username, payload.password)
    return {"asset_id": asset.pk, "username": credential.username}


@router.get(
    "/config-assets/{id:pk}/drift", response=s.DriftOut, operation_id="config_assets_drift", tags=TAGS
)
def asset_drift(request: AuthedRequest, pk: int):
    asset = _asset(request, pk)
    rows = services.drift(Asset.objects.filter(pk=asset.pk))
    if not rows:
        return {"asset": asset.name, "asset_id": asset.pk, "site": asset.site.name, "status": "no_baseline",
                "severity": None, "latest_version": None, "baseline_version": None, "changes": [],
                "approved_changes": 0}  # fmt: skip
    return rows[0].as_dict()


@router.get("/config-drift", response=list[s.DriftOut], operation_id="config_drift", tags=TAGS)
@paginate(Page)
def fleet_drift(request: AuthedRequest, filters: Query[s.DriftQuery]):
    """Every asset with configuration history that the caller may see, with its drift from its baseline."""
    assets = scoped(Asset, request.user)
    if filters.site_id is not None:
        assets = assets.filter(site_id=filters.site_id)
    if filters.asset_id is not None:
        assets = assets.filter(pk=filters.asset_id)
    return [row.as_dict() for row in services.drift(assets)]


@router.get(
    "/config-snapshots/{id:pk}/compare",
    response=s.CompareOut,
    operation_id="config_snapshots_compare",
    tags=TAGS,
)
def compare(request: AuthedRequest, pk: int, other: int | None = None):
    """The changes from version ``other`` (default: the previous version) to this one, judged by the rules."""
    after = get_visible_or_404(SNAPSHOTS, request, pk)
    if other is None:
        before = (
            Snapshot.objects.filter(asset_id=after.asset_id, version__lt=after.version)
            .order_by("-version")
            .first()
        )
        if before is None:
            raise HttpError(404, "this is the asset's first version: give ?other=")
    else:
        before = get_visible_or_404(SNAPSHOTS, request, other)
    result = services.compare(before, after)
    return {"before_id": before.pk, "after_id": after.pk, "changes": [c.as_dict() for c in result.changes]}


@router.get("/config-rules", response=list[dict[str, Any]], operation_id="config_rules", tags=TAGS)
def effective_rules(request: AuthedRequest):
    """The severity rules in force, in the order they are tried (the organisation's first)."""
    if not is_member(request.user):
        raise HttpError(403, "members of the organisation read the rules")
    try:
        ruleset = services.rules()
    except RuleError as exc:
        raise HttpError(409, str(exc)) from None
    return [
        {"id": r.id, "description": r.description, "path": r.pattern.pattern, "kinds": sorted(r.kinds),
         "severity": r.severity, "raise_to": r.raise_to,
         "asset_types": sorted(r.asset_types) if r.asset_types is not None else None,
         "conduit_security_device": r.conduit_security_device}
        for r in ruleset.rules
    ]  # fmt: skip


@router.get("/config-identity", response=dict[str, Any], operation_id="config_identity", tags=TAGS)
def client_identity(request: AuthedRequest):
    """otcsms's OPC UA client certificate (public part only: subject, thumbprints, validity, PEM), for the
    OPC UA servers' administrators to trust. Made by `otcsms init`; renewed with `otcsms config identity
    --renew`."""
    if not is_member(request.user):
        raise HttpError(403, "members of the organisation read otcsms's certificate")
    summary = services.identity_summary()
    if summary is None:
        raise HttpError(404, "otcsms has no OPC UA client certificate yet: run otcsms init")
    return summary


@router.get(
    "/config-assets/{id:pk}/schedule",
    response=s.ScheduleOut,
    operation_id="config_assets_schedule",
    tags=TAGS,
)
def asset_schedule(request: AuthedRequest, pk: int):
    """How often the scheduled job collects the asset, and whether that is its own setting or its site's."""
    asset = _asset(request, pk)
    hours, source = services.schedule_of(asset)
    return {"asset_id": asset.pk, "every_hours": hours, "source": source}


@router.put(
    "/config-assets/{id:pk}/schedule", response=s.ScheduleOut, operation_id="config_assets_schedule_set",
    tags=TAGS,
)  # fmt: skip
def set_asset_schedule(request: AuthedRequest, pk: int, payload: s.ScheduleIn):
    """The asset's own collection interval in hours (0: never on schedule), or null for the site's default."""
    asset = _asset(request, pk)
    if not services.may_approve(request.user, asset.site_id):
        raise HttpError(403, "site admins and approvers set collection schedules")
    try:
        services.set_schedule(asset.site_id, asset, payload.every_hours)
    except services.ConfigError as exc:
        raise HttpError(422, str(exc)) from None
    hours, source = services.schedule_of(asset)
    return {"asset_id": asset.pk, "every_hours": hours, "source": source}


def _site_schedule(site_id: int) -> dict[str, Any]:
    found = CollectionSchedule.objects.filter(site_id=site_id, asset__isnull=True).first()
    if found is None:
        return {"site_id": site_id, "every_hours": services.DEFAULT_EVERY_HOURS, "source": "default"}
    return {"site_id": site_id, "every_hours": found.every_hours, "source": "site"}


@router.get(
    "/config-sites/{id:pk}/schedule", response=s.SiteScheduleOut, operation_id="config_sites_schedule",
    tags=TAGS,
)  # fmt: skip
def site_schedule(request: AuthedRequest, pk: int):
    """The site's default collection interval (assets without their own follow it)."""
    if not scoped(Site, request.user).filter(pk=pk).exists():
        raise HttpError(404, f"site {pk} not found")
    return _site_schedule(pk)


@router.put(
    "/config-sites/{id:pk}/schedule", response=s.SiteScheduleOut, operation_id="config_sites_schedule_set",
    tags=TAGS,
)  # fmt: skip
def set_site_schedule(request: AuthedRequest, pk: int, payload: s.ScheduleIn):
    """The site's default collection interval in hours (0: never on schedule), or null for every run."""
    if not scoped(Site, request.user).filter(pk=pk).exists():
        raise HttpError(404, f"site {pk} not found")
    if not services.may_approve(request.user, pk):
        raise HttpError(403, "site admins and approvers set collection schedules")
    try:
        services.set_schedule(pk, None, payload.every_hours)
    except services.ConfigError as exc:
        raise HttpError(422, str(exc)) from None
    return _site_schedule(pk)
