"""The access-review record of a site (``otcsms report access-review``): for each review campaign (all of the
site's, newest first, or the one ``campaign`` names) its period, who started and who signed it off and when,
the count of decisions, and every grant reviewed with its reviewer, decision, comment and who decided when.
The same record as the review's spreadsheet export (``exports.review_record``), as a report.

A builder for the reports app (core.registry.ReportKind): (site, user, params) -> a mapping with title,
template, context and summary; a bad parameter is a ValueError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otcsms.access.models import ReviewCampaign, ReviewItem
from otcsms.access.services import items_for
from otcsms.core.inputs import parse_id
from otcsms.core.models import User
from otcsms.tenancy.models import Site


def build(site: Site, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    unknown = set(params) - {"campaign"}
    if unknown:
        raise ValueError(f"unknown report parameter {sorted(unknown)[0]!r:.40}; this report takes: campaign")
    campaigns = (
        ReviewCampaign.objects.for_user(user).filter(site=site).select_related("created_by", "signed_off_by")
    )
    if "campaign" in params:
        pk = parse_id(params["campaign"])
        found = campaigns.filter(pk=pk).first() if pk is not None else None
        if found is None:
            raise ValueError(f"no access review {params['campaign']!r:.40} at {site.name}")
        chosen = [found]
    else:
        chosen = list(campaigns.order_by("-period_end", "-pk"))
    sections: list[dict[str, Any]] = []
    for campaign in chosen:
        items = items_for(campaign)
        counts = {value: 0 for value, _ in ReviewItem.Decision.choices}
        for item in items:
            counts[item.decision] = counts.get(item.decision, 0) + 1
        sections.append({
            "campaign": campaign, "items": items, "counts": counts, "total": len(items),
            "signed_off": campaign.status == ReviewCampaign.Status.SIGNED_OFF,
        })  # fmt: skip
    signed = sum(campaign.status == ReviewCampaign.Status.SIGNED_OFF for campaign in chosen)
    return {
        "title": "Access-review record",
        "template": "access/report.html",
        "context": {"sections": sections, "decisions": ReviewItem.Decision.choices},
        "summary": f"{len(sections)} review{'s' if len(sections) != 1 else ''}, {signed} signed off",
    }
