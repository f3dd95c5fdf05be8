"""Roadmap actions made from their sources: the vulnerabilities of the risk register and the drift findings of
the configuration checks. Run by the ``roadmap-from-sources`` job (as the worker), and on demand from the
actions page, ``POST /api/v1/sites/{id}/roadmap-sources/sync`` and ``otcsms roadmap sync`` (as that user).

- **Vulnerability** (``risk.vulnerability``, one per advisory and site) with at least one open, listed asset
  vulnerability: one action "Remediate <CVE> (<advisory>)", linked to it as its ``source``, listing the assets
  and the vendor's remediation, and linked (``relates-to``) to the threat scenarios seeded from its asset
  vulnerabilities, so its risk reduction comes from the register.
- **Drift finding** (``configs.drift-critical``, ``configs.drift-high``, ``configs.drift``), open: one action
  per drifted asset "Resolve the configuration drift of <asset>", linked to the finding as its ``source`` and
  satisfying the finding's requirements. When the same asset drifts again after its action was finished, the
  new finding gets a new action; while the asset's drift action is open, a new finding of it (another severity)
  is linked to that action.

One live action per source: a source already linked to an action never makes another (whatever that action's
status: a cancelled action is a decision, not a gap to fill again). A re-run updates the open actions it made
(description, links) and creates nothing twice. Every write is audited with the acting actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from otcsms.catalogs.models import Requirement
from otcsms.checks.models import Finding
from otcsms.core.audit import with_reason
from otcsms.core.models import User
from otcsms.links.models import LinkKind, ObjectLink
from otcsms.links.services import create_link
from otcsms.risk.models import AssetVulnerability, ThreatScenario, Vulnerability
from otcsms.roadmap import lifecycle, risk_links
from otcsms.roadmap.models import Action, ActionRequirement, SourceKind
from otcsms.tenancy.models import Site

DRIFT_CHECKS = ("configs.drift-critical", "configs.drift-high", "configs.drift")
# Risk points for an action while no scenario is linked (the user's estimate until the register rates it).
_VULN_POINTS = {"critical": 9, "high": 6, "medium": 3, "low": 1, "none": 1}
_DRIFT_POINTS = {"critical": 10, "high": 6, "medium": 3, "low": 1, "info": 1}
MAX_LISTED_ASSETS = 50


@dataclass
class SyncResult:
    created: list[Action] = field(default_factory=list)
    updated: list[Action] = field(default_factory=list)
    links: int = 0  # new source / relates-to links on existing actions
    unchanged: int = 0

    def describe(self) -> str:
        return (f"{len(self.created)} actions created, {len(self.updated)} updated, {self.links} links added, "
                f"{self.unchanged} unchanged")  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {"created": [a.pk for a in self.created], "updated": [a.pk for a in self.updated],
                "links": self.links, "unchanged": self.unchanged}  # fmt: skip

    def merge(self, other: SyncResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.links += other.links
        self.unchanged += other.unchanged


def sync_site(site: Site, *, by: User | None = None) -> SyncResult:
    """Create or update the site's actions from its vulnerabilities and drift findings (one transaction)."""
    result = SyncResult()
    with transaction.atomic():
        _from_vulnerabilities(site, by, result)
        _from_drift(site, by, result)
    return result


def sync_all() -> SyncResult:
    """Every site, each in its own transaction (the job)."""
    total = SyncResult()
    for site in Site.objects.order_by("pk"):
        total.merge(sync_site(site))
    return total


# --- helpers ---------------------------------------------------------------------------------------------------
def _sources_of(site: Site, model: type[Any]) -> dict[int, list[int]]:
    """target id -> ids of the actions that have it as their source (on the site)."""
    found: dict[int, list[int]] = {}
    for action_id, target_id in ObjectLink.objects.filter(
        site=site, kind=LinkKind.SOURCE, source_type=ContentType.objects.get_for_model(Action),
        target_type=ContentType.objects.get_for_model(model),
    ).values_list("source_id", "target_id"):  # fmt: skip
        found.setdefault(target_id, []).append(action_id)
    return found


