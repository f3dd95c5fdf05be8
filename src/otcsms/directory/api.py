"""REST endpoints of directory sign-in: the group -> role mappings (organisation admins only), and the
accounts that came from the directory (read-only). No `from __future__ import annotations` here."""

from typing import Any

from ninja import Router

from otcsms.core.crud import Resource, register
from otcsms.directory import schemas as s
from otcsms.directory.models import DirectoryAccount, GroupMapping

router = Router(tags=["directory"])

RESOURCES: list[Resource[Any]] = [
    Resource(
        GroupMapping,
        "directory-mappings",
        s.MappingOut,
        s.MappingCreate,
        s.MappingUpdate,
        filters=s.MappingFilter,
        ordering=("dn_key", "site_id", "pk"),
        tags=["directory"],
    ),
    Resource(
        DirectoryAccount,
        "directory-accounts",
        s.AccountOut,
        select_related=("user",),
        ordering=("user__username",),
        deletable=False,
        tags=["directory"],
    ),
]
for resource in RESOURCES:
    register(router, resource)
