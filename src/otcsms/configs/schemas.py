"""API schemas of C7. Inputs forbid unknown fields; every string is bounded."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from otcsms.core.schemas import Filter, Id, InputSchema, UtcDatetime

Severity = Literal["info", "low", "medium", "high", "critical"]


class SnapshotOut(Schema):
    id: int
    site_id: int
    asset_id: int
    version: int
    schema_version: int = Field(alias="schema")
    config_hash: str
    parent_hash: str
    source: dict[str, Any]
    captured_at: datetime
    last_seen_at: datetime
    config: dict[str, Any]
    volatile: dict[str, Any]


class SnapshotFilter(Filter):
    site_id: int | None = None
    asset_id: int | None = None


class CollectionOut(Schema):
    id: int
    site_id: int
    asset_id: int
    attempted_at: datetime
    status: str
    collector: str
    endpoint: str
    message: str
    snapshot_id: int | None
    duration_ms: int


class CollectionFilter(Filter):
    site_id: int | None = None
    asset_id: int | None = None
    status: Literal["ok", "unreachable", "error"] | None = None


class BaselineOut(Schema):
    id: int
    site_id: int
    asset_id: int
    snapshot_id: int
    approved_by_id: int | None
    approved_by_label: str
    approved_at: datetime
    reason: str


class BaselineCreate(InputSchema):
    snapshot_id: Id
    reason: str = Field(min_length=1, max_length=2000)


class BaselineFilter(Filter):
    site_id: int | None = None
    asset_id: int | None = None


class DeviationOut(Schema):
    id: int
    site_id: int
    asset_id: int
    path_pattern: str
    expected: Any = None
    ticket: str
    reason: str
    approved_by_id: int | None
    approved_at: datetime
    expires_at: datetime


class DeviationCreate(InputSchema):
    asset_id: Id
    path_pattern: str = Field(min_length=1, max_length=500)
    expected: Any = Field(None, description="The value approved at the path (null: approved removal).")
    ticket: str = Field(min_length=1, max_length=200)
    reason: str = Field("", max_length=2000)
    expires_at: UtcDatetime


class DeviationFilter(Filter):
    site_id: int | None = None
    asset_id: int | None = None


class RuleOverrideOut(Schema):
    id: int
    name: str
    rules: str
    enabled: bool
    order: int


class RuleOverrideCreate(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    rules: str = Field(min_length=1, max_length=100_000)
    enabled: bool = True
    order: int = Field(100, ge=0, le=10_000)


class RuleOverrideUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    rules: str | None = Field(None, min_length=1, max_length=100_000)
    enabled: bool | None = None
    order: int | None = Field(None, ge=0, le=10_000)


class CredentialIn(InputSchema):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=500)


class CredentialOut(Schema):
    asset_id: int
    username: str


class ImportIn(InputSchema):
    name: str = Field(min_length=1, max_length=255, description="The file's name (its kind is read from it).")
    content: str = Field(min_length=1, max_length=60_000_000, description="The file, base64-encoded.")
    kind: str | None = Field(None, max_length=40)


class SnapshotRecorded(Schema):
    snapshot: SnapshotOut
    new_version: bool


class ChangeOut(Schema):
    path: str
    kind: str
    before: Any = None
    after: Any = None
    severity: Severity
    rule: str


class DriftOut(Schema):
    asset: str
    asset_id: int
    site: str
    site_id: int
    status: Literal["in_baseline", "drifted", "no_baseline", "unreachable"]
    severity: Severity | None
    latest_version: int | None
    baseline_version: int | None
    changes: list[ChangeOut]
    approved_changes: int


class DriftReport(Schema):
    assets: list[DriftOut]


class DriftQuery(Filter):
    site_id: int | None = None
    asset_id: int | None = None


class CompareOut(Schema):
    before_id: int
    after_id: int
    changes: list[ChangeOut]


class CollectIn(InputSchema):
    asset_id: Id


class CollectOut(Schema):
    asset: str
    asset_id: int
    site: str
    status: str
    version: int | None
    new_version: bool
    messages: list[str]


class ScheduleIn(InputSchema):
    """Hours between scheduled collections (0: never on schedule); null: follow the site's default."""

    every_hours: int | None = Field(default=None, ge=0, le=24 * 366)


class ScheduleOut(Schema):
    asset_id: int
    every_hours: int
    source: str  # asset | site | default


class SiteScheduleOut(Schema):
    site_id: int
    every_hours: int
    source: str  # site | default
