"""The roadmap panel of a site's page: its open actions, by status (``ui.site_sections``)."""

from __future__ import annotations

from django.urls import reverse

from otcsms.core.scoping import AnyUser, may_write
from otcsms.roadmap import lifecycle
from otcsms.roadmap.models import Action
from otcsms.tenancy.models import Site
from otcsms.ui.site_sections import SHOWN, SectionItem, SiteSection, site_url


def actions(user: AnyUser, site: Site) -> SiteSection:
    rows = Action.objects.for_user(user).filter(site=site, status__in=lifecycle.OPEN)
    return SiteSection(
        title="Roadmap: open actions",
        order=450,
        count=rows.count(),
        items=tuple(
            SectionItem(a.title, reverse("web:roadmap_action_detail", args=[a.pk]), _note(a))
            for a in rows.order_by("due_on", "pk")[:SHOWN]
        ),
        list_url=site_url("web:roadmap_action_list", site.pk),
        add_url=site_url("web:roadmap_action_create", site.pk) if may_write(user, Action, site.pk) else "",
        empty="No open action: create them from an assessment's gaps, or add one by hand.",
    )


def _note(action: Action) -> str:
    due = f", due {action.due_on}" if action.due_on else ""
    return f"{action.get_status_display()}{due}"
