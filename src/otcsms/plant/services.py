"""Workflows of C2: import and export of the plant model, assets with their endpoints, systems with their
zones, the site diagram.

Services take plain values (a site, bytes, names, model instances), never a request or a form; callers check
who may do what. The pages and the API call the same service for the same workflow (``save_asset``,
``save_system``): the form and the API schema only turn input into these values. An import reads and
checks the whole file first (``importfiles``) and writes nothing unless every row passes; then it writes every
row in one transaction, appending one audit event per created row (``bulk_create``; assets and their
endpoints, the rows counted in tens of thousands, through ``core.audit.insert_audited``).
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse

from otcsms.core.audit import insert_audited
from otcsms.core.models import User
from otcsms.core.scoping import may_write
from otcsms.org.models import Person
from otcsms.plant.diagram import DiagramConduit, DiagramZone, ZoneDot, zone_dot
from otcsms.plant.graphviz import clean_svg, dot_svg
from otcsms.plant.importfiles import (
    KINDS,
    MAX_ENDPOINTS,
    SINGULAR,
    AssetRecord,
    ConduitRecord,
    Endpoint,
    ImportContext,
    ImportPlan,
    ImportRejected,
    PersonRecord,
    RowProblem,
    SiteRecord,
    ZoneRecord,
    parse_endpoint,
    read_table,
    validate_rows,
    write_table,
)
from otcsms.plant.models import (
    Asset,
    Conduit,
    ProtocolEndpoint,
    SystemUnderConsideration,
    SystemZone,
    Zone,
    default_role,
    endpoint_from,
)
from otcsms.tenancy.models import Organisation, Site, site_code_for

SITE_KINDS = ("zones", "conduits", "assets")  # imports that need a target site
WRITE_BATCH = 1000
_M = TypeVar("_M", bound=Model)

# (stage, done, total): stage is "reading", "checking" or "writing"
Progress = Callable[[str, int, int], None]
Source = str | os.PathLike[str] | bytes | BinaryIO


@dataclass(frozen=True, slots=True)
class ImportSummary:
    kind: str
    site_id: int | None
    site: str
    rows: int
    created: int
    endpoints: int
    seconds: float

    def describe(self) -> str:
        where = f" into {self.site}" if self.site else ""
        extra = f" with {self.endpoints:,} endpoints" if self.endpoints else ""
        noun = self.kind if self.created != 1 else SINGULAR[self.kind]
        return f"imported {self.created:,} {noun}{extra}{where} in {self.seconds:.1f} s"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "site_id": self.site_id,
            "site": self.site,
            "rows": self.rows,
            "created": self.created,
            "endpoints": self.endpoints,
            "seconds": round(self.seconds, 3),
        }


# --- import ---------------------------------------------------------------------------------------


def import_file(
    kind: str, source: Source, filename: str, site: Site | None, progress: Progress | None = None
) -> ImportSummary:
    """Import a CSV, XLSX or JSON file of ``kind`` into ``site``: all rows, or nothing and ImportRejected.

    ``site`` is required for zones, conduits and assets. For people it is where rows without a site go
    (None: organisation-wide); for sites it is ignored (sites belong to the organisation).
    """
    started = time.perf_counter()
    plan = plan_import(kind, source, filename, site, progress)
    return write_plan(plan, site, progress, started=started)


def plan_import(
    kind: str, source: Source, filename: str, site: Site | None, progress: Progress | None = None
) -> ImportPlan:
    """Read and check a whole file against what exists: the records to write, or ImportRejected."""
    _check_kind(kind, site)
    if progress:
        progress("reading", 0, 0)
    table = read_table(source, filename)
    total = len(table)
    context = import_context(kind, site)
    report = (lambda done: progress("checking", done, total)) if progress else None
    return validate_rows(kind, table, context, progress=report)


def write_plan(
    plan: ImportPlan, site: Site | None, progress: Progress | None = None, *, started: float | None = None
) -> ImportSummary:
    """Write a checked plan in one transaction. A row taken meanwhile by someone else rejects it all."""
    started = time.perf_counter() if started is None else started
    _check_kind(plan.kind, site)
    writer = _WRITERS[plan.kind]
    try:
        with transaction.atomic():
            created, endpoints = writer(plan.records, site, progress or _no_progress)
    except IntegrityError:
        raise ImportRejected(
            [RowProblem(0, "", "a name in the file was taken while it was imported; nothing was written")]
        ) from None
    return ImportSummary(
        kind=plan.kind,
        site_id=site.pk if site is not None and plan.kind != "sites" else None,
        site=site.name if site is not None and plan.kind != "sites" else "",
        rows=len(plan.records),
        created=created,
        endpoints=endpoints,
        seconds=time.perf_counter() - started,
    )


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def _check_kind(kind: str, site: Site | None) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind in SITE_KINDS and site is None:
        raise ValueError(f"importing {kind} needs a target site")


def import_context(kind: str, site: Site | None) -> ImportContext:
    """What already exists where the rows go: names to refuse as duplicates and to resolve references."""
    if kind == "sites":
        return ImportContext(existing_sites=frozenset(Site.objects.values_list("name", flat=True)))
    if kind == "people":
        emails = Person.objects.exclude(email="").values_list("email", flat=True)
        return ImportContext(
            existing_sites=frozenset(Site.objects.values_list("name", flat=True)),
            existing_emails=frozenset(emails),
        )
    zones = frozenset(Zone.objects.filter(site=site).values_list("name", flat=True))
    if kind == "zones":
        return ImportContext(existing_zones=zones)
    if kind == "conduits":
        conduits = Conduit.objects.filter(site=site).values_list("name", flat=True)
        return ImportContext(existing_zones=zones, existing_conduits=frozenset(conduits))
    assets = Asset.objects.filter(site=site).values_list("name", flat=True)
    return ImportContext(existing_zones=zones, existing_assets=frozenset(assets))


def _zones_by_name(site: Site) -> dict[str, Zone]:
    return {zone.name.casefold(): zone for zone in Zone.objects.filter(site=site)}


def _zone_named(zones: dict[str, Zone], name: str, row: int, column: str) -> Zone:
    zone = zones.get(name.casefold())
    if zone is None:  # deleted between the check and the write
        raise ImportRejected([RowProblem(row, column, f"zone {name!r} no longer exists in this site")])
    return zone


def _write_sites(records: Sequence[SiteRecord], site: Site | None, progress: Progress) -> tuple[int, int]:
    organisation = Organisation.current()
    taken = set(Site.objects.values_list("code", flat=True))
    sites = []
    for record in records:
        sites.append(
            Site(
                organisation=organisation, name=record.name, code=site_code_for(record.name, taken),
                sector=record.sector or "other", location=record.location, nerc_impact=record.nerc_impact,
                description=record.description,
            )
        )  # fmt: skip
    Site.objects.bulk_create(sites)
    progress("writing", len(sites), len(sites))
    return len(sites), 0


def _write_zones(records: Sequence[ZoneRecord], site: Site | None, progress: Progress) -> tuple[int, int]:
    assert site is not None
    zones = _zones_by_name(site)
    # The plan lists parents first: zones go in waves by depth in the file, so that when a wave is
    # written, the parents of its zones already have their ids.
    waves: list[list[tuple[Zone, str | None]]] = []
    depth: dict[str, int] = {}
    for record in records:
        zone = Zone(site=site, name=record.name, kind=record.kind, sl_t_reason=record.sl_t_reason,
                    description=record.description)  # fmt: skip
        zone.sl_t = record.sl_t
        parent_in_file = None
        level = 0
        if record.parent is not None and record.parent.casefold() in depth:
            parent_in_file = record.parent.casefold()
            level = depth[parent_in_file] + 1
        elif record.parent is not None:
            zone.parent = _zone_named(zones, record.parent, record.row, "parent")
        depth[record.name.casefold()] = level
        if level == len(waves):
            waves.append([])
        waves[level].append((zone, parent_in_file))
    done = 0
    for wave in waves:
        for zone, parent_in_file in wave:
            if parent_in_file is not None:
                zone.parent = zones[parent_in_file]
        created = Zone.objects.bulk_create([zone for zone, _ in wave])
        zones.update({zone.name.casefold(): zone for zone in created})
        done += len(created)
        progress("writing", done, len(records))
    return len(records), 0


def _write_conduits(
    records: Sequence[ConduitRecord], site: Site | None, progress: Progress
) -> tuple[int, int]:
    assert site is not None
    zones = _zones_by_name(site)
    conduits = [
        Conduit(
            site=site, name=record.name,
            zone_a=_zone_named(zones, record.zones[0], record.row, "zones"),
            zone_b=_zone_named(zones, record.zones[1], record.row, "zones"),
            protocols=list(record.protocols), security_device=record.security_device,
            rule_set=record.rule_set, description=record.description,
        )
        for record in records
    ]  # fmt: skip
    Conduit.objects.bulk_create(conduits)
    progress("writing", len(conduits), len(conduits))
    return len(conduits), 0


def _write_assets(records: Sequence[AssetRecord], site: Site | None, progress: Progress) -> tuple[int, int]:
    assert site is not None
    zones = _zones_by_name(site)
    endpoints_written = 0
    for start in range(0, len(records), WRITE_BATCH):
        batch = records[start : start + WRITE_BATCH]
        assets = [
            _built(Asset, {
                "site_id": site.pk, "name": r.name,
                "zone_id": _zone_named(zones, r.zone, r.row, "zone").pk if r.zone is not None else None,
                "type": r.type, "vendor": r.vendor, "model": r.model, "firmware": r.firmware, "serial": r.serial,
                "criticality": r.criticality, "ip": r.ip, "mac": r.mac, "profile": r.profile,
                "description": r.description,
            })
            for r in batch
        ]  # fmt: skip
        insert_audited(Asset, assets)
        endpoints = [
            _endpoint_row(asset, endpoint)
            for asset, record in zip(assets, batch, strict=True)
            for endpoint in record.endpoints
        ]
        if endpoints:
            insert_audited(ProtocolEndpoint, endpoints)
        endpoints_written += len(endpoints)
        progress("writing", start + len(batch), len(records))
    return len(records), endpoints_written


def _endpoint_row(asset: Asset, endpoint: Endpoint) -> ProtocolEndpoint:
    row = _built(ProtocolEndpoint, {
        "asset_id": asset.pk, "protocol": endpoint.protocol, "host": endpoint.host, "port": endpoint.port,
        "path": endpoint.path, "params": dict(endpoint.params), "role": default_role(endpoint.protocol),
    })  # fmt: skip
    ProtocolEndpoint.asset.field.set_cached_value(row, asset)  # its audit event reads the asset's site
    return row


@functools.cache
def _attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


def _built(model: type[_M], values: dict[str, object]) -> _M:
    """A new instance from column values, built positionally: a fifth of the cost of keyword arguments,
    which counts at tens of thousands of rows. Every column must be given (the primary key excepted)."""
    return model(*[values.get(name) for name in _attnames(model)])


def _write_people(records: Sequence[PersonRecord], site: Site | None, progress: Progress) -> tuple[int, int]:
    organisation = Organisation.current()
    sites = {s.name.casefold(): s for s in Site.objects.all()}
    people = []
    for record in records:
        home = site
        if record.site is not None:
            home = sites.get(record.site.casefold())
            if home is None:
                raise ImportRejected(
                    [RowProblem(record.row, "site", f"site {record.site!r} no longer exists")]
                )
        people.append(
            Person(
                organisation=organisation, site=home, name=record.name, email=record.email,
                job_title=record.role, employer=record.employer,
            )
        )  # fmt: skip
    Person.objects.bulk_create(people)
    progress("writing", len(people), len(people))
    return len(people), 0


def import_refusal(user: User, kind: str, site: Site) -> str | None:
    """Why ``user`` may not import a file of ``kind`` into ``site``, asked before the file is read; None: may."""
    if kind == "sites" and not user.is_org_admin:
        return "only organisation admins import sites"
    model = {"zones": Zone, "conduits": Conduit, "assets": Asset, "people": Person}.get(kind)
    if model is not None and not may_write(user, model, site.pk):
        return f"you may not import {kind} into this site"
    return None


def plan_refusal(user: User, plan: ImportPlan, site: Site | None) -> str | None:
    """Why ``user`` may not write a checked ``plan``: a people file may name sites besides the target one."""
    if plan.kind == "people" and not all(may_write(user, Person, pk) for pk in sites_written_by(plan, site)):
        return "the file adds people to a site where you may not add them"
    return None


def sites_written_by(plan: ImportPlan, site: Site | None) -> set[int | None]:
    """The sites a people import writes to (None: organisation-wide), for the caller's permission check."""
    if plan.kind != "people":
        return {site.pk if site is not None else None}
    by_name = {name.casefold(): pk for pk, name in Site.objects.values_list("pk", "name")}
    people = [
        record for record in plan.records if isinstance(record, PersonRecord)
    ]  # a people plan holds only people
    return {
        by_name.get(record.site.casefold()) if record.site else (site.pk if site else None)
        for record in people
    }


