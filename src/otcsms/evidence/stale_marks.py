"""Stale marks: how an app above evidence says that documents no longer describe what runs (the configs app:
the configuration records of an asset whose running configuration drifted from its baseline).

``mark(key, documents, reason, since)`` puts the mark ``key`` on exactly these documents (new ones created,
those no longer named lifted); ``lift(key)`` takes it off everywhere. Each mark is an audited row, written with
the acting actor; calling again with the same values writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from otcsms.evidence.models import Document, StaleMark


def mark(key: str, documents: Iterable[Document], *, reason: str, since: dt.datetime) -> int:
    """Mark ``documents`` stale as ``key``; lift ``key`` from any other document. Returns the marks made."""
    wanted = {d.pk: d for d in documents}
    made = 0
    with transaction.atomic():
        existing = {m.document_id: m for m in StaleMark.objects.filter(key=key)}
        for document_id, found in existing.items():
            if document_id not in wanted:
                found._audit_reason = "lifted"
                found.delete()
            elif found.reason != reason[:300]:
                found.reason = reason[:300]
                found.save()
        for document_id, document in sorted(wanted.items()):
            if document_id not in existing:
                StaleMark.objects.create(
                    site_id=document.site_id,
                    document=document,
                    key=key[:100],
                    reason=reason[:300],
                    since=since,
                )
                made += 1
    return made


def lift(key: str) -> int:
    """Take the mark ``key`` off every document. Returns how many were lifted."""
    lifted = 0
    with transaction.atomic():
        for found in StaleMark.objects.filter(key=key):
            found._audit_reason = "lifted"
            found.delete()
            lifted += 1
    return lifted


def marks_of(document_ids: Iterable[int]) -> dict[int, StaleMark]:
    """The oldest mark of each of ``document_ids`` that has one (one query)."""
    found: dict[int, StaleMark] = {}
    for m in StaleMark.objects.filter(document_id__in=list(document_ids)).order_by("since", "pk"):
        found.setdefault(m.document_id, m)
    return found
