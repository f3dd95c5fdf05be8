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

**Closing.** The same run closes (status done, reason "source closed: ...") every open action of the site, from
any source, whose every source is closed (``SOURCE_CLOSED`` says what closed means per kind of record; a record
of an app above the roadmap declares it with a ``roadmap_closed(ids)`` class method). It never reopens an action,
and it leaves open, saying why, an action a person changed after its last source closed (their change is
newer than what the sync knows).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from otcsms.access.models import ReviewCampaign, ReviewItem
from otcsms.assessments.models import Response, Status
from otcsms.catalogs.models import Requirement
from otcsms.checks.models import Finding
from otcsms.core.audit import with_reason
from otcsms.core.models import AuditEvent, User
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
    closed: list[Action] = field(default_factory=list)  # done because every source closed
    kept: list[tuple[Action, str]] = field(default_factory=list)  # sources closed, left open: why

    def describe(self) -> str:
        text = (f"{len(self.created)} actions created, {len(self.updated)} updated, {self.links} links added, "
                f"{self.unchanged} unchanged, {len(self.closed)} closed (source closed)")  # fmt: skip
        if self.kept:
            text += f", {len(self.kept)} left open (changed by hand after their source closed)"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"created": [a.pk for a in self.created], "updated": [a.pk for a in self.updated],
                "links": self.links, "unchanged": self.unchanged, "closed": [a.pk for a in self.closed],
                "kept_open": [{"id": a.pk, "reason": why} for a, why in self.kept]}  # fmt: skip

    def merge(self, other: SyncResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.links += other.links
        self.unchanged += other.unchanged
        self.closed += other.closed
        self.kept += other.kept


def sync_site(site: Site, *, by: User | None = None) -> SyncResult:
    """Create or update the site's actions from its vulnerabilities and drift findings (one transaction)."""
    result = SyncResult()
    with transaction.atomic():
        _from_vulnerabilities(site, by, result)
        _from_drift(site, by, result)
        close_done(site, result)
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


# --- closing the actions whose sources are closed --------------------------------------------------------------
SOURCE_CLOSED_REASON = "source closed"
# Reasons of the writes the sources and the register make on an action by themselves: not a person's change.
_AUTOMATIC_REASONS = frozenset({"updated from its source", "risk reduction from the linked risk scenarios"})
_HAND_ACTORS = frozenset({"user", "token", "cli"})

# A closed test: the ids of records of one kind -> {id of a closed one: (how it closed, the audited objects
# whose last change closed it, as (object type, object id))}.
Closed = dict[int, tuple[str, list[tuple[str, str]]]]


def _own(label: str, rows: Iterable[tuple[int, str]]) -> Closed:
    return {pk: (how, [(label, str(pk))]) for pk, how in rows}


def _closed_findings(ids: list[int]) -> Closed:
    rows = Finding.objects.filter(pk__in=ids).exclude(status=Finding.Status.OPEN).values_list("pk", "status")
    return _own("checks.finding", ((pk, f"finding {status}") for pk, status in rows))


def _closed_vulnerabilities(ids: list[int]) -> Closed:
    """A vulnerability is closed when none of its asset vulnerabilities is open (patched, mitigated, accepted
    or not affected on every asset); its asset vulnerabilities' last changes closed it."""
    items: dict[int, list[tuple[int, str]]] = {}
    for vuln_id, pk, status, listed in AssetVulnerability.objects.filter(
        vulnerability_id__in=ids
    ).values_list("vulnerability_id", "pk", "status", "listed"):
        items.setdefault(vuln_id, []).append((pk, status if listed else "unlisted"))
    closed: Closed = {}
    for vuln_id, rows in items.items():
        if any(status == AssetVulnerability.Status.OPEN for _, status in rows):
            continue
        states = ", ".join(sorted({status for _, status in rows}))
        closed[vuln_id] = (f"vulnerability {states} on every asset",
                           [("risk.assetvulnerability", str(pk)) for pk, _ in rows])  # fmt: skip
    return closed


def _closed_asset_vulnerabilities(ids: list[int]) -> Closed:
    rows = AssetVulnerability.objects.filter(pk__in=ids).exclude(status=AssetVulnerability.Status.OPEN)
    return _own(
        "risk.assetvulnerability", ((pk, f"vulnerability {s}") for pk, s in rows.values_list("pk", "status"))
    )


def _closed_scenarios(ids: list[int]) -> Closed:
    """A risk scenario is closed when its residual risk is rated at or below its target."""
    rows = ThreatScenario.objects.filter(pk__in=ids, residual_score__isnull=False).values_list(
        "pk", "residual_score", "target_likelihood", "target_consequence"
    )
    return _own("risk.threatscenario", (
        (pk, f"risk treated to target (residual {residual} <= target {tl * tc})")
        for pk, residual, tl, tc in rows if tl and tc and residual <= tl * tc
    ))  # fmt: skip


def _closed_responses(ids: list[int]) -> Closed:
    rows = Response.objects.filter(pk__in=ids, status__in=(Status.MET, Status.NOT_APPLICABLE))
    return _own("assessments.response", ((pk, f"requirement now {s.replace('_', ' ')}")
                                         for pk, s in rows.values_list("pk", "status")))  # fmt: skip


def _closed_review_items(ids: list[int]) -> Closed:
    rows = ReviewItem.objects.filter(pk__in=ids).exclude(decision=ReviewItem.Decision.PENDING)
    return _own("access.reviewitem", ((pk, f"access review decided ({d})")
                                      for pk, d in rows.values_list("pk", "decision")))  # fmt: skip


def _closed_campaigns(ids: list[int]) -> Closed:
    rows = ReviewCampaign.objects.filter(pk__in=ids, status=ReviewCampaign.Status.SIGNED_OFF)
    return _own(
        "access.reviewcampaign",
        ((pk, "access review signed off") for pk in rows.values_list("pk", flat=True)),
    )


SOURCE_CLOSED: dict[str, Callable[[list[int]], Closed]] = {
    "checks.finding": _closed_findings,
    "risk.vulnerability": _closed_vulnerabilities,
    "risk.assetvulnerability": _closed_asset_vulnerabilities,
    "risk.threatscenario": _closed_scenarios,
    "assessments.response": _closed_responses,
    "access.reviewitem": _closed_review_items,
    "access.reviewcampaign": _closed_campaigns,
}


def _closed_test(content_type: ContentType) -> Callable[[list[int]], Closed] | None:
    """This module's test, else the model's own ``roadmap_closed(ids) -> {id: how}`` (an app above the roadmap,
    e.g. improvement's nonconformities), else None: a record that never closes by itself (a drill lesson)."""
    label = f"{content_type.app_label}.{content_type.model}"
    if label in SOURCE_CLOSED:
        return SOURCE_CLOSED[label]
    model = content_type.model_class()
    own = getattr(model, "roadmap_closed", None)
    if own is None:
        return None
    return lambda ids: _own(label, own(ids).items())


def close_done(site: Site, result: SyncResult, *, only: Iterable[int] | None = None) -> None:
    """Close (done, reason "source closed: ...") the site's open actions whose every source is closed, except
    those a person changed after the last source closed (kept open, with why, in ``result``). A constant
    number of queries per kind of source. ``only``: just these actions (a hook after one source closed)."""
    actions_q = Action.objects.filter(site=site, status__in=lifecycle.OPEN)
    if only is not None:
        actions_q = actions_q.filter(pk__in=list(only))
    open_ids = set(actions_q.values_list("pk", flat=True))
    if not open_ids:
        return
    sources: dict[int, list[tuple[int, int]]] = {}  # action id -> [(content type id, object id)]
    for action_id, type_id, target_id in ObjectLink.objects.filter(
        site=site, kind=LinkKind.SOURCE, source_type=ContentType.objects.get_for_model(Action),
        source_id__in=open_ids,
    ).values_list("source_id", "target_type_id", "target_id"):  # fmt: skip
        sources.setdefault(action_id, []).append((type_id, target_id))
    if not sources:
        return
    by_type: dict[int, set[int]] = {}
    for pairs in sources.values():
        for type_id, target_id in pairs:
            by_type.setdefault(type_id, set()).add(target_id)
    closed: dict[tuple[int, int], tuple[str, list[tuple[str, str]]]] = {}
    for type_id, ids in by_type.items():
        test = _closed_test(ContentType.objects.get_for_id(type_id))
        if test is not None:
            closed.update({(type_id, pk): found for pk, found in test(sorted(ids)).items()})
    candidates = {a: pairs for a, pairs in sources.items() if all(p in closed for p in pairs)}
    if not candidates:
        return
    keys = {key for pairs in candidates.values() for p in pairs for key in closed[p][1]}
    last_change = _last_changes(keys)
    hand = _hand_changes(list(candidates))
    today = timezone.localdate()
    actions = Action.objects.in_bulk(list(candidates))
    for action_id, pairs in sorted(candidates.items()):
        action = actions[action_id]
        closed_seq = max((last_change.get(key, 0) for p in pairs for key in closed[p][1]), default=0)
        changed = hand.get(action_id)
        if changed is not None and changed[0] > closed_seq:
            result.kept.append((action, f"sources closed, but {changed[1]} changed the action afterwards "
                                        f"({changed[2]}): close it by hand if it is done"))  # fmt: skip
            continue
        how = "; ".join(sorted({closed[p][0] for p in pairs}))
        action.status = lifecycle.DONE
        action.completed_on = today
        with_reason(action, f"{SOURCE_CLOSED_REASON}: {how}"[:500]).save()
        result.closed.append(action)


def _last_changes(keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(object type, object id) -> the sequence number of its last audit event (one query per type)."""
    by_type: dict[str, list[str]] = {}
    for object_type, object_id in keys:
        by_type.setdefault(object_type, []).append(object_id)
    found: dict[tuple[str, str], int] = {}
    for object_type, ids in by_type.items():
        for object_id, seq in (
            AuditEvent.objects.filter(object_type=object_type, object_id__in=ids)
            .values("object_id").annotate(last=Max("seq")).values_list("object_id", "last").order_by()
        ):  # fmt: skip
            found[(object_type, object_id)] = seq
    return found


def _hand_changes(action_ids: list[int]) -> dict[int, tuple[int, str, str]]:
    """Action id -> (sequence number, who, when) of its last change by a person (a user, a token or the command
    line, other than the automatic refreshes)."""
    found: dict[int, tuple[int, str, str]] = {}
    for object_id, seq, label, occurred_us, data in AuditEvent.objects.filter(
        object_type="roadmap.action", object_id__in=[str(a) for a in action_ids], actor_kind__in=_HAND_ACTORS
    ).order_by("seq").values_list("object_id", "seq", "actor_label", "occurred_us", "data"):  # fmt: skip
        if _reason_of(data) in _AUTOMATIC_REASONS:
            continue
        when = dt.datetime.fromtimestamp(occurred_us / 1e6, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        found[int(object_id)] = (seq, label, when)
    return found


def _reason_of(data: str) -> str:
    try:
        reason = json.loads(data).get("reason", "")
    except (ValueError, AttributeError):
        return ""
    return reason if isinstance(reason, str) else ""
