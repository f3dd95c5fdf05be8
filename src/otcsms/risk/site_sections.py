"""The risk panel of a site's page: its top threat scenarios (``ui.site_sections``)."""

from __future__ import annotations

from django.urls import reverse

from otcsms.core.scoping import AnyUser, may_write
from otcsms.risk.models import ThreatScenario
from otcsms.tenancy.models import Site
from otcsms.ui.site_sections import SHOWN, SectionItem, SiteSection, site_url


def risks(user: AnyUser, site: Site) -> SiteSection:
    rows = ThreatScenario.objects.for_user(user).filter(site=site)
    top = rows.order_by("-residual_score", "-inherent_score", "pk")[:SHOWN]
    return SiteSection(
        title="Top risks",
        order=480,
        count=rows.count(),
        items=tuple(
            SectionItem(
                s.title,
                reverse("web:threatscenario_detail", args=[s.pk]),
                f"{s.effective_level or 'unrated'} ({s.residual_score or s.inherent_score})",
            )
            for s in top
        ),
        list_url=site_url("web:threatscenario_list", site.pk),
        add_url=site_url("web:threatscenario_create", site.pk)
        if may_write(user, ThreatScenario, site.pk)
        else "",
        empty="No threat scenarios yet: start with the site's worst case (62443-3-2 initial risk).",
    )
