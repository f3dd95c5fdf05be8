"""The documents panel of a site's page (``ui.site_sections``): its documents, the next review of each."""

from __future__ import annotations

from django.urls import reverse

from otcsms.core.models import User
from otcsms.core.scoping import may_write
from otcsms.evidence.models import Document
from otcsms.tenancy.models import Site
from otcsms.ui.site_sections import SHOWN, SectionItem, SiteSection, site_url


def documents(user: User, site: Site) -> SiteSection:
    rows = Document.objects.for_user(user).filter(site=site, retired_at__isnull=True)
    return SiteSection(
        title="Documents",
        order=400,
        count=rows.count(),
        items=tuple(
            SectionItem(
                document.title,
                reverse("web:document_detail", args=[document.pk]),
                f"review {document.next_review:%Y-%m-%d}"
                if document.next_review
                else document.get_kind_display(),
            )
            for document in rows.order_by("next_review", "title")[:SHOWN]
        ),
        list_url=site_url("web:document_list", site.pk),
        add_url=site_url("web:document_create", site.pk) if may_write(user, Document, site.pk) else "",
        empty="No documents yet: add the site's policies, diagrams and configuration records.",
    )
