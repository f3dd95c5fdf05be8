"""Continuous checks of C12 that need several apps at once (declared as checks_module in
improvement/registry.py): a protocol newly deployed in a zone with no policy or risk review since.

A zone's first OPC UA, Modbus or DNP3 endpoint changes its attack surface: the threat model (risk) or the
policies (evidence) should be reviewed after it appeared. When it appeared is when its endpoint was created, read
from the audit trail (every endpoint's creation is an event), so no app needs a field for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Min
from django.utils import timezone

from otcsms.checks.engine import Problem, check
from otcsms.core.models import AuditEvent
from otcsms.evidence.models import DocumentKind, DocumentReview, DocumentVersion
from otcsms.plant.models import ProtocolEndpoint, Zone
from otcsms.risk.models import ThreatModelReview
from otcsms.tenancy.models import Site

NEW_WITHIN_DAYS = 365  # a protocol first seen in a zone longer ago is not "newly deployed"
FAMILIES = (("modbus", "Modbus"), ("dnp3", "DNP3"), ("opc", "OPC UA"))


def family_of(protocol: str) -> str | None:
    """The industrial protocol family this check watches ("opc-ua" -> "OPC UA"), or None."""
    name = protocol.lower()
    return next((label for prefix, label in FAMILIES if name.startswith(prefix)), None)


def first_appearances(site: Site) -> dict[tuple[int, str], dt.datetime]:
    """(zone id, protocol family) -> when its first endpoint in that zone was created (two queries).

    Ids are given in creation order, so the first endpoint of a zone and family is its lowest id: the database
    groups the endpoints (a row per zone and protocol, not per endpoint) and the audit trail is asked for the
    creation of those few only."""
    firsts: dict[tuple[int, str], int] = {}
    for zone_id, protocol, first_pk in (
        ProtocolEndpoint.objects.filter(asset__site=site, asset__zone__isnull=False)
        .values("asset__zone_id", "protocol").annotate(first=Min("pk"))
        .values_list("asset__zone_id", "protocol", "first").order_by()
    ):  # fmt: skip
        if family := family_of(protocol):
            key = (zone_id, family)
            firsts[key] = min(firsts.get(key, first_pk), first_pk)
    if not firsts:
        return {}
    created = AuditEvent.objects.filter(
        site_id=site.pk, object_type=ProtocolEndpoint._meta.label_lower, action="create",
        object_id__in=[str(pk) for pk in firsts.values()],
    ).values_list("object_id", "occurred_us")  # fmt: skip
    when_of = {
        int(object_id): dt.datetime.fromtimestamp(occurred_us / 1_000_000, tz=dt.UTC)
        for object_id, occurred_us in created.order_by()
    }
    # Every stored endpoint has its creation event once its transaction commits; one without is being created
    # in the transaction this check runs in (the demo's load, an import followed by a check): it appears now.
    now = timezone.now()
    return {key: when_of.get(pk, now) for key, pk in firsts.items()}


def last_reviews(site: Site) -> tuple[dt.date | None, dict[int, dt.date], dt.datetime | None]:
    """The site's newest site-wide threat-model review, the newest per zone, and the newest policy review or
    policy approval (three queries)."""
    site_wide: dt.date | None = None
    per_zone: dict[int, dt.date] = {}
    for zone_id, on in ThreatModelReview.objects.filter(site=site).values_list("zone_id", "reviewed_on"):
        if zone_id is None:
            site_wide = max(site_wide, on) if site_wide else on
        else:
            per_zone[zone_id] = max(per_zone.get(zone_id, on), on)
    policy = [
        DocumentReview.objects.filter(site=site, document__kind=DocumentKind.POLICY)
        .order_by("-reviewed_at").values_list("reviewed_at", flat=True).first(),
        DocumentVersion.objects.filter(site=site, document__kind=DocumentKind.POLICY, approved_at__isnull=False)
        .order_by("-approved_at").values_list("approved_at", flat=True).first(),
    ]  # fmt: skip
    known = [when for when in policy if when is not None]
    return site_wide, per_zone, max(known) if known else None


@check(
    id="improvement.protocol-new-without-review",
    title="Protocol newly deployed in a zone without a policy or risk review since",
    severity="medium",
    requirements=(("iec62443-3-2", "ZCR 5"), ("nerc-cip", "CIP-010-4 R1.3")),
    remediation="Review the zone's threat model (Risks: a threat-model review of the zone or the site) or the "
    "policy that governs the protocol, taking the new endpoints into account.",
)
def protocol_new_without_review(site: Site) -> Iterator[Problem]:
    since = timezone.now() - dt.timedelta(days=NEW_WITHIN_DAYS)
    recent = {key: when for key, when in first_appearances(site).items() if when >= since}
    if not recent:
        return
    site_wide, per_zone, policy = last_reviews(site)
    unreviewed: dict[int, list[tuple[str, dt.datetime]]] = {}
    for (zone_id, family), when in recent.items():
        day = when.date()
        if (site_wide and site_wide >= day) or (per_zone.get(zone_id) and per_zone[zone_id] >= day):
            continue
        if policy is not None and policy.date() >= day:  # by day, like the threat-model reviews
            continue
        unreviewed.setdefault(zone_id, []).append((family, when))
    zones = Zone.objects.in_bulk(list(unreviewed))
    for zone_id in sorted(unreviewed, key=lambda z: zones[z].name):
        what = "; ".join(f"{family} since {when:%Y-%m-%d}" for family, when in sorted(unreviewed[zone_id]))
        yield Problem(zones[zone_id], f"{zones[zone_id].name}: first {what}, with no threat-model or policy review "
                                      "since")  # fmt: skip
