"""API schemas of findings, check runs and the check registry."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import Q
from ninja import Field, Schema

from otcsms.checks.engine import REGISTRY
from otcsms.checks.models import Finding
from otcsms.core.schemas import Filter, Id, InputSchema, UtcDatetime, content_type_q, type_label

SeverityValue = Literal["info", "low", "medium", "high", "critical"]
StatusValue = Literal["open", "accepted", "closed"]


class FindingOut(Schema):
    id: int
    site_id: int
    check: str = Field(alias="check_id")
    title: str = Field(description="The check's title.")
    severity: str
    status: str
    object_type: str = Field(description="app.model of the object, e.g. plant.zone.")
    object_id: int
    object_repr: str
    message: str
    requirements: list[list[str]] = Field(description="[[framework key, requirement id], ...]")
    remediation: str
    first_seen: datetime
    last_seen: datetime
    closed_at: datetime | None
    closed_reason: str
    accepted_by_id: int | None
    accepted_at: datetime | None
    accepted_until: datetime | None
    acceptance_reason: str
    previous_id: int | None = Field(description="The closed finding of the same problem, when it came back.")

    @staticmethod
    def resolve_object_type(obj: Finding) -> str:
        return type_label(obj.object_type_id)

    @staticmethod
    def resolve_title(obj: Finding) -> str:
        known = REGISTRY.get(obj.check_id)
        return known.title if known else obj.check_id

    @staticmethod
    def resolve_remediation(obj: Finding) -> str:
        known = REGISTRY.get(obj.check_id)
        return known.remediation if known else ""


class FindingFilter(Filter):
    site_id: Id | None = None
    check: str | None = Field(None, max_length=100, description="The check's id.")
    severity: SeverityValue | None = None
    status: StatusValue | None = None
    object_type: str | None = Field(None, max_length=100, description="app.model, e.g. plant.asset.")
    object_id: Id | None = None

    def filter_check(self, value: str | None) -> Q:
        return Q(check_id=value) if value else Q()

    def filter_object_type(self, value: str | None) -> Q:
        return content_type_q("object_type", value)


class FindingAccept(InputSchema):
    reason: str = Field(
        min_length=1, max_length=1000, description="Why the risk is accepted (kept in the trail)."
    )
    until: UtcDatetime = Field(description="When the acceptance ends (at most three years ahead).")


class CheckOut(Schema):
    id: str
    title: str
    severity: str
    requirements: list[list[str]]
    remediation: str


class CheckOutcomeOut(Schema):
    check: str
    status: Literal["ok", "error"]
    problems: int
    error: str


class CheckRunOut(Schema):
    id: int
    site_id: int
    started_at: datetime
    finished_at: datetime | None
    actor_label: str
    results: list[CheckOutcomeOut]
    opened: int
    closed: int
    reopened: int
    errors: int


class CheckRunFilter(Filter):
    site_id: Id | None = None


class RunRequest(InputSchema):
    site_id: Id | None = Field(
        None, description="One site (its site admins may); none: every site (org admins)."
    )


class SiteRunOut(Schema):
    site_id: int
    site: str
    run_id: int
    opened: int
    closed: int
    reopened: int
    results: list[CheckOutcomeOut]


class RunOut(Schema):
    sites: list[SiteRunOut]
    opened: int
    closed: int
    reopened: int
    errors: int
