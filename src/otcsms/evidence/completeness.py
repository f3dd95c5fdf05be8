"""The documentation-completeness audit of a site: what should be evidenced, what is, and the gaps.

Five questions, each a count of what is in order out of what should be, and the list behind it:
    requirements   in-scope requirement slots of the newest assessment per framework with current evidence
                   (a current link to the slot's response, or to the requirement on this site)
    evidence       evidence links that are current (not superseded, retired, past review or validity)
    zones          zones covered by a current approved network diagram
    assets         assets covered by a current approved configuration record
    policies       policies (not retired) with an owner
The site's score is everything in order over everything counted, in percent (100 when nothing is counted).
A few queries per site, whatever the number of links: sets of ids, never a query per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from otcsms.assessments import services as assessment_services
from otcsms.assessments.models import Assessment, Response
from otcsms.assessments.scope import Slot
from otcsms.catalogs.models import Requirement
from otcsms.core.models import Audited
from otcsms.evidence.freshness import current_documents_q, current_links_q, state_of
from otcsms.evidence.models import CoveredAsset, CoveredZone, Document, DocumentKind, EvidenceLink
from otcsms.plant.models import Asset, Zone
from otcsms.tenancy.models import Site

CATEGORIES = ("requirements", "evidence", "zones", "assets", "policies")
MAX_LISTED = 500  # per category, for pages; counts are always complete


@dataclass(frozen=True, slots=True)
class Gap:
    category: str
    object: Audited
    message: str


@dataclass
class Completeness:
    site: Site
    in_order: dict[str, int] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def score(self) -> int:
        total = sum(self.counted.values())
        return 100 if total == 0 else round(100 * sum(self.in_order.values()) / total)

    def gaps_of(self, category: str) -> list[Gap]:
        return [g for g in self.gaps if g.category == category]

    def as_counts(self) -> dict[str, list[int]]:
        return {c: [self.in_order.get(c, 0), self.counted.get(c, 0)] for c in CATEGORIES}


def audit_site(
    site: Site, today: date | None = None, categories: tuple[str, ...] = CATEGORIES
) -> Completeness:
    day = today or timezone.localdate()
    result = Completeness(site)
    for category in categories:
        ok, total, gaps = _AUDITS[category](site, day)
        result.in_order[category], result.counted[category] = ok, total
        result.gaps.extend(gaps)
    return result


def newest_assessments(site: Site) -> list[Assessment]:
    newest: dict[int, Assessment] = {}
    for assessment in (
        Assessment.objects.filter(site=site).select_related("framework").order_by("started_on", "pk")
    ):
        newest[assessment.framework_id] = assessment
    return list(newest.values())


def unevidenced_slots(
    site: Site, day: date
) -> Iterator[tuple[Assessment, int, list[tuple[Slot, int | None]]]]:
    """Per newest assessment of the site: its number of in-scope slots, and those without current evidence (the
    slot, and its answer's id when it has one). Plain values: model instances cost more than the rest together."""
    links = EvidenceLink.objects.filter(site=site).filter(current_links_q(day))
    response_type = ContentType.objects.get_for_model(Response)
    requirement_type = ContentType.objects.get_for_model(Requirement)
    evidenced_responses: set[int | None] = set()
    evidenced_requirements: set[int] = set()
    pairs = links.filter(target_type__in=(response_type, requirement_type)).values_list(
        "target_type_id", "target_id"
    )
    for type_id, target_id in pairs:
        (evidenced_responses if type_id == response_type.pk else evidenced_requirements).add(target_id)
    for assessment in newest_assessments(site):
        rows = Response.objects.filter(assessment=assessment).values_list("pk", "requirement_id", "zone_id")
        responses: dict[tuple[int, int | None], int] = {(req, zone): pk for pk, req, zone in rows}
        slots = assessment_services.slots(assessment)
        missing = [
            (slot, response_id) for slot in slots
            if slot.requirement_id not in evidenced_requirements
            and (response_id := responses.get((slot.requirement_id, slot.zone_id))) not in evidenced_responses
        ]  # fmt: skip
        yield assessment, len(slots), missing


def unevidenced_message(assessment: Assessment, refs: list[str]) -> str:
    shown = ", ".join(dict.fromkeys(refs[:10]))
    return (f"{len(refs)} in-scope requirement slots of {assessment.name} have no current evidence "
            f"({shown}{', ...' if len(refs) > 10 else ''})")  # fmt: skip


def _requirements(site: Site, day: date) -> tuple[int, int, list[Gap]]:
    ok = total = 0
    gaps: list[Gap] = []
    zone_names = dict(Zone.objects.filter(site=site).values_list("pk", "name"))
    for assessment, count, missing in unevidenced_slots(site, day):
        total += count
        ok += count - len(missing)
        for slot, response_id in missing:
            if response_id is not None and len(gaps) < MAX_LISTED:
                where = f" in {zone_names.get(slot.zone_id or 0, '')}" if slot.zone_id else ""
                response = Response(pk=response_id, site_id=site.pk, assessment_id=assessment.pk,
                                    requirement_id=slot.requirement_id, zone_id=slot.zone_id)  # fmt: skip
                gaps.append(Gap("requirements", response, f"{slot.ref}{where} has no current evidence"))
        if missing:
            gaps.append(
                Gap("requirements", assessment, unevidenced_message(assessment, [s.ref for s, _ in missing]))
            )
    return ok, total, gaps


def _evidence(site: Site, day: date) -> tuple[int, int, list[Gap]]:
    links = EvidenceLink.objects.filter(site=site)
    total = links.count()
    stale = links.exclude(current_links_q(day)).select_related("document", "version")
    gaps = [Gap("evidence", link, f"{link}: {state_of(link, day).why}") for link in stale[:MAX_LISTED]]
    stale_count = stale.count() if len(gaps) >= MAX_LISTED else len(gaps)
    return total - stale_count, total, gaps


def _covered(site: Site, day: date, kind: str, model: type[Zone] | type[Asset], through: type[CoveredZone] | type[CoveredAsset], category: str, what: str) -> tuple[int, int, list[Gap]]:  # fmt: skip
    current = Document.objects.filter(site=site, kind=kind).filter(current_documents_q(day))
    field_name = "zone_id" if through is CoveredZone else "asset_id"
    covered = set(through.objects.filter(document__in=current).values_list(field_name, flat=True))
    rows = model.objects.filter(site=site).only("pk", "name", "site_id")
    total = ok = 0
    gaps: list[Gap] = []
    for row in rows:
        total += 1
        if row.pk in covered:
            ok += 1
        elif len(gaps) < MAX_LISTED:
            gaps.append(Gap(category, row, f"{model._meta.verbose_name} {row.name} has no {what}"))
    return ok, total, gaps


def _zones(site: Site, day: date) -> tuple[int, int, list[Gap]]:
    return _covered(site, day, DocumentKind.NETWORK_DIAGRAM, Zone, CoveredZone, "zones",
                    "current approved network diagram")  # fmt: skip


def _assets(site: Site, day: date) -> tuple[int, int, list[Gap]]:
    return _covered(site, day, DocumentKind.CONFIGURATION, Asset, CoveredAsset, "assets",
                    "current approved configuration record")  # fmt: skip


def _policies(site: Site, day: date) -> tuple[int, int, list[Gap]]:
    # the site's own policies and those of other sites covering it (a group policy is the site's policy too)
    policies = Document.objects.for_site(site.pk).filter(kind=DocumentKind.POLICY, retired_at__isnull=True)
    total = policies.count()
    orphans = list(policies.filter(owner__isnull=True)[:MAX_LISTED])
    gaps = [Gap("policies", p, f"policy {p.title} has no owner") for p in orphans]
    return total - policies.filter(owner__isnull=True).count(), total, gaps


_AUDITS = {
    "requirements": _requirements, "evidence": _evidence, "zones": _zones, "assets": _assets,
    "policies": _policies,
}  # fmt: skip
