"""Configuration workflows: record a snapshot (from a file or a live read), baseline it, approve deviations,
collect live, and compute drift. Plain values in, model instances out; never a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from otcsms.configs import collectors, identity, secrets
from otcsms.configs.canonical import config_hash, normal_and_hash, normalise
from otcsms.configs.drift import AssetDrift, asset_drift
from otcsms.configs.drift import Deviation as LiveDeviation
from otcsms.configs.models import (
    Baseline,
    ClientIdentity,
    Collection,
    CollectionSchedule,
    Deviation,
    DeviceCredential,
    RuleOverride,
    Snapshot,
    SourceFile,
)
from otcsms.configs.parsers import ParseError, parse
from otcsms.configs.severity_rules import AssetTraits, RuleSet, load_yaml, rule_set
from otcsms.core.actor import current_actor
from otcsms.core.models import User
from otcsms.core.scoping import may_write
from otcsms.evidence import stale_marks
from otcsms.evidence.models import Document, DocumentKind
from otcsms.plant.models import SL_T_FIELDS, Asset, Conduit

COLLECTABLE = ("opc-ua", "modbus-tcp", "dnp3")
# The role an endpoint must have to be read: the device answers there.
ANSWERING_ROLES = ("server", "outstation")


class ConfigError(ValueError):
    """A refused configuration workflow: one line for the user (a 422 / exit 2)."""


def _now() -> dt.datetime:
    return timezone.now()


# ---------------------------------------------------------------------------------------------- snapshots
def record_snapshot(
    asset: Asset,
    *,
    config: Any,
    volatile: Any,
    source: dict[str, Any],
    captured_at: dt.datetime | None = None,
    plain: bool = False,
) -> tuple[Snapshot, bool]:
    """The asset's new version, or its latest one seen again (created False) when the config is the same.
    ``plain``: the parser vouched that ``config`` is plain JSON (parsers.Parsed.plain)."""
    captured_at = captured_at or _now()
    config, digest = normal_and_hash(config, plain=plain)
    volatile = normalise(volatile, where="/volatile")
    with transaction.atomic():
        # One writer per asset at a time: the version numbers and the parent chain stay gapless.
        Asset.objects.select_for_update().filter(pk=asset.pk).first()
        latest = Snapshot.objects.filter(asset=asset).order_by("-version").first()
        if latest is not None and latest.config_hash == digest:
            Snapshot.objects.filter(pk=latest.pk).update(last_seen_at=captured_at)
            latest.last_seen_at = captured_at
            return latest, False
        snapshot = Snapshot(
            site_id=asset.site_id, asset=asset, version=(latest.version + 1) if latest else 1,
            config_hash=digest, parent_hash=latest.config_hash if latest else "", source=normalise(source),
            captured_at=captured_at, last_seen_at=captured_at, config=config, volatile=volatile,
        )  # fmt: skip
        snapshot.full_clean()
        snapshot.save()
        return snapshot, True


def verify_versions(asset: Asset) -> list[str]:
    """Problems with the asset's version chain: a config that no longer hashes to its recorded hash, a parent
    hash that is not the previous version's, a gap in the numbering. Empty when the chain holds."""
    problems = []
    previous: Snapshot | None = None
    for snapshot in Snapshot.objects.filter(asset=asset).order_by("version"):
        expected_version = previous.version + 1 if previous else 1
        if snapshot.version != expected_version:
            problems.append(f"v{snapshot.version}: expected version {expected_version}")
        if config_hash(snapshot.config) != snapshot.config_hash:
            problems.append(f"v{snapshot.version}: the configuration does not match its hash")
        if snapshot.parent_hash != (previous.config_hash if previous else ""):
            problems.append(f"v{snapshot.version}: the parent hash is not the previous version's")
        previous = snapshot
    return problems


def import_file(asset: Asset, name: str, data: bytes, kind: str | None = None) -> tuple[Snapshot, bool]:
    """Read a vendor export or JSON/YAML file into a snapshot of ``asset``, keeping its raw bytes."""
    try:
        parsed = parse(name, data, kind, marker_key=secrets.marker_key())
    except ParseError as exc:
        raise ConfigError(str(exc)) from None
    digest = hashlib.sha256(data).hexdigest()
    source: dict[str, Any] = {"type": "file", "kind": parsed.kind, "name": name[:255], "sha256": digest}
    if parsed.meta:
        source["meta"] = parsed.meta
    with transaction.atomic():
        snapshot, created = record_snapshot(
            asset, config=parsed.config, volatile=parsed.volatile, source=source, plain=parsed.plain
        )
        if not SourceFile.objects.filter(snapshot=snapshot, sha256=digest).exists():
            SourceFile.objects.create(
                site_id=asset.site_id, snapshot=snapshot, name=name[:255], kind=parsed.kind, sha256=digest,
                size=len(data), data=data,
                document_version=_keep_as_evidence(asset, snapshot, name, data, parsed.kind),
            )  # fmt: skip
        refresh_evidence_marks(Asset.objects.filter(pk=asset.pk))
    return snapshot, created


