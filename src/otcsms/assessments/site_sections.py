"""The gap assessments panel of a site's page (``ui.site_sections``): its assessments, newest first."""

from __future__ import annotations

from django.urls import reverse

from otcsms.assessments.models import Assessment
from otcsms.core.models import User
from otcsms.core.scoping import may_write
from otcsms.tenancy.models import Site
from otcsms.ui.site_sections import SHOWN, SectionItem, SiteSection, site_url


def assessments(user: User, site: Site) -> SiteSection:
    rows = Assessment.objects.for_user(user).filter(site=site).select_related("framework")
    return SiteSection(
        title="Gap assessments",
        order=300,
        count=rows.count(),
        items=tuple(
            SectionItem(
                a.name,
                reverse("web:assessment_detail", args=[a.pk]),
                f"{a.framework} · {a.get_state_display()}",
            )
            for a in rows.order_by("-started_on", "-pk")[:SHOWN]
        ),
        list_url=site_url("web:assessment_list", site.pk),
        add_url=reverse("web:assessment_create") if may_write(user, Assessment, site.pk) else "",
        empty="No gap assessments yet.",
    )