_WRITERS: dict[str, Callable[[Sequence[Any], Site | None, Progress], tuple[int, int]]] = {
    "sites": _write_sites,
    "zones": _write_zones,
    "conduits": _write_conduits,
    "assets": _write_assets,
    "people": _write_people,
}


# --- export ---------------------------------------------------------------------------------------

EXPORT_FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def export(kind: str, site: Site | None, fmt: str) -> bytes:
    """The rows of ``kind`` in ``site`` as a file of the import format, which imports back unchanged.

    ``site`` None exports every site (sites) or every person (people); the other kinds need a site.
    """
    _check_kind(kind, site)
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    return write_table(kind, export_rows(kind, site), fmt)


def export_filename(kind: str, site: Site | None, fmt: str) -> str:
    prefix = site.code if site is not None else "organisation"
    return f"{prefix}-{kind}.{fmt}"


def export_rows(kind: str, site: Site | None) -> list[dict[str, object]]:
    if kind == "sites":
        sites = Site.objects.order_by("name") if site is None else [site]
        return [
            {"name": s.name, "sector": s.sector, "location": s.location, "nerc_impact": s.nerc_impact,
             "description": s.description}
            for s in sites
        ]  # fmt: skip
    if kind == "people":
        people = Person.objects.select_related("site").order_by("name", "pk")
        if site is not None:
            people = people.filter(site=site)
        return [
            {"name": p.name, "email": p.email, "role": p.job_title, "employer": p.employer,
             "site": p.site.name if p.site else None}
            for p in people
        ]  # fmt: skip
    if kind == "zones":
        zones = Zone.objects.filter(site=site).select_related("parent").order_by("name", "pk")
        return [
            {"name": z.name, "kind": z.kind, "sl_t": z.sl_t, "sl_t_reason": z.sl_t_reason,
             "parent": z.parent.name if z.parent else None, "description": z.description}
            for z in zones
        ]  # fmt: skip
    if kind == "conduits":
        conduits = Conduit.objects.filter(site=site).select_related("zone_a", "zone_b").order_by("name", "pk")
        return [
            {"name": c.name, "zones": (c.zone_a.name, c.zone_b.name), "protocols": c.protocols,
             "security_device": c.security_device, "rule_set": c.rule_set, "description": c.description}
            for c in conduits
        ]  # fmt: skip
    return _asset_rows(site)


