"""The roadmap of the demo operator: business goals; actions on each site from its real assessment gaps (the
shipped templates), from drift findings and by hand, from the open vulnerabilities (roadmap.sources), with
dependencies; and a plan per site with budgets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from otcsms.assessments.models import Assessment
from otcsms.checks.models import Finding
from otcsms.core.models import User
from otcsms.core.registry import DemoSummary
from otcsms.roadmap import services, sources
from otcsms.roadmap.models import Action, BusinessGoal, RoadmapPlan
from otcsms.tenancy.models import Site

GOALS = [
    (
        "Keep production running",
        "No unplanned stop of treatment, generation or packaging caused by a cyber event.",
    ),
    (
        "Pass the NERC CIP audit",
        "No possible violation found at the next compliance audit of the substation.",
    ),
    ("Protect public health", "Safe drinking water: no tampering with dosing or disinfection."),
    ("Reduce the insurance premium", "Show the insurer the controls it asks about at renewal."),
]

# site code: how many suggested actions to create from its assessment, the goal they serve, budgets per phase
SITES = {
    "riverside-wtp": (5, "Protect public health", [60000, 120000, 150000], [60, 120, 200]),
    "cedar-ridge-sub": (5, "Pass the NERC CIP audit", [50000, 100000, 100000], [50, 100, 150]),
    "harbor-pkg": (4, "Keep production running", [30000, 80000, 80000], [40, 80, 120]),
}

# site code, title, effort, cost, risk points, goal, depends on (titles), status
BY_HAND = [
    ("riverside-wtp", "Replace the unsupported HMI operating system on the filter gallery", 15, 45000, 14,
     "Keep production running", ["Establish OT patch and vulnerability management"], "proposed"),
    ("riverside-wtp", "Document the dosing PLC safe state after loss of communication", 4, 0, 6,
     "Protect public health", [], "in_progress"),
    ("cedar-ridge-sub", "Move the relay engineering laptop into the ESP with a dedicated jump host", 10, 18000, 9,
     "Pass the NERC CIP audit", [], "planned"),
    ("cedar-ridge-sub", "Retire the shared 'engineer' account on the RTU", 2, 0, 7,
     "Pass the NERC CIP audit", ["Move the relay engineering laptop into the ESP with a dedicated jump host"], "proposed"),
    ("harbor-pkg", "Agree a maintenance window with the line vendor for firmware updates", 3, 0, 3,
     "Keep production running", [], "done"),
    ("harbor-pkg", "Update the filler PLC firmware to the vendor's fixed release", 6, 12000, 10,
     "Keep production running", ["Agree a maintenance window with the line vendor for firmware updates"], "proposed"),
]  # fmt: skip


def load_demo_roadmap(summary: DemoSummary) -> None:
    """Goals, actions and plans; nothing when any roadmap action exists."""
    if Action.objects.exists():
        return
    goals = {}
    for order, (name, description) in enumerate(GOALS):
        goals[name] = BusinessGoal.objects.filter(name=name).first() or BusinessGoal.objects.create(
            name=name, description=description, order=order * 10
        )
    admin = User.objects.filter(is_org_admin=True).order_by("pk").first()
    for code, (count, goal, _budgets, _capacity) in SITES.items():
        site = Site.objects.filter(code=code).first()
        assessment = Assessment.objects.filter(site=site).order_by("pk").first() if site else None
        if site is None or assessment is None or admin is None:
            continue
        keys = [s.template.key for s in services.suggestions(assessment, admin)[:count]]
        created = services.create_from_suggestions(admin, assessment, keys, goal_id=goals[goal].pk)
        _owners(site, created)
        _from_drift(site, admin, goals["Keep production running"])
    _by_hand(goals)
    _link_suggested(goals)
    for site in Site.objects.order_by(
        "pk"
    ):  # the open vulnerabilities (and drift not yet handled): one action each
        sources.sync_site(site)
    for code, (_count, _goal, budgets, capacities) in SITES.items():
        site = Site.objects.filter(code=code).first()
        if site is None or not Action.objects.filter(site=site).exists():
            continue
        plan = RoadmapPlan(site=site, starts_on=timezone.localdate())
        plan.phases = [{**p, "budget": b, "capacity": c}
                       for p, b, c in zip(plan.phases, budgets, capacities, strict=True)]  # fmt: skip
        plan.full_clean()
        plan.save()
        services.run_plan(None, plan)


def _owners(site: Site, actions: list[Action]) -> None:
    """Give the first actions an owner from the site's members (the demo users)."""
    members = list(User.objects.filter(memberships__site=site, memberships__role__in=(
        "contributor", "approver", "site-admin")).order_by("username"))  # fmt: skip
    if not members:
        return
    today = timezone.localdate()
    for i, action in enumerate(actions):
        action.owner = members[i % len(members)]
        action.due_on = today + timedelta(days=60 + 45 * i)
        services.save_action(action)


