"""The one pagination every list endpoint uses: ``limit`` 1..500 and a bounded ``offset``."""

from __future__ import annotations

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from otcsms.core.inputs import MAX_OFFSET


class Page(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
        # Unbounded, a 2**63 offset reached the database and failed there (a 5xx on SQLite).
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