def _asset_rows(site: Site | None) -> list[dict[str, object]]:
    endpoints: dict[int, list[Endpoint]] = {}
    rows = ProtocolEndpoint.objects.filter(asset__site=site).order_by("asset_id", "pk")
    for asset_id, protocol, host, port, path, params in rows.values_list(
        "asset_id", "protocol", "host", "port", "path", "params"
    ):
        endpoints.setdefault(asset_id, []).append(endpoint_from(protocol, host, port, path, params))
    assets = Asset.objects.filter(site=site).select_related("zone").order_by("name", "pk")
    return [
        {"name": a.name, "zone": a.zone.name if a.zone else None, "type": a.type, "vendor": a.vendor,
         "model": a.model, "firmware": a.firmware, "serial": a.serial, "criticality": a.criticality,
         "ip": a.ip, "mac": a.mac, "endpoints": endpoints.get(a.pk, ()), "profile": a.profile,
         "description": a.description}
        for a in assets
    ]  # fmt: skip


# --- assets with endpoints, systems with zones ----------------------------------------------------


class ForeignZoneError(ValueError):
    """A system would cover a zone of another site; the message names the zone."""


def save_asset(asset: Asset, endpoints: Sequence[Endpoint] | None = None) -> Asset:
    """Validate and save ``asset`` and, when ``endpoints`` is given, make its endpoints exactly those.

    One transaction: a refused endpoint leaves the asset as it was. ValidationError names the field.
    """
    with transaction.atomic():
        asset.full_clean()
        asset.save()
        if endpoints is not None:
            set_asset_endpoints(asset, endpoints)
    return asset


