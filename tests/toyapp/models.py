from __future__ import annotations

from django.db import models

from otcsms.core.models import SiteOwned
from otcsms.core.siterules import refuse_site_move


class Gadget(SiteOwned):
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="toyapp_gadget_unique_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        refuse_site_move(self)
