"""Panels of a site's page that other apps contribute (``Contributions.site_sections``): what the app holds for
the site, as the reader may see it, with counts and links. The site's page (org) renders them without
naming the apps that sent them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

SHOWN = 10  # items listed per panel; the panel links to the full list


@dataclass(frozen=True, slots=True)
class SectionItem:
    label: str
    url: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class SiteSection:
    """One panel: ``count`` rows in all, the first ``SHOWN`` as ``items``; ``add_url`` only for writers."""

    title: str
    order: int
    count: int
    items: tuple[SectionItem, ...]
    list_url: str
    add_url: str = ""
    empty: str = "None yet."

    @property
    def more(self) -> int:
        return self.count - len(self.items)


def site_url(url_name: str, site_id: int) -> str:
    """A page for one site: a list narrowed to it, or a new record's form with it chosen (``?site=``, which
    the generic list and create views read)."""
    return f"{reverse(url_name)}?site={site_id}"
