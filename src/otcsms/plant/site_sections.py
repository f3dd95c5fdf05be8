"""The plant panels of a site's page: its zones (with their SL-T) and its assets (``ui.site_sections``)."""

from __future__ import annotations

from django.urls import reverse

from otcsms.core.scoping import may_write
from otcsms.plant.models import Asset, Zone
from otcsms.tenancy.models import Site
from otcsms.ui.site_sections import SHOWN, SectionItem, SiteSection, site_url


def zones(user, site: Site) -> SiteSection:
    rows = Zone.objects.for_user(user).filter(site=site)
    return SiteSection(
        title="Zones",
        order=200,
        count=rows.count(),
        items=tuple(
            SectionItem(zone.name, reverse("web:zone_detail", args=[zone.pk]), zone.sl_t_label())
            for zone in rows.order_by("name")[:SHOWN]
        ),
        list_url=site_url("web:zone_list", site.pk),
        add_url=site_url("web:zone_create", site.pk) if may_write(user, Zone, site.pk) else "",
        empty="No zones yet: import them from a template or add the first one.",
    )


def assets(user, site: Site) -> SiteSection:
    rows = Asset.objects.for_user(user).filter(site=site).select_related("zone")
    return SiteSection(
        title="Assets",
        order=210,
        count=rows.count(),
        items=tuple(
            SectionItem(
                asset.name,
                reverse("web:asset_detail", args=[asset.pk]),
                asset.zone.name if asset.zone else "",
            )
            for asset in rows.order_by("name")[:SHOWN]
        ),
        list_url=site_url("web:asset_list", site.pk),
        add_url=site_url("web:asset_create", site.pk) if may_write(user, Asset, site.pk) else "",
        empty="No assets yet.",
    )