def _link(action: Action, label: str, target_id: int, kind: str, note: str, by: User | None) -> None:
    create_link(site_id=action.site_id, source_type="roadmap.action", source_id=action.pk, target_type=label,
                target_id=target_id, kind=kind, note=note[:200], by=by)  # fmt: skip


def _update(action: Action, description: str, result: SyncResult) -> bool:
    """Refresh an open action's description (what the source says now); True when it changed."""
    if action.description == description:
        return False
    action.description = description
    with_reason(action, "updated from its source").save()
    result.updated.append(action)
    return True


# --- vulnerabilities ---------------------------------------------------------------------------------------------
def _from_vulnerabilities(site: Site, by: User | None, result: SyncResult) -> None:
    items = list(
        AssetVulnerability.objects.filter(site=site, status=AssetVulnerability.Status.OPEN, listed=True)
        .select_related("asset", "vulnerability__advisory")
        .order_by("vulnerability_id", "asset__name", "pk")
    )
    by_vuln: dict[int, list[AssetVulnerability]] = {}
    for item in items:
        by_vuln.setdefault(item.vulnerability_id, []).append(item)
    if not by_vuln:
        return
    linked = _sources_of(site, Vulnerability)
    scenarios = _scenarios_from(site, [i.pk for i in items])
    actions = Action.objects.in_bulk([a for ids in linked.values() for a in ids])
    for vuln_id, rows in by_vuln.items():
        vuln = rows[0].vulnerability
        description = _vuln_description(vuln, rows)
        wanted = sorted({s for item in rows for s in scenarios.get(item.pk, ())})
        existing = [actions[a] for a in linked.get(vuln_id, ()) if a in actions]
        if existing:
            live = [a for a in existing if a.status in lifecycle.OPEN]
            if not live:
                result.unchanged += 1
                continue
            action = live[0]
            changed = _update(action, description, result) if action.status == lifecycle.PROPOSED else False
            added = _link_scenarios(action, wanted, by)
            result.links += added
            if added:
                risk_links.refresh([action])
            if not changed and not added:
                result.unchanged += 1
            continue
        action = Action(
            site=site, title=f"Remediate {vuln.key} ({vuln.advisory.tracking_id})"[:200], description=description,
            source_kind=SourceKind.VULNERABILITY, effort_days=Decimal(max(1, len(rows))) / 2,
            risk_reduction=Decimal(_VULN_POINTS.get(vuln.severity, 1)),
        )  # fmt: skip
        action.full_clean()
        action.save()
        _link(
            action, "risk.vulnerability", vuln.pk, LinkKind.SOURCE, f"{vuln.key} on {len(rows)} asset(s)", by
        )
        _link_scenarios(action, wanted, by)
        risk_links.refresh([action])
        result.created.append(action)


def _scenarios_from(site: Site, item_ids: list[int]) -> dict[int, list[int]]:
    """asset vulnerability id -> the threat scenarios seeded from it (their ``source`` link)."""
    found: dict[int, list[int]] = {}
    for scenario_id, item_id in ObjectLink.objects.filter(
        site=site, kind=LinkKind.SOURCE, source_type=ContentType.objects.get_for_model(ThreatScenario),
        target_type=ContentType.objects.get_for_model(AssetVulnerability), target_id__in=item_ids,
    ).values_list("source_id", "target_id"):  # fmt: skip
        found.setdefault(item_id, []).append(scenario_id)
    return found


def _link_scenarios(action: Action, scenario_ids: list[int], by: User | None) -> int:
    have = set(
        ObjectLink.objects.filter(
            source_type=ContentType.objects.get_for_model(Action), source_id=action.pk,
            target_type=ContentType.objects.get_for_model(ThreatScenario),
        ).values_list("target_id", flat=True)
    )  # fmt: skip
    added = 0
    for scenario_id in scenario_ids:
        if scenario_id not in have:
            _link(action, "risk.threatscenario", scenario_id, LinkKind.RELATES_TO, "the risk it reduces", by)
            added += 1
    return added


