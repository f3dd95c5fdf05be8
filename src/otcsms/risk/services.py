"""Workflows of C8: scenarios rated on the organisation's matrix, the matrix itself, the import of CSAF
advisories matched to a site's assets, and a scenario seeded from a vulnerability.

Plain values in, model instances out; never a request. Each write runs in one transaction (the audit trail's).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from otcsms.core.models import User
from otcsms.links.models import LinkKind
from otcsms.links.services import create_link
from otcsms.plant.models import Asset, Zone
from otcsms.risk import csaf, matching
from otcsms.risk import matrix as mx
from otcsms.risk.models import (
    Advisory,
    AssetVulnerability,
    RiskMatrix,
    ThreatScenario,
    Vulnerability,
    severity_of,
)
from otcsms.tenancy.models import Site

MAX_ADVISORY_BYTES = csaf.MAX_BYTES


class AdvisoryRefused(ValueError):
    """The advisory cannot be imported (malformed, or older than the version already imported)."""


# --- scenarios and the matrix ----------------------------------------------------------------------------
def save_scenario(scenario: ThreatScenario) -> ThreatScenario:
    """Validate (which also rates the scenario on the matrix) and save, in one transaction."""
    with transaction.atomic():
        scenario.full_clean()
        scenario.save()
    return scenario


def save_matrix(matrix: RiskMatrix) -> RiskMatrix:
    """Save the matrix and re-level every scenario of the organisation (bands may have moved)."""
    with transaction.atomic():
        matrix.full_clean()
        matrix.save()
        for scenario in ThreatScenario.objects.filter(site__organisation_id=matrix.organisation_id):
            before = (scenario.inherent_level, scenario.residual_level)
            scenario.refresh_scores(matrix)
            if (scenario.inherent_level, scenario.residual_level) != before:
                scenario.save()
    return matrix


@dataclass(frozen=True)
class ZoneRisk:
    """What a zone's detailed risks justify, beside what is recorded (62443-3-2 ZCR 5: SL-T from risk)."""

    zone: Zone
    worst_level: str  # the worst residual level, or inherent where no residual is rated
    justified_sl_t: int | None  # matrix.BAND_SL_T of worst_level: our convention
    recorded_sl_t: int | None  # the highest level of the zone's SL-T vector
    scenarios: int

    @property
    def gap(self) -> bool:
        return self.justified_sl_t is not None and (self.recorded_sl_t or 0) < self.justified_sl_t


def zone_risk(zone: Zone, scenarios: QuerySet[ThreatScenario]) -> ZoneRisk:
    rows = list(scenarios.filter(zone=zone).values_list("residual_level", "inherent_level"))
    levels = [residual or inherent for residual, inherent in rows]
    worst = max(levels, key=lambda lv: mx.LEVELS.index(lv) if lv in mx.LEVELS else -1, default="")
    vector = zone.sl_t
    return ZoneRisk(
        zone=zone, worst_level=worst, justified_sl_t=mx.BAND_SL_T.get(worst),
        recorded_sl_t=max(vector) if vector else None, scenarios=len(rows),
    )  # fmt: skip


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    consequence: int
    level: str
    inherent: int
    residual: int


def heat_map(matrix: RiskMatrix, scenarios: QuerySet[ThreatScenario]) -> list[list[HeatCell]]:
    """Rows from the highest likelihood down, cells from the lowest consequence: counts of scenarios rated
    there inherently and residually."""
    inherent: dict[tuple[int, int], int] = {}
    residual: dict[tuple[int, int], int] = {}
    for lk, c, rl, rc in scenarios.values_list(
        "inherent_likelihood", "inherent_consequence", "residual_likelihood", "residual_consequence"
    ):
        inherent[(lk, c)] = inherent.get((lk, c), 0) + 1
        if rl and rc:
            residual[(rl, rc)] = residual.get((rl, rc), 0) + 1
    return [
        [HeatCell(lk, c, matrix.level(lk, c), inherent.get((lk, c), 0), residual.get((lk, c), 0))
         for c in range(1, matrix.n_consequence + 1)]
        for lk in range(matrix.n_likelihood, 0, -1)
    ]  # fmt: skip


