"""C7 Configuration management: snapshots of device configurations, baselines, deviations, severity rules.

A ``Snapshot`` is immutable once written (only ``last_seen_at`` moves, as bookkeeping): a capture whose
configuration hash equals the asset's latest version updates that version's ``last_seen_at`` and makes no
new row. Versions of an asset are numbered 1, 2, ... and each carries its parent's hash, so the chain of an
asset's configurations can be checked end to end. Every write is audited (core.models.Audited).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models

from otcsms.core.models import OrgWide, SiteOwned
from otcsms.plant.models import Asset


def _same_site(obj: Any, errors: dict[str, str]) -> dict[str, str]:
    asset = obj.asset if obj.asset_id is not None else None
    if asset is not None and obj.site_id is not None and asset.site_id != obj.site_id:
        errors["asset"] = f"asset {asset.name!r} belongs to another site"
    return errors


class Snapshot(SiteOwned):
    """One version of one asset's configuration (the canonical snapshot document, split into columns)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="config_snapshots")
    version = models.PositiveIntegerField()
    schema = models.PositiveSmallIntegerField(default=1)
    config_hash = models.CharField(max_length=64, help_text="SHA-256 of the RFC 8785 form of config.")
    parent_hash = models.CharField(max_length=64, blank=True, help_text="The previous version's hash.")
    source = models.JSONField(
        default=dict, help_text="file (kind, name, sha256) or live (collector, version)."
    )
    captured_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    config = models.JSONField(default=dict, blank=True)
    volatile = models.JSONField(default=dict, blank=True)

    # Seeing the same configuration again is bookkeeping, not a change of the record.
    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset({"last_seen_at"})
    # The trail records config_hash, which pins the configuration (services.verify_versions recomputes it),
    # rather than a copy of a possibly many-megabyte document in every event.
    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"config", "volatile"})

    class Meta:
        ordering = ["asset_id", "-version"]
        constraints = [
            models.UniqueConstraint("asset", "version", name="configs_snapshot_version_unique"),
        ]
        indexes = [models.Index(fields=["site", "asset", "-version"], name="configs_snap_site_asset")]

    def __str__(self) -> str:
        return f"{self.asset.name} v{self.version}"

    def clean(self) -> None:
        errors = _same_site(self, {})
        if errors:
            raise ValidationError(errors)

    def document(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "asset": {"id": self.asset_id, "name": self.asset.name},
            "source": self.source,
            "captured_at": self.captured_at.isoformat().replace("+00:00", "Z"),
            "config": self.config,
            "volatile": self.volatile,
        }


