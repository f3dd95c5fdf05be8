"""The readiness panel of a person's page (``Contributions.object_panels``): the training their home site
requires of them (by CSMS role) and their screening, each current, expired or missing, with a link to the full
readiness page where a privilege can be chosen."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from otcsms.org.models import Person
from otcsms.people import rules, services
from otcsms.tenancy.models import Site
from otcsms.ui.object_panels import ObjectPanel
from otcsms.ui.site_sections import SectionItem

MARKS = {"ok": "current", "expired": "EXPIRED", "missing": "MISSING"}


def readiness_of(user: Any, obj: Any) -> ObjectPanel | None:
    if not isinstance(obj, Person):
        return None
    url = reverse("web:person_readiness", args=[obj.pk])
    site = Site.objects.for_user(user).filter(pk=obj.site_id).first() if obj.site_id else None
    if site is None:
        item = SectionItem("Readiness at a site of your choice", url, "organisation-wide: choose the site")
        return ObjectPanel("Training and screening", 150, (item,), 1, list_url=url)
    book = services.ReadinessBook(site, [obj.pk], user=user)
    result = book.of(obj.pk)
    items = list(result.items)
    screenings = book.screenings.get(obj.pk, [])
    passed = [s for s in screenings if s.passed]
    if passed:
        due = max(s.next_due for s in passed)
        status = "ok" if due > book.today else "expired"
        items.append(rules.Need("screening", "personnel screening", status,
                                f"personnel risk assessment {'current until' if status == 'ok' else 'due since'} "
                                f"{due:%Y-%m-%d}", due))  # fmt: skip
    else:
        items.append(
            rules.Need("screening", "personnel screening", "missing", "no personnel risk assessment")
        )
    page = f"{url}?site={site.pk}"
    shown = tuple(
        SectionItem(n.message, page, MARKS.get(n.status, n.status))
        for n in sorted(items, key=lambda n: (n.status == "ok", n.subject))
    )
    todo = sum(1 for n in items if n.status != "ok")
    verdict = "nothing missing" if not todo else f"{todo} missing or expired"
    return ObjectPanel(f"Training and screening at {site.name}: {verdict}", 150, shown[:10], len(shown),
                       list_url=page)  # fmt: skip
