"""API schemas of directory sign-in: group mappings (input schemas forbid unknown fields; updates are partial)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, FilterLookup, Schema

from otcsms.core.schemas import Filter, Id, InputSchema

MappedRole = Literal["org-admin", "viewer", "contributor", "approver", "site-admin", "auditor"]


class MappingOut(Schema):
    id: int
    group_dn: str
    site_id: int | None
    role: str
    note: str


class MappingCreate(InputSchema):
    group_dn: str = Field(
        min_length=3, max_length=500, description="Distinguished name of the directory group."
    )
    site_id: Id | None = Field(None, description="The site; none for the organisation admin role.")
    role: MappedRole
    note: str = Field("", max_length=200)


class MappingUpdate(InputSchema):
    group_dn: str | None = Field(None, min_length=3, max_length=500)
    site_id: Id | None = None
    role: MappedRole | None = None
    note: str | None = Field(None, max_length=200)


class MappingFilter(Filter):
    site_id: int | None = None
    role: MappedRole | None = None
    q: Annotated[str | None, FilterLookup("group_dn__icontains")] = Field(
        None, max_length=200, description="Search in the group DN."
    )


class AccountOut(Schema):
    id: int
    user_id: int
    username: str = Field(alias="user.username")
    dn: str
    groups: list[str]
    synced_at: datetime
