"""API schemas of the platform objects, the base every input schema uses, and the shared field types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from ninja import FilterSchema, Schema
from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

from otcsms.core.history import values_visible
from otcsms.core.inputs import MAX_ID, InputError, aware_utc, is_multiline, text_problem
from otcsms.core.models import AuditEvent

# An id as the databases hold it: a 30-digit "id" is a 422, never a query that fails.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _aware_utc(value: datetime) -> datetime:
    try:
        return aware_utc(value)
    except InputError as exc:
        raise ValueError(str(exc)) from None


# A date-time with a time zone, between 1970 and 9999 UTC: naive times are ambiguous on a plant that
# spans time zones, and an extreme offset (9999-12-31T23:59:59-14:00) overflows when converted.
UtcDatetime = Annotated[datetime, AfterValidator(_aware_utc)]


def _max_length(info: FieldInfo) -> int | None:
    for item in info.metadata:
        limit: int | None = getattr(item, "max_length", None)
        if limit is not None:
            return limit
    return None


def _checked(value: Any, multiline: bool) -> Any:
    """``value`` after the boundary rules (strings, 64-bit integers, aware UTC datetimes), or ValueError."""
    if isinstance(value, str):
        problem = text_problem(value, multiline=multiline)
        if problem is not None:
            raise ValueError(problem)
    elif isinstance(value, int) and not isinstance(value, bool):
        if not -MAX_ID - 1 <= value <= MAX_ID:
            raise ValueError("number out of range (64-bit)")
    elif isinstance(value, datetime):
        return _aware_utc(value)
    elif isinstance(value, list | tuple):
        return type(value)(_checked(v, multiline) for v in value)
    elif isinstance(value, dict):
        return {_checked(k, False): _checked(v, multiline) for k, v in value.items()}
    return value


def _boundary_rule(cls: type[Schema], value: Any, info: ValidationInfo) -> Any:
    field = cls.model_fields.get(info.field_name or "")
    multiline = is_multiline(_max_length(field)) if field is not None else True
    return _checked(value, multiline)


class InputSchema(Schema):
    """Unknown fields are an error (a typo must never be silently dropped), and every value obeys the
    boundary rules (core.inputs): strings without NUL, controls, bidi overrides or lone surrogates (short
    fields on one line), integers within 64 bits, date-times with a time zone between 1970 and 9999."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _boundary(cls, value: Any, info: ValidationInfo) -> Any:
        return _boundary_rule(cls, value, info)


class Filter(FilterSchema):
    """Query filters of list endpoints, under the same boundary rules as InputSchema: a 30-digit id or a
    naive ``since`` is a 422, never a failed query."""

    @field_validator("*", mode="after")
    @classmethod
    def _boundary(cls, value: Any, info: ValidationInfo) -> Any:
        return _boundary_rule(cls, value, info)


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
    values_visible: bool = Field(
        True,
        description="False when the caller may see that the object changed but not the values "
        "(only those who may read the site's audit trail see before, after and reason).",
    )
    hash: str

    @staticmethod
    def resolve_occurred_at(obj: AuditEvent) -> datetime:
        return obj.occurred_at

    @staticmethod
    def resolve_values_visible(obj: AuditEvent) -> bool:
        return values_visible(obj)

    @staticmethod
    def resolve_before(obj: AuditEvent) -> dict[str, Any] | None:
        if not values_visible(obj):
            return None
        before: dict[str, Any] | None = obj.payload["before"]
        return before

    @staticmethod
    def resolve_after(obj: AuditEvent) -> dict[str, Any] | None:
        if not values_visible(obj):
            return None
        after: dict[str, Any] | None = obj.payload["after"]
        return after

    @staticmethod
    def resolve_reason(obj: AuditEvent) -> str:
        if not values_visible(obj):
            return ""
        reason: str = obj.payload.get("reason", "")
        return reason


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
    expires_at: UtcDatetime | None = None


class TokenCreated(TokenOut):
    token: str = Field(description="Shown once: store it now, it cannot be read again.")


class ChainReportOut(Schema):
    ok: bool
    events: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None
    problem: str
    keyed_from: int = Field(description="The first event hashed with the instance's key (HMAC-SHA256).")
    unkeyed_events: int = Field(description="Events from before the chain was keyed (plain SHA-256).")


# Kinds of records named by content type, as links and findings point at any record.
# app_label.model, as the history pages and the audit trail name kinds of records
TypeLabel = Field(min_length=3, max_length=100, pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def type_label(content_type_id: int) -> str:
    content_type = ContentType.objects.get_for_id(content_type_id)
    return f"{content_type.app_label}.{content_type.model}"


def content_type_q(field: str, label: str | None) -> Q:
    """Rows whose ``field`` (a content type) is the kind ``label``; nothing for a label no model has."""
    if label is None:
        return Q()
    app_label, _, model = label.partition(".")
    return Q(**{f"{field}__app_label": app_label, f"{field}__model": model})
