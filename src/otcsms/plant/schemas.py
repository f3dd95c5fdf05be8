"""API schemas of C2. Inputs forbid unknown fields; updates are partial (PATCH); every string is bounded."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from django.db.models import Q, QuerySet
from ninja import Field, FilterLookup, Schema
from pydantic import conlist

from otcsms.core.schemas import Filter, InputSchema
from otcsms.plant.importfiles import ASSET_TYPES, CRITICALITIES, normalise_protocol
from otcsms.plant.models import ProtocolEndpoint

_QS = TypeVar("_QS", bound=QuerySet[Any])

ZoneKindValue = Literal["enterprise", "dmz", "control", "safety", "field", "remote", "other", ""]
# Built at run time from the import rules' vocabularies: to mypy these are Any (a Literal takes literals only).
AssetTypeValue = Literal[(*ASSET_TYPES, "")]  # type: ignore[valid-type]
CriticalityValue = Literal[(*CRITICALITIES, "")]  # type: ignore[valid-type]
RoleValue = Literal["server", "client", "outstation", "master"]
Level = Annotated[int, Field(ge=0, le=4, strict=True)]
SlVectorIn = conlist(Level, min_length=7, max_length=7)
ProtocolName = Annotated[str, Field(min_length=1, max_length=40)]
Name = Field(min_length=1, max_length=200)
ShortText = Field("", max_length=200)
Description = Field("", max_length=2000)
SL_T_DOC = "Seven target levels 0-4, FR1..FR7; null when not set."


def _protocol_q(value: str | None, lookup: str) -> Q:
    if not value:
        return Q()
    return Q(**{lookup: normalise_protocol(value) or value.strip().lower()})


# --- zones ----------------------------------------------------------------------------------------
class ZoneOut(Schema):
    id: int
    site_id: int
    name: str
    kind: str
    parent_id: int | None
    sl_t: list[int] | None = Field(description=SL_T_DOC)
    sl_t_reason: str
    description: str


class ZoneCreate(InputSchema):
    site_id: int
    name: str = Name
    kind: ZoneKindValue = ""
    parent_id: int | None = None
    sl_t: SlVectorIn | None = Field(None, description=SL_T_DOC)  # type: ignore[valid-type]
    sl_t_reason: str = Description
    description: str = Description


class ZoneUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: ZoneKindValue | None = None
    parent_id: int | None = None
    sl_t: SlVectorIn | None = Field(None, description=SL_T_DOC)  # type: ignore[valid-type]
    sl_t_reason: str | None = Field(None, max_length=2000)
    description: str | None = Field(None, max_length=2000)


class ZoneFilter(Filter):
    site_id: int | None = None
    kind: ZoneKindValue | None = None
    parent_id: int | None = None
    q: Annotated[str | None, FilterLookup("name__icontains")] = Field(None, max_length=200)
    sl_t_gte: int | None = Field(
        None, ge=0, le=4, description="Zones whose SL-T reaches this level in at least one FR."
    )

    def filter_sl_t_gte(self, value: int | None) -> Q:
        if value is None:
            return Q()
        condition = Q()
        for fr in range(1, 8):
            condition |= Q(**{f"sl_t_{fr}__gte": value})
        return condition


# --- conduits -------------------------------------------------------------------------------------
class ConduitOut(Schema):
    id: int
    site_id: int
    name: str
    zone_a_id: int
    zone_a: str = Field(alias="zone_a.name")
    zone_b_id: int
    zone_b: str = Field(alias="zone_b.name")
    protocols: list[str]
    security_device: str
    rule_set: str
    description: str


class ConduitCreate(InputSchema):
    site_id: int
    name: str = Name
    zone_a_id: int
    zone_b_id: int
    protocols: list[ProtocolName] = Field(default_factory=list, max_length=32)
    security_device: str = ShortText
    rule_set: str = Field("", max_length=20000)
    description: str = Description


class ConduitUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    zone_a_id: int | None = None
    zone_b_id: int | None = None
    protocols: list[ProtocolName] | None = Field(None, max_length=32)
    security_device: str | None = Field(None, max_length=200)
    rule_set: str | None = Field(None, max_length=20000)
    description: str | None = Field(None, max_length=2000)


class ConduitFilter(Filter):
    site_id: int | None = None
    zone_id: int | None = Field(None, description="Conduits with this zone at either end.")
    protocol: str | None = Field(None, max_length=40)
    q: Annotated[str | None, FilterLookup("name__icontains")] = Field(None, max_length=200)

    def filter_zone_id(self, value: int | None) -> Q:
        return Q(zone_a_id=value) | Q(zone_b_id=value) if value is not None else Q()

    def filter_protocol(self, value: str | None) -> Q:
        # protocols is a JSON list of names; a name between quotes matches exactly one element
        if not value:
            return Q()
        name = normalise_protocol(value) or value.strip().lower()
        return Q(protocols__icontains=f'"{name}"')


# --- assets ---------------------------------------------------------------------------------------
class AssetOut(Schema):
    id: int
    site_id: int
    name: str
    zone_id: int | None
    zone: str | None
    type: str
    vendor: str
    model: str
    firmware: str
    serial: str
    criticality: str
    ip: str
    mac: str
    profile: str
    description: str
    endpoints: list[str] = Field(description="Endpoint URIs; details and roles under /endpoints.")

    @staticmethod
    def resolve_zone(obj) -> str | None:
        return obj.zone.name if obj.zone_id else None

    @staticmethod
    def resolve_endpoints(obj) -> list[str]:
        return [endpoint.uri for endpoint in obj.endpoints.all()]


class AssetCreate(InputSchema):
    site_id: int
    name: str = Name
    zone_id: int | None = None
    type: AssetTypeValue = ""
    vendor: str = ShortText
    model: str = ShortText
    firmware: str = ShortText
    serial: str = ShortText
    criticality: CriticalityValue = ""
    ip: str = Field("", max_length=45)
    mac: str = Field("", max_length=17)
    profile: str = ShortText
    description: str = Description
    endpoints: list[Annotated[str, Field(max_length=600)]] = Field(
        default_factory=list,
        max_length=64,
        description="Endpoint URIs, e.g. modbus+tcp://10.0.0.5:502?unit=1.",
    )


class AssetUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    zone_id: int | None = None
    type: AssetTypeValue | None = None
    vendor: str | None = Field(None, max_length=200)
    model: str | None = Field(None, max_length=200)
    firmware: str | None = Field(None, max_length=200)
    serial: str | None = Field(None, max_length=200)
    criticality: CriticalityValue | None = None
    ip: str | None = Field(None, max_length=45)
    mac: str | None = Field(None, max_length=17)
    profile: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)
    endpoints: list[Annotated[str, Field(max_length=600)]] | None = Field(
        None, max_length=64, description="Replaces every endpoint of the asset."
    )


class AssetFilter(Filter):
    """Filters of the asset list; the list also fetches every listed asset's endpoints in one query."""

    site_id: int | None = None
    zone_id: int | None = None
    type: AssetTypeValue | None = None
    criticality: CriticalityValue | None = None
    protocol: str | None = Field(None, max_length=40, description="Assets with an endpoint of this protocol.")
    q: str | None = Field(None, max_length=200, description="Search name, vendor, model, IP, serial.")

    def filter_protocol(self, value: str | None) -> Q:
        if not value:
            return Q()
        name = normalise_protocol(value) or value.strip().lower()
        return Q(pk__in=ProtocolEndpoint.objects.filter(protocol=name).values("asset_id"))

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return asset_search_q(value)

    def filter(self, queryset: _QS) -> _QS:
        return super().filter(queryset).prefetch_related("endpoints")


