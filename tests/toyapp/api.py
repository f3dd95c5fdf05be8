"""The toy app's REST endpoints: one generated Resource (no `from __future__ import annotations` here)."""

from ninja import Field, Router, Schema

from otcsms.core.crud import Resource, register
from otcsms.core.schemas import Id, InputSchema
from tests.toyapp.models import Gadget

router = Router(tags=["toy"])


class GadgetOut(Schema):
    id: int
    site_id: int
    name: str


class GadgetCreate(InputSchema):
    site_id: Id
    name: str = Field(min_length=1, max_length=100)


class GadgetUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)


register(router, Resource(Gadget, "gadgets", GadgetOut, GadgetCreate, GadgetUpdate, tags=["toy"]))
