"""The evidence panel of an object's page (``ui.object_panels``): the documents that evidence the object (its
evidence links, each current or stale with the reason) and, for a zone or an asset, the documents that cover it.
Shown for every model declared in ``Contributions.evidence_targets``, whichever app declared it."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from otcsms.core import registry
from otcsms.core.models import User
from otcsms.evidence.freshness import current_documents_q, state_of
from otcsms.evidence.models import CoveredAsset, CoveredZone, Document, EvidenceLink
from otcsms.ui.object_panels import ObjectPanel
from otcsms.ui.site_sections import SHOWN, SectionItem

COVERS: dict[str, tuple[type[models.Model], str]] = {
    "plant.zone": (CoveredZone, "zone_id"),
    "plant.asset": (CoveredAsset, "asset_id"),
}


def evidence_panel(user: User, obj: Any) -> ObjectPanel | None:
    label = obj._meta.label_lower
    if label not in registry.evidence_targets():
        return None
    today = timezone.localdate()
    content_type = ContentType.objects.get_for_model(obj)
    links = (
        EvidenceLink.objects.for_user(user)
        .filter(target_type=content_type, target_id=obj.pk)
        .select_related("document", "version")
        .order_by("document__title", "pk")
    )
    items: list[SectionItem] = []
    count = links.count()
    for link in links[:SHOWN]:
        state = state_of(link, today)
        pinned = f"v{link.version.number} " if link.version is not None else ""
        note = f"evidences it: {pinned}current" if state.current else f"evidences it: stale, {state.why}"
        items.append(SectionItem(link.document.title, _url(link.document_id), note))
    if label in COVERS:
        through, field = COVERS[label]
        covering = (
            Document.objects.for_user(user)
            .filter(pk__in=through._default_manager.filter(**{field: obj.pk}).values("document_id"))
            .exclude(pk__in=links.values("document_id"))
            .order_by("title", "pk")
        )
        count += covering.count()
        current = set(covering.filter(current_documents_q(today)).values_list("pk", flat=True))
        for document in covering[: max(0, SHOWN - len(items))]:
            freshness = (
                "current"
                if document.pk in current
                else "not current (no approved version, retired or past review)"
            )
            items.append(
                SectionItem(
                    document.title,
                    _url(document.pk),
                    f"covers it ({document.get_kind_display().lower()}): {freshness}",
                )
            )
    return ObjectPanel(
        title="Evidence",
        order=500,
        items=tuple(items),
        count=count,
        list_url="",
        empty="No document evidences or covers this yet: link one from the document's page.",
    )


def _url(document_id: int) -> str:
    return reverse("web:document_detail", args=[document_id])
