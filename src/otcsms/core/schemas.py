"""API schemas of the platform objects, and the base every input schema uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field


class InputSchema(Schema):
    """Unknown fields are an error: a typo must never be silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AuditEventOut(Schema):
    seq: int
    occurred_at: datetime
    actor_kind: str
    actor_label: str
    request_id: str
    object_type: str
    object_id: str
    object_repr: str
    site_id: int | None
    action: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str = ""
    hash: str

    @staticmethod
    def resolve_occurred_at(obj) -> datetime:
        return obj.occurred_at

    @staticmethod
    def resolve_before(obj) -> dict[str, Any] | None:
        return obj.payload["before"]

    @staticmethod
    def resolve_after(obj) -> dict[str, Any] | None:
        return obj.payload["after"]

    @staticmethod
    def resolve_reason(obj) -> str:
        return obj.payload.get("reason", "")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreate(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    expires_at: datetime | None = None


class TokenCreated(TokenOut):
    token: str = Field(description="Shown once: store it now, it cannot be read again.")


class ChainReportOut(Schema):
    ok: bool
    events: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None
    problem: str