# --- advisories ------------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    advisory: Advisory
    outcome: str  # "created", "updated" or "unchanged"
    vulnerabilities: int = 0
    affected: int = 0
    possibly: int = 0
    unlisted: int = 0
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"site": self.advisory.site.code, "advisory_id": self.advisory.pk,
                "tracking_id": self.advisory.tracking_id, "version": self.advisory.version,
                "outcome": self.outcome, "vulnerabilities": self.vulnerabilities, "affected": self.affected,
                "possibly_affected": self.possibly, "no_longer_listed": self.unlisted, "messages": self.messages}  # fmt: skip

    def describe(self) -> str:
        a = self.advisory
        if self.outcome == "unchanged":
            return f"{a.site}: {a.tracking_id} version {a.version} is already imported (nothing changed)"
        line = (f"{a.site}: {a.tracking_id} version {a.version} {self.outcome}: {self.vulnerabilities} "
                f"vulnerabilities, {self.affected} affected and {self.possibly} possibly affected asset(s)")  # fmt: skip
        if self.unlisted:
            line += f", {self.unlisted} no longer listed"
        return line


def parse_advisory(data: bytes) -> csaf.Advisory:
    try:
        return csaf.parse(data)
    except csaf.CsafError as exc:
        raise AdvisoryRefused(str(exc)) from None


def check_not_older(parsed: csaf.Advisory, sites: Iterable[Site]) -> None:
    """Refuse a version older than one already imported on any of ``sites`` (before anything is written)."""
    for known in Advisory.objects.filter(site__in=list(sites), tracking_id=parsed.tracking_id).select_related(
        "site"
    ):
        if tuple(known.version_key) > parsed.version_key:
            raise AdvisoryRefused(
                f"{parsed.tracking_id} version {parsed.version} is older than version {known.version} "
                f"imported at {known.site}: ignored"
            )


def import_advisory(
    site: Site, data: bytes, filename: str, *, by: User | None = None, parsed: csaf.Advisory | None = None
) -> ImportResult:
    """Import (or update to a later version) an advisory for ``site`` and match it to the site's assets.
    AdvisoryRefused, with nothing written, when it is malformed or older than the imported version."""
    advisory = parsed or parse_advisory(data)
    check_not_older(advisory, [site])
    with transaction.atomic():
        row = Advisory.objects.select_for_update().filter(site=site, tracking_id=advisory.tracking_id).first()
        if row is not None and tuple(row.version_key) == advisory.version_key:
            return ImportResult(
                row, "unchanged", messages=[f"version {advisory.version} was imported before"]
            )
        outcome = "created" if row is None else "updated"
        row = row or Advisory(site=site, tracking_id=advisory.tracking_id)
        _fill_advisory(row, advisory, data, filename, by)
        result = ImportResult(row, outcome)
        _match_site(site, row, advisory, result)
    return result


def _fill_advisory(
    row: Advisory, advisory: csaf.Advisory, data: bytes, filename: str, by: User | None
) -> None:
    row.version = advisory.version
    row.version_key = list(advisory.version_key)
    row.title = advisory.title
    row.publisher = advisory.publisher[:500]
    row.category = advisory.category
    row.status = advisory.status
    row.initial_release = advisory.initial_release
    row.current_release = advisory.current_release
    row.revision_history = advisory.revision_history
    row.products = [
        {"product_id": p.product_id, "name": p.name, "vendor": p.vendor, "product": p.product,
         "version": p.version, "version_range": p.version_range, "relation": p.relation}
        for p in advisory.products.values()
    ]  # fmt: skip
    row.exploitability = advisory.exploitability
    row.filename = (filename or "advisory.json").replace("\\", "/").rsplit("/", 1)[-1][:200]
    row.sha256 = hashlib.sha256(data).hexdigest()
    row.imported_at = timezone.now()
    row.imported_by = by
    row.full_clean()
    row.save()