def _from_drift(site: Site, admin: User, goal: BusinessGoal) -> None:
    """One action per open drift finding of the site (the configs checks), linked to it."""
    for finding in Finding.objects.filter(site=site, check_id__startswith="configs.drift", status="open")[:2]:
        action = services.save_action(Action(
            site=site, title=f"Restore or approve the configuration of {finding.object_repr}"[:200],
            description=f"The check found: {finding.message}", effort_days=Decimal("2"), cost=Decimal("0"),
            risk_reduction=Decimal("8" if finding.severity in ("critical", "high") else "4"), goal=goal,
        ))  # fmt: skip
        services.link_source(action, "checks.finding", finding.pk, by=None, note="drift found by the checks")


def _by_hand(goals: dict[str, BusinessGoal]) -> None:
    admin = User.objects.filter(is_org_admin=True).order_by("pk").first()
    for code, title, effort, cost, risk, goal, depends_on, status in BY_HAND:
        site = Site.objects.filter(code=code).first()
        if site is None:
            continue
        action = services.save_action(Action(
            site=site, title=title, effort_days=Decimal(effort), cost=Decimal(cost), risk_reduction=Decimal(risk),
            goal=goals[goal],
        ))  # fmt: skip
        ids = list(Action.objects.filter(site=site, title__in=depends_on).values_list("pk", flat=True))
        if ids:
            services.set_dependencies(action, ids)
        path = {"planned": ["plan"], "in_progress": ["plan", "start"], "done": ["plan", "start", "finish"]}
        for step in path.get(status, []):
            if admin is not None:
                services.transition(admin, action, step)


def _link_suggested(goals: dict[str, BusinessGoal]) -> None:
    """Dependencies between actions that follow from one another: training after role-based access, monitoring
    after segmentation, drills after backups and monitoring, fixing drift once baselines are approved."""
    pairs = [("ot-training", "role-based-access"), ("event-monitoring", "segmentation"),
             ("incident-drills", "event-monitoring"), ("mfa", "role-based-access"),
             ("secure-remote-access", "role-based-access"), ("event-monitoring", "configuration-baselines"),
             ("patch-management", "asset-inventory"), ("configuration-baselines", "asset-inventory"),
             ("backup-restore", "asset-inventory"), ("incident-drills", "backup-restore"),
             ("drift", "configuration-baselines")]  # fmt: skip
    for site in Site.objects.all():
        by_key = {a.template_key: a for a in Action.objects.filter(site=site).exclude(template_key="")}
        drift = Action.objects.filter(site=site, source_kind="drift").order_by("pk").first()
        if drift is not None:
            by_key["drift"] = drift
        for later, first in pairs:
            if later in by_key and first in by_key:
                services.set_dependencies(by_key[later], [
                    *by_key[later].dependency_rows.values_list("depends_on_id", flat=True), by_key[first].pk])  # fmt: skip
