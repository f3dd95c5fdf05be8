"""The access panel of a site's page: its systems with their accounts and grants (``ui.site_sections``)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse

from otcsms.access.models import AccessSystem
from otcsms.core.scoping import AnyUser, may_write
from otcsms.tenancy.models import Site
from otcsms.ui.site_sections import SHOWN, SectionItem, SiteSection, site_url


def systems(user: AnyUser, site: Site) -> SiteSection:
    rows = AccessSystem.objects.for_user(user).filter(site=site)
    counted = rows.annotate(
        n_accounts=Count("accounts", filter=~Q(accounts__status="removed"), distinct=True),
        n_grants=Count("grants", filter=Q(grants__status="active"), distinct=True),
    )
    return SiteSection(
        title="Access: systems",
        order=400,
        count=rows.count(),
        items=tuple(
            SectionItem(
                s.name,
                reverse("web:accesssystem_detail", args=[s.pk]),
                f"{s.n_accounts} accounts, {s.n_grants} grants",
            )
            for s in counted.order_by("name")[:SHOWN]
        ),
        list_url=site_url("web:accesssystem_list", site.pk),
        add_url=site_url("web:accesssystem_create", site.pk)
        if may_write(user, AccessSystem, site.pk)
        else "",
        empty="No systems yet: add the HMI, historian or jump host whose accounts you govern.",
    )
