"""Jobs used by the tests only: one that writes an audited row, one that always fails."""

from __future__ import annotations

from django.db import transaction

from otcsms.jobs.decorators import job
from otcsms.org.models import CsmsRole


@job("make-role")
def make_role(name: str) -> str:
    with transaction.atomic():
        role = CsmsRole.objects.create(name=name)
    return f"created {role}"


class PlantOffline(RuntimeError):
    pass


@job("always-fails")
def always_fails() -> str:
    raise PlantOffline("historian at 10.0.0.5 did not answer")