def _vuln_description(vuln: Vulnerability, rows: list[AssetVulnerability]) -> str:
    score = (
        f"CVSS {vuln.cvss_score} ({vuln.get_severity_display().lower()})" if vuln.cvss_score else "not scored"
    )
    lines = [f"{vuln.key}: {vuln.title or vuln.summary}"[:500], f"{score}; advisory {vuln.advisory}.", "",
             f"Open on {len(rows)} asset(s):"]  # fmt: skip
    lines += [f"- {r.asset.name} ({r.product_name[:120]})" for r in rows[:MAX_LISTED_ASSETS]]
    if len(rows) > MAX_LISTED_ASSETS:
        lines.append(f"- and {len(rows) - MAX_LISTED_ASSETS} more")
    fixes = {f"{r['category']}: {r['details']}"[:400] for row in rows for r in row.remediations or []}
    if fixes:
        lines += ["", "Vendor remediation:", *(f"- {f}" for f in sorted(fixes)[:10])]
    if vuln.exploitability:
        lines += ["", f"Exploitability: {vuln.exploitability[:500]}"]
    return "\n".join(lines)[:5000]


# --- drift -------------------------------------------------------------------------------------------------------
def _from_drift(site: Site, by: User | None, result: SyncResult) -> None:
    findings = list(
        Finding.objects.filter(site=site, check_id__in=DRIFT_CHECKS, status=Finding.Status.OPEN).order_by(
            "pk"
        )
    )
    if not findings:
        return
    linked = _sources_of(site, Finding)
    # Every drift finding ever linked at the site, to find the open action of the same asset.
    earlier = dict(
        Finding.objects.filter(pk__in=list(linked), check_id__in=DRIFT_CHECKS).values_list("pk", "object_id")
    )
    actions = Action.objects.in_bulk([a for ids in linked.values() for a in ids])
    open_by_asset: dict[int, Action] = {}
    for finding_id, object_id in sorted(earlier.items()):
        for action_id in linked.get(finding_id, ()):
            action = actions.get(action_id)
            if action is not None and action.status in lifecycle.OPEN:
                open_by_asset.setdefault(object_id, action)
    for finding in findings:
        description = _drift_description(finding)
        if finding.pk in linked:
            action = open_by_asset.get(finding.object_id)
            if action is not None and action.status == lifecycle.PROPOSED and action.pk in linked[finding.pk]:
                if not _update(action, description, result):
                    result.unchanged += 1
            else:
                result.unchanged += 1
            continue
        action = open_by_asset.get(finding.object_id)
        if action is not None:
            _link(action, "checks.finding", finding.pk, LinkKind.SOURCE, finding.check_id, by)
            result.links += 1
            if action.status == lifecycle.PROPOSED:
                _update(action, description, result)
            continue
        action = Action(
            site=site, title=f"Resolve the configuration drift of {finding.object_repr}"[:200],
            description=description, source_kind=SourceKind.DRIFT, effort_days=Decimal("1"),
            risk_reduction=Decimal(_DRIFT_POINTS.get(finding.severity, 1)),
        )  # fmt: skip
        action.full_clean()
        action.save()
        _link(action, "checks.finding", finding.pk, LinkKind.SOURCE, finding.check_id, by)
        _requirements(action, finding)
        open_by_asset[finding.object_id] = action
        result.created.append(action)


def _drift_description(finding: Finding) -> str:
    return (f"{finding.message}\n\nRestore the approved configuration, or approve the change as the new baseline "
            f"or as a deviation with its ticket (the asset's configuration page).")[:5000]  # fmt: skip


def _requirements(action: Action, finding: Finding) -> None:
    for framework, ref in finding.requirements or []:
        requirement = Requirement.objects.filter(framework__key=framework, ref=ref).order_by("-pk").first()
        if requirement is not None:
            ActionRequirement.objects.get_or_create(
                site_id=action.site_id, action=action, requirement=requirement
            )