class SourceFile(SiteOwned):
    """The raw bytes a file snapshot was read from, kept as they came (one row per distinct file)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="source_files")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    data = models.BinaryField()
    imported_at = models.DateTimeField(auto_now_add=True)
    # The same bytes kept as a version of the asset's "configuration files" evidence document (evidence app).
    document_version = models.ForeignKey(
        "evidence.DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The bytes are identified by their hash in the trail; the trail does not carry megabytes of XML.
    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"data"})

    class Meta:
        ordering = ["-imported_at"]
        constraints = [models.UniqueConstraint("snapshot", "sha256", name="configs_sourcefile_unique")]

    def __str__(self) -> str:
        return self.name


class Collection(SiteOwned):
    """One attempt to read an asset live: ok (with the snapshot it gave) or unreachable / error."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        UNREACHABLE = "unreachable", "Unreachable"
        ERROR = "error", "Error"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="config_collections")
    attempted_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices)
    collector = models.CharField(max_length=40)
    endpoint = models.CharField(max_length=600, blank=True)
    message = models.CharField(max_length=500, blank=True)
    snapshot = models.ForeignKey(Snapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at", "-pk"]
        indexes = [models.Index(fields=["asset", "-attempted_at"], name="configs_coll_asset_at")]

    def __str__(self) -> str:
        return f"{self.asset.name} {self.status} {self.attempted_at:%Y-%m-%d %H:%M}"


class Baseline(SiteOwned):
    """An approved snapshot of an asset: the configuration it should run. The newest approval is in force."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="config_baselines")
    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="baselines")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by_label = models.CharField(max_length=200, help_text="Who approved (user or cli/worker actor).")
    approved_at = models.DateTimeField()
    reason = models.TextField(max_length=2000)

    class Meta:
        ordering = ["asset_id", "-approved_at", "-pk"]

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        pk = data.get("snapshot_id")
        return Snapshot.objects.filter(pk=pk).values_list("site_id", flat=True).first() if pk else None

    def __str__(self) -> str:
        return f"baseline of {self.asset.name}: v{self.snapshot.version}"

    def clean(self) -> None:
        errors = _same_site(self, {})
        if (
            self.snapshot_id is not None
            and self.asset_id is not None
            and self.snapshot.asset_id != self.asset_id
        ):
            errors["snapshot"] = "the snapshot is of another asset"
        if errors:
            raise ValidationError(errors)


class Deviation(SiteOwned):
    """An approved difference from the baseline: a path pattern and the value expected there, until expiry."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="config_deviations")
    path_pattern = models.CharField(
        max_length=500, help_text="JSON Pointer pattern into config: * one segment, ** any number."
    )
    expected = models.JSONField(null=True, blank=True, help_text="The value approved there (null: removed).")
    ticket = models.CharField(max_length=200, help_text="The change ticket that approves it.")
    reason = models.TextField(max_length=2000, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="After this the difference is drift again.")

    class Meta:
        ordering = ["asset_id", "expires_at", "pk"]

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        pk = data.get("asset_id")
        return Asset.objects.filter(pk=pk).values_list("site_id", flat=True).first() if pk else None

    def __str__(self) -> str:
        return f"{self.asset.name} {self.path_pattern} ({self.ticket})"

    def clean(self) -> None:
        from otcsms.configs.severity_rules import RuleError, compile_pattern

        errors = _same_site(self, {})
        try:
            compile_pattern(self.path_pattern or "")
        except RuleError as exc:
            errors["path_pattern"] = str(exc)
        if errors:
            raise ValidationError(errors)


class RuleOverride(OrgWide):
    """The organisation's own severity rules, in front of the shipped ones (YAML, see default_rules.yaml)."""

    name = models.CharField(max_length=200, unique=True)
    rules = models.TextField(max_length=100_000, help_text="YAML: rules, disable, default_severity.")
    enabled = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from otcsms.configs.severity_rules import RuleError, load_yaml, parse_rules

        try:
            parse_rules(load_yaml(self.rules, source=self.name or "rules"), source=self.name or "rules")
        except RuleError as exc:
            raise ValidationError({"rules": str(exc)}) from None


class DeviceCredential(SiteOwned):
    """How otcsms logs in to a device (OPC UA user name and password): the secret only ever encrypted."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="config_credential")
    username = models.CharField(max_length=200)
    secret_encrypted = models.TextField(max_length=4000)

    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"secret_encrypted"})

    class Meta:
        ordering = ["asset_id"]

    def __str__(self) -> str:
        return f"credential of {self.asset.name}"

    def clean(self) -> None:
        errors = _same_site(self, {})
        if errors:
            raise ValidationError(errors)


class ClientIdentity(OrgWide):
    """otcsms's own OPC UA application certificate; its private key encrypted (configs.secrets)."""

    name = models.CharField(max_length=100, unique=True)
    certificate_pem = models.TextField()
    key_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"key_encrypted"})

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CollectionSchedule(SiteOwned):
    """How often the scheduled collection reads an asset (``asset`` set) or, by default, the assets of a site
    (``asset`` empty). No row: every run of the collect-configs job (hourly)."""

    asset = models.OneToOneField(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="config_schedule"
    )
    every_hours = models.PositiveIntegerField(
        validators=[MaxValueValidator(24 * 366)],
        help_text="Hours between collections (1 every run of the hourly job); 0 never collects on schedule.",
    )

    class Meta:
        ordering = ["site_id", "asset_id"]
        constraints = [
            models.UniqueConstraint(
                "site", condition=models.Q(asset__isnull=True), name="configs_schedule_one_site_default"
            ),
        ]

    def __str__(self) -> str:
        what = self.asset.name if self.asset is not None else "site default"
        return f"collect {what} every {self.every_hours} h"

    def clean(self) -> None:
        errors = _same_site(self, {})
        if errors:
            raise ValidationError(errors)