def save_system(
    system: SystemUnderConsideration, zones: Iterable[Zone] | None = None
) -> SystemUnderConsideration:
    """Validate and save ``system`` and, when ``zones`` is given, make its zones exactly those (all of its site:
    ForeignZoneError otherwise, before anything is written)."""
    zones = None if zones is None else list(zones)
    if zones is not None and (problem := foreign_zone_problem(system.site_id, zones)):
        raise ForeignZoneError(problem)
    with transaction.atomic():
        system.full_clean()
        system.save()
        if zones is not None:
            set_system_zones(system, zones)
    return system


def foreign_zone_problem(site_id: int | None, zones: Iterable[Zone]) -> str | None:
    """Why ``zones`` cannot be the zones of a system of site ``site_id`` (one is of another site), or None."""
    foreign = [zone.name for zone in zones if site_id is not None and zone.site_id != site_id]
    return f"zone {foreign[0]!r} belongs to another site" if foreign else None


def parse_endpoint_uris(uris: Iterable[str]) -> list[Endpoint]:
    """Endpoints from URIs, each once; ValueError naming the first bad one."""
    found: list[Endpoint] = []
    for uri in uris:
        if not uri.strip():
            continue
        endpoint = parse_endpoint(uri.strip())
        if endpoint not in found:
            found.append(endpoint)
    if len(found) > MAX_ENDPOINTS:
        raise ValueError(f"more than {MAX_ENDPOINTS} endpoints")
    return found


