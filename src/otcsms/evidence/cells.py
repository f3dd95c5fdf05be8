"""The evidence cell of an assessment's answer rows (``Contributions.response_evidence``).

The assessment app is below this one and never imports it: its answer page asks the registry for every
contributed cell, given the response ids it shows, and puts the HTML it gets in the row. Each cell lists the
evidence of the response (links to it, and links to its requirement on the site), current or stale with the
reason, and a control to attach a document without leaving the page (the form loads when opened).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from otcsms.assessments.models import Response
from otcsms.catalogs.models import Requirement
from otcsms.core.models import User
from otcsms.core.scoping import may_write
from otcsms.evidence.freshness import LinkState, state_of
from otcsms.evidence.models import Document, EvidenceLink


def evidence_states(user: User, response_ids: Iterable[int]) -> dict[int, list[LinkState]]:
    """The evidence of each response the user may see: links to it and to its requirement on its site."""
    responses = list(
        Response.objects.for_user(user)
        .filter(pk__in=list(response_ids))
        .values_list("pk", "site_id", "requirement_id")
    )
    if not responses:
        return {}
    response_type = ContentType.objects.get_for_model(Response)
    requirement_type = ContentType.objects.get_for_model(Requirement)
    visible = EvidenceLink.objects.for_user(user).select_related("document", "version")
    by_response: dict[int, list[EvidenceLink]] = {}
    for link in visible.filter(target_type=response_type, target_id__in=[r[0] for r in responses]):
        by_response.setdefault(link.target_id, []).append(link)
    by_requirement: dict[tuple[int, int], list[EvidenceLink]] = {}
    sites = {r[1] for r in responses}
    for link in visible.filter(
        target_type=requirement_type, target_id__in={r[2] for r in responses}, site_id__in=sites
    ):
        by_requirement.setdefault((link.site_id, link.target_id), []).append(link)
    today = timezone.localdate()
    return {
        pk: [
            state_of(link, today)
            for link in by_response.get(pk, []) + by_requirement.get((site_id, req_id), [])
        ]
        for pk, site_id, req_id in responses
    }


def response_evidence(user: User, response_ids: Iterable[int]) -> dict[int, str]:
    states = evidence_states(user, response_ids)
    writable = {
        site_id
        for site_id in {
            s for s in Response.objects.filter(pk__in=list(states)).values_list("site_id", flat=True)
        }
        if may_write(user, Document, site_id, "change")
    }
    site_of = dict(Response.objects.filter(pk__in=list(states)).values_list("pk", "site_id"))
    return {
        pk: SafeString(render_to_string("evidence/_cell.html", {"states": found, "response_id": pk,
                                                                "can_attach": site_of.get(pk) in writable}))
        for pk, found in states.items()
    }  # fmt: skip
