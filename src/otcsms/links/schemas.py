"""API schemas of object links. Kinds of records are named ``app.model`` (``plant.zone``, ``catalogs.requirement``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from django.db.models import Q
from ninja import Field, Schema

from otcsms.core.schemas import Filter, Id, InputSchema, TypeLabel, content_type_q, type_label

if TYPE_CHECKING:
    from otcsms.links.models import ObjectLink

KindValue = Literal["evidence", "source", "relates-to", "journal"]


class LinkOut(Schema):
    id: int
    site_id: int
    source_type: str
    source_id: int
    source_repr: str
    target_type: str
    target_id: int
    target_repr: str
    kind: str
    note: str
    created_by_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_source_type(obj: ObjectLink) -> str:
        return type_label(obj.source_type_id)

    @staticmethod
    def resolve_target_type(obj: ObjectLink) -> str:
        return type_label(obj.target_type_id)


class LinkCreate(InputSchema):
    site_id: Id = Field(description="The site of the link: the site of its source.")
    source_type: str = TypeLabel
    source_id: Id
    target_type: str = TypeLabel
    target_id: Id
    kind: KindValue
    note: str = Field("", max_length=500)


class LinkUpdate(InputSchema):
    note: str = Field(max_length=500)


class LinkFilter(Filter):
    site_id: Id | None = None
    source_type: str | None = Field(
        None, max_length=100, description="With source_id: links from one record."
    )
    source_id: Id | None = None
    target_type: str | None = Field(None, max_length=100, description="With target_id: links to one record.")
    target_id: Id | None = None
    kind: KindValue | None = None

    def filter_source_type(self, value: str | None) -> Q:
        return content_type_q("source_type", value)

    def filter_target_type(self, value: str | None) -> Q:
        return content_type_q("target_type", value)
