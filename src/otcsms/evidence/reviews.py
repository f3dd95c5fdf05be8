"""Documents' periodic review dates (policies, procedures, plans) on the review calendar (declared in
evidence/registry.py: review_schedules)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.urls import reverse

from otcsms.core.models import User
from otcsms.evidence.models import Document
from otcsms.ui.reviews import ReviewDue, readable


def document_reviews(user: User | None, site_ids: Sequence[int]) -> Iterator[ReviewDue]:
    documents = readable(Document, user).filter(
        site_id__in=site_ids, retired_at__isnull=True, next_review__isnull=False
    )
    for doc in documents.select_related("owner").order_by("next_review", "pk"):
        assert doc.next_review is not None
        yield ReviewDue(doc.get_kind_display(), doc.title, doc.site_id, doc.next_review,
                        reverse("web:document_detail", args=[doc.pk]), str(doc.owner or ""))  # fmt: skip