def set_asset_endpoints(asset: Asset, endpoints: Sequence[Endpoint]) -> None:
    """Make the asset's endpoints exactly ``endpoints``: remove the others, add the missing ones.

    Endpoints that stay keep their row (and their role and history).
    """
    with transaction.atomic():
        current = list(ProtocolEndpoint.objects.filter(asset=asset))
        wanted = list(endpoints)
        for row in current:
            if row.endpoint in wanted:
                wanted.remove(row.endpoint)
            else:
                row.asset = asset
                row.delete()
        for endpoint in wanted:
            row = _endpoint_row(asset, endpoint)
            row.full_clean()
            row.save()


def set_system_zones(system: SystemUnderConsideration, zones: Iterable[Zone]) -> None:
    """Make the system's zones exactly ``zones`` (all of the system's site); each change is audited."""
    wanted = {zone.pk: zone for zone in zones}
    if problem := foreign_zone_problem(system.site_id, wanted.values()):
        raise ForeignZoneError(problem)
    with transaction.atomic():
        for membership in SystemZone.objects.filter(system=system).select_related("zone"):
            if membership.zone_id in wanted:
                del wanted[membership.zone_id]
            else:
                membership.system = system
                membership.delete()
        for zone in wanted.values():
            SystemZone.objects.create(system=system, zone=zone)


# --- diagram --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AchievedLevels:
    """The SL-A of zones (by zone id) from one assessment, and a sentence saying which, for the legend."""

    source: str
    by_zone: Mapping[int, Sequence[int]]


AchievedLevelsSource = Callable[[Site], "AchievedLevels | None"]
_achieved_levels_source: AchievedLevelsSource | None = None


def use_achieved_levels(source: AchievedLevelsSource | None) -> None:
    """Where the diagram finds a site's SL-A: assessments (a layer above plant) hands it down when Django is
    ready, so plant never imports it. Without one, zones are coloured by whether an SL-T is set."""
    global _achieved_levels_source
    _achieved_levels_source = source


def diagram_dot(site: Site, zones: Iterable[Zone] | None = None) -> ZoneDot:
    """The DOT source of the site's zone and conduit diagram; only ``zones`` and the conduits between them
    if given. Zones and conduits link to their pages; zones carry the SL-A of the site's assessment."""
    zone_rows = list(zones) if zones is not None else list(Zone.objects.filter(site=site))
    ids = {zone.pk for zone in zone_rows}
    assets: dict[int, list[str]] = {}
    for zone_id, name in Asset.objects.filter(site=site, zone__isnull=False).values_list("zone_id", "name"):
        if zone_id in ids:
            assets.setdefault(zone_id, []).append(name)
    achieved = _achieved_levels_source(site) if _achieved_levels_source is not None else None
    sl_a = achieved.by_zone if achieved is not None else {}
    drawn = [
        DiagramZone(id=z.pk, name=z.name, kind=z.kind, sl_t=z.sl_t, sl_a=sl_a.get(z.pk),
                    assets=assets.get(z.pk, ()), parent=z.parent_id if z.parent_id in ids else None,
                    url=reverse("web:zone_detail", args=[z.pk]))
        for z in zone_rows
    ]  # fmt: skip
    conduits = [
        DiagramConduit(id=c.pk, name=c.name, zone_a=c.zone_a_id, zone_b=c.zone_b_id, protocols=c.protocols,
                       security_device=c.security_device, url=reverse("web:conduit_detail", args=[c.pk]))
        for c in Conduit.objects.filter(site=site)
        if c.zone_a_id in ids and c.zone_b_id in ids
    ]  # fmt: skip
    return zone_dot(drawn, conduits, sl_a_source=achieved.source if achieved is not None else "")


def diagram_for(site: Site, zones: Iterable[Zone] | None = None) -> str:
    """The diagram as SVG, laid out by Graphviz (see ``diagram_dot``).

    Raises ``LayoutUnavailable`` (with a sentence for the page) when Graphviz is missing or fails."""
    dot = diagram_dot(site, zones)
    return clean_svg(dot_svg(dot.source), dot.titles)
