"""Panels of an object's page that other apps contribute (``Contributions.object_panels``): what an app holds
about the object, as the reader may see it (the evidence covering a zone, the risks of an asset). The generic
detail page and the pages that include ``web/_object_panels.html`` render them without naming the apps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from otcsms.core import registry
from otcsms.ui.site_sections import SectionItem


@dataclass(frozen=True, slots=True)
class ObjectPanel:
    """One panel: ``items`` (the first rows; ``count`` in all), a link to the full list when there is one, and
    ``add_url`` only for writers."""

    title: str
    order: int
    items: tuple[SectionItem, ...]
    count: int
    list_url: str = ""
    add_url: str = ""
    empty: str = "None yet."

    @property
    def more(self) -> int:
        return self.count - len(self.items)


def object_panels(user: Any, obj: Any) -> list[ObjectPanel]:
    """Every registered panel that has something to say about ``obj``, by order."""
    panels = [registry.resolve(path)(user, obj) for path in registry.object_panels()]
    return sorted((p for p in panels if p is not None), key=lambda p: p.order)
