"""The configuration panel of a site's page: its devices that drifted or could not be read (``ui.site_sections``)."""

from __future__ import annotations

from django.urls import reverse

from otcsms.configs import services
from otcsms.plant.models import Asset
from otcsms.tenancy.models import Site
from otcsms.ui.site_sections import SHOWN, SectionItem, SiteSection, site_url

_ORDER = {"drifted": 0, "unreachable": 1, "no_baseline": 2, "in_baseline": 3}


def drift(user, site: Site) -> SiteSection:
    rows = services.drift(Asset.objects.for_user(user).filter(site=site))
    rows.sort(key=lambda r: (_ORDER[r.result.status], r.asset.name))
    return SiteSection(
        title="Configuration drift",
        order=350,
        count=len(rows),
        items=tuple(
            SectionItem(
                row.asset.name,
                reverse("web:config_asset", args=[row.asset.pk]),
                row.result.status + (f" ({row.result.severity})" if row.result.severity else ""),
            )
            for row in rows[:SHOWN]
        ),
        list_url=site_url("web:config_drift", site.pk),
        empty="No device configurations recorded yet.",
    )