def _keep_as_evidence(asset: Asset, snapshot: Snapshot, name: str, data: bytes, kind: str) -> Any:
    """The raw file as the next version of the asset's "configuration files" evidence document (made on the
    first import, covering the asset), through the evidence app's services: a draft version, as any upload."""
    from otcsms.evidence import services as evidence
    from otcsms.evidence.models import Document, DocumentKind

    kept = (
        SourceFile.objects.filter(snapshot__asset=asset, document_version__isnull=False)
        .order_by("-pk")
        .values_list("document_version__document_id", flat=True)
        .first()
    )
    document = Document.objects.filter(pk=kept, retired_at__isnull=True).first() if kept else None
    if document is None:
        document = evidence.create_document(
            site_id=asset.site_id, asset_ids=[asset.pk], kind=DocumentKind.CONFIGURATION,
            title=f"Configuration files of {asset.name}"[:200], review_interval_months=0,
            description="The configuration files imported for this asset, as they came (otcsms configs).",
        )  # fmt: skip
    summary = f"configuration v{snapshot.version} ({kind})"
    return evidence.upload_version(
        document, [data], file_name=name, change_summary=summary, limit=max(len(data), 1)
    )


# ---------------------------------------------------------------------------------------------- baselines
def may_approve(user: User, site_id: int) -> bool:
    """Baselines, deviations and device credentials: approvers and site admins of the site, org admins."""
    return may_write(user, Baseline, site_id, "approve")


def approve_baseline(snapshot: Snapshot, *, by: User | None, reason: str) -> Baseline:
    reason = (reason or "").strip()
    if not reason:
        raise ConfigError("a baseline needs a reason (why this configuration is the approved one)")
    with transaction.atomic():
        baseline = Baseline(
            site_id=snapshot.site_id, asset_id=snapshot.asset_id, snapshot=snapshot, approved_by=by,
            approved_by_label=(by.get_username() if by else current_actor().label)[:200],
            approved_at=_now(), reason=reason[:2000],
        )  # fmt: skip
        baseline.full_clean()
        baseline.save()
        refresh_evidence_marks(Asset.objects.filter(pk=snapshot.asset_id))
    return baseline


def current_baseline(asset: Asset) -> Baseline | None:
    return (
        Baseline.objects.filter(asset=asset)
        .select_related("snapshot")
        .order_by("-approved_at", "-pk")
        .first()
    )


def add_deviation(
    asset: Asset, *, path_pattern: str, expected: Any, ticket: str, reason: str, expires_at: dt.datetime,
    by: User | None,
) -> Deviation:  # fmt: skip
    if expires_at <= _now():
        raise ConfigError("the deviation's expiry must be in the future")
    with transaction.atomic():
        deviation = Deviation(
            site_id=asset.site_id, asset=asset, path_pattern=path_pattern, expected=normalise(expected),
            ticket=ticket, reason=reason, approved_by=by, approved_at=_now(), expires_at=expires_at,
        )  # fmt: skip
        deviation.full_clean()
        deviation.save()
        refresh_evidence_marks(Asset.objects.filter(pk=asset.pk))
    return deviation