def asset_search_q(value: str) -> Q:
    value = value.strip()
    return (
        Q(name__icontains=value) | Q(vendor__icontains=value) | Q(model__icontains=value)
        | Q(ip__icontains=value) | Q(serial__icontains=value)
    )  # fmt: skip


# --- endpoints ------------------------------------------------------------------------------------
class EndpointOut(Schema):
    id: int
    asset_id: int
    site_id: int
    uri: str
    protocol: str
    host: str
    port: int
    path: str
    params: dict[str, int]
    role: str

    @staticmethod
    def resolve_site_id(obj) -> int:
        return obj.asset.site_id


class EndpointCreate(InputSchema):
    asset_id: int
    uri: str = Field(
        min_length=1, max_length=600, description="e.g. dnp3+tcp://10.0.0.7:20000?outstation=7&master=1"
    )
    role: RoleValue | None = Field(None, description="Default: outstation for DNP3, server otherwise.")


class EndpointUpdate(InputSchema):
    uri: str | None = Field(None, min_length=1, max_length=600)
    role: RoleValue | None = None


class EndpointFilter(Filter):
    asset_id: int | None = None
    site_id: Annotated[int | None, FilterLookup("asset__site_id")] = None
    protocol: str | None = Field(None, max_length=40)
    role: RoleValue | None = None

    def filter_protocol(self, value: str | None) -> Q:
        return _protocol_q(value, "protocol")


# --- systems under consideration ------------------------------------------------------------------
class SystemOut(Schema):
    id: int
    site_id: int
    name: str
    description: str
    zone_ids: list[int]

    @staticmethod
    def resolve_zone_ids(obj) -> list[int]:
        return sorted(zone.pk for zone in obj.zones.all())


class SystemCreate(InputSchema):
    site_id: int
    name: str = Name
    description: str = Description
    zone_ids: list[int] = Field(default_factory=list, max_length=500)


class SystemUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    zone_ids: list[int] | None = Field(None, max_length=500)


class SystemFilter(Filter):
    """Filters of the systems list; the list also fetches the zones of every listed system in one query."""

    site_id: int | None = None
    zone_id: Annotated[int | None, FilterLookup("zones__id")] = None
    q: Annotated[str | None, FilterLookup("name__icontains")] = Field(None, max_length=200)

    def filter(self, queryset: _QS) -> _QS:
        return super().filter(queryset).prefetch_related("zones")


# --- import and export ----------------------------------------------------------------------------
class ImportSummaryOut(Schema):
    kind: str
    site_id: int | None
    site: str
    rows: int
    created: int
    endpoints: int
    seconds: float


class ProblemOut(Schema):
    row: int = Field(description="Row as a spreadsheet shows it (header = 1); 0 for the file as a whole.")
    column: str
    reason: str
    message: str


class ProblemsOut(Schema):
    detail: list[ProblemOut]