def _save_if_changed(obj: Any, values: dict[str, Any]) -> bool:
    changed = obj.pk is None or any(getattr(obj, k) != v for k, v in values.items())
    if changed:
        for key, value in values.items():
            setattr(obj, key, value)
        obj.full_clean()
        obj.save()
    return bool(changed)


def _match_site(site: Site, row: Advisory, advisory: csaf.Advisory, result: ImportResult) -> None:
    by_vendor: dict[str, list[tuple[Asset, matching.AssetFacts]]] = {}
    for asset in Asset.objects.filter(site=site).exclude(vendor="").exclude(model="").order_by("pk"):
        facts = matching.AssetFacts(asset.vendor, asset.model, asset.firmware)
        by_vendor.setdefault(facts.vendor_key, []).append((asset, facts))
    seen: set[int] = set()
    verdicts: dict[tuple[str, bool, int], matching.Verdict | None] = {}  # vulnerabilities share products
    for vuln in advisory.vulnerabilities:
        stored = Vulnerability.objects.filter(advisory=row, key=vuln.key).first() or Vulnerability(
            site=site, advisory=row, key=vuln.key
        )
        score = Decimal(str(round(vuln.cvss_score, 1))) if vuln.cvss_score is not None else None
        _save_if_changed(stored, {
            "cve": vuln.cve, "title": vuln.title, "cvss_score": score, "cvss_vector": vuln.cvss_vector,
            "severity": severity_of(vuln.cvss_score), "cwe": vuln.cwe[:500], "summary": vuln.summary,
            "exploitability": vuln.exploitability or advisory.exploitability,
        })  # fmt: skip
        result.vulnerabilities += 1
        known = (
            {i.asset_id: i for i in AssetVulnerability.objects.filter(vulnerability=stored)}
            if stored.pk
            else {}
        )
        new_items: list[AssetVulnerability] = []
        for asset, verdict, product in _verdicts(vuln, advisory, by_vendor, verdicts):
            values = {"product_id": product.product_id, "product_name": product.name[:500], "match": verdict.match,
                      "match_reason": verdict.reason[:1000], "remediations": vuln.remediations_for(product.product_id),
                      "listed": True}  # fmt: skip
            item = known.get(asset.pk)
            if item is not None and not item.listed and item.status_note.startswith("no longer listed"):
                # closed by an earlier revision that dropped it, listed again by this one: open again
                values |= {"status": AssetVulnerability.Status.OPEN, "status_note": f"listed again by version "
                           f"{row.version}", "status_changed_at": timezone.now()}  # fmt: skip
            if item is None:
                # New rows in bulk (audited, one event each): an advisory may hit thousands of assets.
                new_items.append(AssetVulnerability(site=site, asset=asset, vulnerability=stored, **values))
            else:
                _save_if_changed(item, values)
                seen.add(item.pk)
            if verdict.match == matching.AFFECTED:
                result.affected += 1
            else:
                result.possibly += 1
        for created in AssetVulnerability.objects.bulk_create(new_items, batch_size=1000):
            seen.add(created.pk)
    _unlist(row, seen, result)