def delete_deviation(deviation: Deviation, *, reason: str) -> None:
    """Withdraw an approved deviation (the difference it covered is drift again): a reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ConfigError("deleting a deviation needs a reason")
    with transaction.atomic():
        deviation._audit_reason = reason[:500]
        asset_id = deviation.asset_id
        deviation.delete()
        refresh_evidence_marks(Asset.objects.filter(pk=asset_id))


# ---------------------------------------------------------------------------------------------- schedules
DEFAULT_EVERY_HOURS = 1  # every run of the hourly collect-configs job


def set_schedule(site_id: int, asset: Asset | None, every_hours: int | None) -> CollectionSchedule | None:
    """How often the scheduled job collects ``asset`` (None: the site's default). ``every_hours`` None removes
    the setting (the asset follows the site's default; the site, every run)."""
    if asset is not None and asset.site_id != site_id:
        raise ConfigError("the asset belongs to another site")
    with transaction.atomic():
        found = CollectionSchedule.objects.filter(site_id=site_id, asset=asset).first()
        if every_hours is None:
            if found is not None:
                found.delete()
            return None
        schedule = found or CollectionSchedule(site_id=site_id, asset=asset, every_hours=every_hours)
        schedule.every_hours = every_hours
        try:
            schedule.full_clean()
        except ValidationError as exc:
            raise ConfigError("; ".join(exc.messages)) from None
        schedule.save()
        return schedule


def schedule_of(asset: Asset) -> tuple[int, str]:
    """(hours between collections, where that comes from: asset, site or default)."""
    rows: dict[int | None, int] = dict(
        CollectionSchedule.objects.filter(site_id=asset.site_id)
        .filter(Q(asset=asset) | Q(asset__isnull=True))
        .values_list("asset_id", "every_hours")
    )
    if asset.pk in rows:
        return rows[asset.pk], "asset"
    if None in rows:
        return rows[None], "site"
    return DEFAULT_EVERY_HOURS, "default"


def due_for_collection(assets: Sequence[Asset], now: dt.datetime | None = None) -> list[Asset]:
    """The assets whose schedule asks for a collection now: never attempted, or last attempted at least
    their interval ago (less five minutes, so an hourly job is not skipped for a run that took a while)."""
    now = now or _now()
    site_ids = {a.site_id for a in assets}
    settings: dict[tuple[int, int | None], int] = {
        (site_id, asset_id): hours
        for site_id, asset_id, hours in CollectionSchedule.objects.filter(site_id__in=site_ids).values_list(
            "site_id", "asset_id", "every_hours"
        )
    }
    last = dict(
        Collection.objects.filter(asset__in=[a.pk for a in assets])
        .values("asset_id")
        .annotate(at=Max("attempted_at"))
        .values_list("asset_id", "at")
    )
    due = []
    for asset in assets:
        hours = settings.get(
            (asset.site_id, asset.pk), settings.get((asset.site_id, None), DEFAULT_EVERY_HOURS)
        )
        if hours == 0:
            continue
        attempted = last.get(asset.pk)
        if attempted is None or now - attempted >= dt.timedelta(hours=hours) - dt.timedelta(minutes=5):
            due.append(asset)
    return due


# ---------------------------------------------------------------------------------------------- rules
def rules() -> RuleSet:
    """The shipped rules with the organisation's enabled overrides in front."""
    overrides = [
        load_yaml(o.rules, source=o.name) for o in RuleOverride.objects.filter(enabled=True).order_by("order")
    ]
    return rule_set(overrides)


# ---------------------------------------------------------------------------------------------- drift
@dataclass(frozen=True)
class SiteRef:
    pk: int
    name: str


@dataclass(frozen=True)
class AssetRef:
    """What drift reports of an asset: read as plain values (20,000 model instances cost seconds)."""

    pk: int
    name: str
    site: SiteRef
    sl_t: tuple[int, ...] | None

    @property
    def site_id(self) -> int:
        return self.site.pk


@dataclass
class DriftRow:
    asset: AssetRef
    result: AssetDrift
    latest_version: int | None = None
    baseline_version: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "asset": self.asset.name,
            "asset_id": self.asset.pk,
            "site": self.asset.site.name,
            "site_id": self.asset.site_id,
            "status": self.result.status,
            "severity": self.result.severity,
            "latest_version": self.latest_version,
            "baseline_version": self.baseline_version,
            "changes": [c.as_dict() for c in self.result.changes],
            "approved_changes": len(self.result.approved),
        }


_ZONE_LEVELS = tuple(f"zone__{name}" for name in SL_T_FIELDS)


def drift(
    assets: QuerySet[Asset], *, ruleset: RuleSet | None = None, now: dt.datetime | None = None
) -> list[DriftRow]:
    """The drift of every asset of ``assets`` (already scoped to what the caller may see) that has a snapshot
    or a collection attempt; in a handful of queries whatever the number of assets, reading configurations
    only where the latest hash differs from the baseline's."""
    now = now or _now()
    ruleset = ruleset or rules()
    latest = Snapshot.objects.filter(asset=OuterRef("pk")).order_by("-version")
    baseline = Baseline.objects.filter(asset=OuterRef("pk")).order_by("-approved_at", "-pk")
    attempt = Collection.objects.filter(asset=OuterRef("pk")).order_by("-attempted_at", "-pk")
    rows = list(
        assets.annotate(
            latest_id=Subquery(latest.values("pk")[:1]),
            baseline_id=Subquery(baseline.values("snapshot_id")[:1]),
            attempt_status=Subquery(attempt.values("status")[:1]),
        )
        .filter(Q(latest_id__isnull=False) | Q(attempt_status__isnull=False))
        .order_by("site__name", "name")
        .values_list(
            "pk",
            "name",
            "site_id",
            "site__name",
            "latest_id",
            "baseline_id",
            "attempt_status",
            "type",
            *_ZONE_LEVELS,
        )
    )
    ids = {r[4] for r in rows if r[4]} | {r[5] for r in rows if r[5]}
    heads = {
        pk: (version, digest)
        for pk, version, digest in Snapshot.objects.filter(pk__in=ids).values_list(
            "pk", "version", "config_hash"
        )
    }
    # Only the assets whose latest hash differs from their baseline's need their configurations read.
    differing = [r for r in rows if r[5] and heads[r[4]][1] != heads[r[5]][1]]
    wanted = {r[4] for r in differing} | {r[5] for r in differing}
    configs = dict(Snapshot.objects.filter(pk__in=wanted).values_list("pk", "config"))
    devices = conduit_devices({r[2] for r in differing})
    live: dict[int, list[LiveDeviation]] = {}
    for d in Deviation.objects.filter(asset__in=[r[0] for r in differing], expires_at__gt=now):
        live.setdefault(d.asset_id, []).append(
            LiveDeviation.of(d.pk, d.path_pattern, d.expected, d.expires_at)
        )
    sites: dict[int, SiteRef] = {}
    result = []
    for pk, name, site_id, site_name, latest_id, baseline_id, attempt_status, kind, *levels in rows:
        site = sites.setdefault(site_id, SiteRef(site_id, site_name))
        sl_t = None if any(level is None for level in levels) else tuple(levels)
        unreachable = attempt_status == Collection.Status.UNREACHABLE
        if latest_id is None or baseline_id is None:
            state = AssetDrift("unreachable" if unreachable else "no_baseline")
        else:
            same = (
                heads[latest_id][1] == heads[baseline_id][1]
            )  # unchanged since the baseline: nothing to compare
            state = asset_drift(
                baseline={} if same else configs[baseline_id], latest={} if same else configs[latest_id],
                unreachable=unreachable, deviations=live.get(pk, ()), rules=ruleset, sl_t=sl_t, now=now,
                asset=AssetTraits(kind or "", (site_id, name.lower()) in devices),
            )  # fmt: skip
        result.append(DriftRow(
            AssetRef(pk, name, site, sl_t), state,
            heads[latest_id][0] if latest_id else None, heads[baseline_id][0] if baseline_id else None,
        ))  # fmt: skip
    return result


# ---------------------------------------------------------------------------------------------- stale evidence
def drift_mark_key(asset_id: int) -> str:
    return f"configs.drift:asset:{asset_id}"


def refresh_evidence_marks(assets: QuerySet[Asset]) -> tuple[int, int]:
    """Mark the configuration records (evidence documents of kind configuration covering the asset) of every
    drifted asset of ``assets`` stale, "drift since <day>", and lift the mark of the assets back in their
    baseline (or without one). An unreachable device keeps what it had: nothing is known. Returns (marked,
    lifted) assets. Called after every import, collection, baseline and deviation, and by the collect job."""
    marked = lifted = 0
    for row in drift(assets):
        key = drift_mark_key(row.asset.pk)
        status = row.result.status
        if status == "drifted" and row.baseline_version is not None:
            since = _drift_since(row.asset.pk, row.baseline_version)
            documents = Document.objects.filter(
                covered_assets__asset_id=row.asset.pk,
                kind=DocumentKind.CONFIGURATION,
                retired_at__isnull=True,
            ).distinct()
            reason = f"drift since {since:%Y-%m-%d} ({row.asset.name}: {len(row.result.changes)} unapproved change(s))"
            stale_marks.mark(key, documents, reason=reason, since=since)
            marked += 1
        elif status in ("in_baseline", "no_baseline"):
            lifted += 1 if stale_marks.lift(key) else 0
    return marked, lifted


def _drift_since(asset_id: int, baseline_version: int) -> dt.datetime:
    """When the asset left its baseline: the capture of the first version of the latest run of versions whose
    configuration differs from the baseline's."""
    base = Snapshot.objects.filter(asset_id=asset_id, version=baseline_version).values_list(
        "config_hash", flat=True
    )
    base_hash = base.first()
    since: dt.datetime | None = None
    for digest, captured in (
        Snapshot.objects.filter(asset_id=asset_id, version__gt=baseline_version)
        .order_by("-version")
        .values_list("config_hash", "captured_at")
    ):
        if digest == base_hash:
            break
        since = captured
    return since or _now()


def _sl_t(asset: Asset) -> tuple[int, ...] | None:
    zone = asset.zone
    if zone is None:
        return None
    levels = [getattr(zone, name) for name in SL_T_FIELDS]
    return None if any(level is None for level in levels) else tuple(levels)


def conduit_devices(site_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(site id, lower-case name) of every device named as a conduit's security device at those sites."""
    return {
        (site_id, name.strip().lower())
        for site_id, name in Conduit.objects.filter(site_id__in=list(site_ids))
        .exclude(security_device="")
        .values_list("site_id", "security_device")
    }


def traits(asset: Asset) -> AssetTraits:
    """What the severity rules may ask of ``asset`` (its type; named on a conduit as its security device)."""
    return AssetTraits(
        asset.type or "", (asset.site_id, asset.name.lower()) in conduit_devices([asset.site_id])
    )


def compare(before: Snapshot, after: Snapshot, *, ruleset: RuleSet | None = None) -> AssetDrift:
    """Any two versions side by side: every change judged, no deviation applied."""
    return asset_drift(
        baseline=before.config, latest=after.config, unreachable=False, deviations=(),
        rules=ruleset or rules(), sl_t=_sl_t(after.asset), now=_now(), asset=traits(after.asset),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------- collection
@cache
def profiles() -> dict[str, dict[str, Any]]:
    """The shipped device profiles (configs/profiles/*.yaml), by name."""
    found = {}
    for entry in files("otcsms.configs").joinpath("profiles").iterdir():
        if entry.name.endswith(".yaml"):
            profile = yaml.safe_load(entry.read_text(encoding="utf-8"))
            found[profile["name"]] = profile
    return found


IDENTITY_NAME = "opcua-client"
EXPIRY_WARNING_DAYS = 30


def ensure_client_identity(*, renew: bool = False) -> ClientIdentity:
    """otcsms's OPC UA application certificate, made deliberately: by ``otcsms init`` (with the collect-configs
    schedule, apps.py), or ``otcsms config identity [--renew]``; never by a collection.
    An identity whose key this instance can no longer decrypt (SECRET_KEY changed) is made again. Servers that
    check client certificates must then trust the new one."""
    stored = ClientIdentity.objects.filter(name=IDENTITY_NAME).first()
    if stored is not None and not renew:
        try:
            secrets.decrypt(stored.key_encrypted)
            return stored
        except secrets.SecretUnreadable:
            pass
    cert, key = identity.generate()
    with transaction.atomic():
        if stored is None:
            stored = ClientIdentity(name=IDENTITY_NAME)
        stored.certificate_pem = cert.decode("ascii")
        stored.key_encrypted = secrets.encrypt(key)
        stored.save()
    return stored


def client_identity() -> tuple[bytes, bytes] | None:
    """The certificate and key a collection presents (None when there is none, or its key is unreadable:
    the OPC UA collector then says so instead of opening a secure session)."""
    stored = ClientIdentity.objects.filter(name=IDENTITY_NAME).first()
    if stored is None:
        return None
    try:
        return stored.certificate_pem.encode("ascii"), secrets.decrypt(stored.key_encrypted)
    except secrets.SecretUnreadable:
        return None


def identity_summary(stored: ClientIdentity | None = None) -> dict[str, Any] | None:
    """What people need to know of otcsms's certificate: subject, thumbprints, validity, key size, the PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from otcsms.configs.collectors.opcua import certificate_config

    stored = stored or ClientIdentity.objects.filter(name=IDENTITY_NAME).first()
    if stored is None:
        return None
    cert = x509.load_pem_x509_certificate(stored.certificate_pem.encode("ascii"))
    summary = certificate_config(cert.public_bytes(serialization.Encoding.DER))
    return {"name": stored.name, "application_uri": identity.APPLICATION_URI, **summary,
            "certificate_pem": stored.certificate_pem}  # fmt: skip


def set_credential(asset: Asset, username: str, password: str) -> DeviceCredential:
    with transaction.atomic():
        credential = DeviceCredential.objects.filter(asset=asset).first() or DeviceCredential(
            site_id=asset.site_id, asset=asset
        )
        credential.username = username
        credential.secret_encrypted = secrets.encrypt(password.encode("utf-8"))
        credential.full_clean()
        credential.save()
    return credential


def targets_of(assets: Iterable[Asset]) -> list[collectors.Target]:
    """The live endpoints otcsms can read, one target per endpoint (an asset may have several)."""
    result = []
    for asset in assets:
        credential = getattr(asset, "config_credential", None)
        username = password = ""
        if credential is not None:
            with contextlib.suppress(secrets.SecretUnreadable):  # entered again after a key change
                username = credential.username
                password = secrets.decrypt(credential.secret_encrypted).decode()
        for endpoint in asset.endpoints.all():
            if endpoint.protocol not in COLLECTABLE or endpoint.role not in ANSWERING_ROLES:
                continue
            result.append(collectors.Target(
                key=asset.pk, protocol=endpoint.protocol, host=endpoint.host, port=endpoint.port,
                path=endpoint.path, params=dict(endpoint.params or {}),
                profile=profiles().get(asset.profile) if endpoint.protocol == "modbus-tcp" else None,
                username=username, password=password,
            ))  # fmt: skip
    return result


@dataclass
class CollectResult:
    asset: Asset
    status: str  # ok | unreachable | error | not_collectable
    snapshot: Snapshot | None = None
    created: bool = False
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "asset": self.asset.name,
            "asset_id": self.asset.pk,
            "site": self.asset.site.name,
            "status": self.status,
            "version": self.snapshot.version if self.snapshot else None,
            "new_version": self.created,
            "messages": self.messages,
        }


def collect(assets: Sequence[Asset], options: collectors.Options | None = None) -> list[CollectResult]:
    """Read every asset live (network first, outside any transaction), then record each asset in its own
    short transaction: one snapshot of everything its endpoints told, or its collections as unreachable."""
    assets = list(assets)
    targets = targets_of(assets)
    if options is None:
        found = client_identity() if any(t.protocol == "opc-ua" for t in targets) else None
        cert, key = found or (None, None)
        options = collectors.Options(
            client_certificate=cert, client_key=key, application_uri=identity.APPLICATION_URI
        )
    outcomes = asyncio.run(collectors.collect_all(targets, options)) if targets else []
    by_asset: dict[int, list[collectors.Outcome]] = {}
    for outcome in outcomes:
        by_asset.setdefault(outcome.target.key, []).append(outcome)
    results = [_record(asset, by_asset.get(asset.pk, [])) for asset in assets]
    with transaction.atomic():
        refresh_evidence_marks(Asset.objects.filter(pk__in=[a.pk for a in assets]))
    return results


def _record(asset: Asset, outcomes: list[collectors.Outcome]) -> CollectResult:
    if not outcomes:
        return CollectResult(
            asset,
            "not_collectable",
            messages=["no OPC UA, Modbus TCP or DNP3 endpoint the device answers on"],
        )
    now = _now()
    ok = all(o.status == "ok" for o in outcomes)
    with transaction.atomic():
        snapshot, created = None, False
        if ok:
            config: dict[str, Any] = {}
            volatile: dict[str, Any] = {}
            for o in outcomes:
                assert o.reading is not None
                config |= o.reading.config
                volatile |= o.reading.volatile
            source = {"type": "live", "collectors": sorted({f"{o.reading.collector} ({o.reading.collector_version})"
                                                            for o in outcomes if o.reading}),
                      "endpoints": sorted(o.target.uri for o in outcomes)}  # fmt: skip
            snapshot, created = record_snapshot(asset, config=config, volatile=volatile, source=source,
                                                captured_at=now)  # fmt: skip
        for o in outcomes:
            Collection.objects.create(
                site_id=asset.site_id, asset=asset, attempted_at=now, status=o.status,
                collector=o.reading.collector if o.reading else o.target.protocol, endpoint=o.target.uri[:600],
                message=o.message[:500], snapshot=snapshot, duration_ms=int(o.seconds * 1000),
            )  # fmt: skip
    worst = "ok" if ok else ("unreachable" if any(o.status == "unreachable" for o in outcomes) else "error")
    return CollectResult(asset, worst, snapshot, created, [o.message for o in outcomes if o.message])