def _verdicts(
    vuln: csaf.Vulnerability,
    advisory: csaf.Advisory,
    by_vendor: dict[str, list[tuple[Asset, matching.AssetFacts]]],
    verdicts: dict[tuple[str, bool, int], matching.Verdict | None],
) -> list[tuple[Asset, matching.Verdict, csaf.Product]]:
    """The best verdict per asset (affected over possibly affected) among the products the vulnerability lists."""
    best: dict[int, tuple[Asset, matching.Verdict, csaf.Product]] = {}
    cleared: set[int] = set()  # assets whose exact version the advisory says is fixed or not affected
    for product_id in sorted(vuln.not_affected):
        product = advisory.products[product_id]
        for asset, facts in by_vendor.get(matching.norm_vendor(product.vendor), []):
            if asset.pk not in cleared and matching.stated_not_affected(facts, product):
                cleared.add(asset.pk)
    listed = [(pid, False) for pid in sorted(vuln.affected)]
    listed += [(pid, True) for pid in sorted(vuln.under_investigation - vuln.affected)]
    for product_id, investigating in listed:
        product = advisory.products[product_id]
        for asset, facts in by_vendor.get(matching.norm_vendor(product.vendor), []):
            key = (product_id, investigating, asset.pk)
            if key not in verdicts:
                verdicts[key] = matching.judge(facts, product, under_investigation=investigating)
            verdict = verdicts[key]
            if verdict is None or asset.pk in cleared:
                continue
            known = best.get(asset.pk)
            if known is None or (known[1].match != matching.AFFECTED and verdict.match == matching.AFFECTED):
                best[asset.pk] = (asset, verdict, product)
    return [best[pk] for pk in sorted(best)]


def _unlist(row: Advisory, seen: set[int], result: ImportResult) -> None:
    """Matches of an earlier version that this one no longer lists: not listed, and an open one closed as not
    affected (with the reason); a status someone set stays."""
    stale = AssetVulnerability.objects.filter(vulnerability__advisory=row, listed=True).exclude(pk__in=seen)
    for item in stale.select_related("vulnerability", "asset"):
        item.listed = False
        if item.status == AssetVulnerability.Status.OPEN:
            item.status = AssetVulnerability.Status.NOT_AFFECTED
            item.status_note = f"no longer listed by {row.tracking_id} version {row.version}"
            item.status_changed_at = timezone.now()
        item.save()
        result.unlisted += 1
        result.messages.append(f"{item}: no longer listed by version {row.version}")


# --- a scenario from a vulnerability ---------------------------------------------------------------------
_CRITICALITY_CONSEQUENCE = {"critical": 5, "high": 4, "medium": 3, "low": 2}


def scenario_from_vulnerability(item: AssetVulnerability, *, by: User | None) -> ThreatScenario:
    """A detailed threat scenario about the asset's zone seeded from the vulnerability (likelihood from its
    CVSS score, production consequence from the asset's criticality), linked to it as its source."""
    vuln, asset = item.vulnerability, item.asset
    matrix = RiskMatrix.of(site_organisation(item.site_id))
    score = float(vuln.cvss_score or 0)
    likelihood = min(matrix.n_likelihood, 4 if score >= 9 else 3 if score >= 7 else 2)
    consequence = min(matrix.n_consequence, _CRITICALITY_CONSEQUENCE.get(asset.criticality, 3))
    network = "AV:N" in vuln.cvss_vector
    scenario = ThreatScenario(
        site_id=item.site_id, title=f"{vuln.key} exploited on {asset.name}"[:200],
        assessment=ThreatScenario.Assessment.DETAILED if asset.zone_id else ThreatScenario.Assessment.INITIAL,
        zone_id=asset.zone_id, asset=asset, threat_source=ThreatScenario.Source.CRIMINAL,
        vector=ThreatScenario.Vector.LOCAL_NETWORK if network else ThreatScenario.Vector.PHYSICAL,
        vulnerability=f"{vuln.key} ({vuln.advisory.tracking_id}): {vuln.title or vuln.summary}"[:2000],
        techniques=["T0866", "T0814"] if network else ["T0847"],
        inherent_likelihood=likelihood, inherent_consequences={"production": consequence},
    )  # fmt: skip
    with transaction.atomic():
        save_scenario(scenario)
        create_link(site_id=item.site_id, source_type="risk.threatscenario", source_id=scenario.pk,
                    target_type="risk.assetvulnerability", target_id=item.pk, kind=LinkKind.SOURCE,
                    note="seeded from the vulnerability", by=by)  # fmt: skip
    return scenario


def site_organisation(site_id: int) -> int:
    return Site.objects.filter(pk=site_id).values_list("organisation_id", flat=True).get()
