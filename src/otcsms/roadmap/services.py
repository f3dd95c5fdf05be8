"""Workflows of C9: saving an action with its requirements and dependencies, its status transitions, where it
came from, actions suggested from an assessment's gaps, and each site's plan.

Plain values and model instances in, model instances out; never a request. Every write runs in one
transaction, and the audit trail records each row with the acting actor (set by the entry point).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from otcsms.assessments.models import Assessment, Response
from otcsms.catalogs.models import Requirement
from otcsms.core.audit import with_reason
from otcsms.core.crud import scoped
from otcsms.core.models import User
from otcsms.core.scoping import can, may_write
from otcsms.links.models import LinkKind, ObjectLink
from otcsms.links.services import LinkConflictError, LinkForbiddenError, LinkInputError, create_link
from otcsms.roadmap import lifecycle, planner, risk_links, templates
from otcsms.roadmap.models import Action, ActionDependency, ActionRequirement, RoadmapPlan, SourceKind
from otcsms.roadmap.phases import phases_problem, to_planner, with_limits
from otcsms.tenancy.models import Site

GAP_STATUSES = ("not_met", "partially_met")
MAX_SOURCE_LINKS = 100  # one suggested action may answer a gap in many zones: link the first hundred


class RoadmapInputError(ValueError):
    """A value the roadmap cannot take (422)."""


class RoadmapForbiddenError(Exception):
    """The user may not do this (403)."""


class RoadmapStateError(Exception):
    """Not in a state that allows it (409)."""


def _first_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        name, messages = next(iter(exc.message_dict.items()))
        return f"{name}: {messages[0]}"
    return exc.messages[0]


# --- actions, requirements, dependencies -----------------------------------------------------------------
def save_action(
    action: Action,
    *,
    requirement_ids: Sequence[int] | None = None,
    depends_on_ids: Sequence[int] | None = None,
) -> Action:
    """Validate and save ``action``; when given, make its requirements and dependencies exactly these.

    The caller checked the user's right to write on the action's site and that the ids name records the user
    can see. A dependency on another site's or another organisation's action, or one closing a cycle, is
    refused with RoadmapInputError naming it; nothing is written then.
    """
    with transaction.atomic():
        action.full_clean()
        action.save()
        if requirement_ids is not None:
            _set_requirements(action, requirement_ids)
        if depends_on_ids is not None:
            set_dependencies(action, depends_on_ids)
        risk_links.refresh([action])
    return action


def _set_requirements(action: Action, requirement_ids: Iterable[int]) -> None:
    wanted = set(requirement_ids)
    found = set(Requirement.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if missing := sorted(wanted - found):
        raise RoadmapInputError(f"requirement_ids: no requirement with id {missing[0]}")
    rows = {r.requirement_id: r for r in ActionRequirement.objects.filter(action=action)}
    for requirement_id, row in rows.items():
        if requirement_id not in wanted:
            row.delete()
    for requirement_id in sorted(wanted - set(rows)):
        ActionRequirement.objects.create(site_id=action.site_id, action=action, requirement_id=requirement_id)


def dependency_problem(action: Action, other: Action) -> str | None:
    """Why ``action`` may not depend on ``other`` on its own (before looking for cycles), or None."""
    if other.pk == action.pk:
        return f"{action} cannot depend on itself"
    if other.site_id != action.site_id:
        if other.site.organisation_id != action.site.organisation_id:
            return f"{other} is an action of another organisation: an action depends only on its own site's actions"
        return f"{other} is an action of another site ({other.site}): an action depends only on its own site's actions"
    return None


def set_dependencies(action: Action, depends_on_ids: Iterable[int]) -> None:
    """Make ``action`` depend on exactly ``depends_on_ids`` (same site, no cycle)."""
    wanted = set(depends_on_ids)
    others = Action.objects.select_related("site").in_bulk(list(wanted))
    if missing := sorted(wanted - set(others)):
        raise RoadmapInputError(f"depends_on_ids: no roadmap action with id {missing[0]}")
    for other in others.values():
        if problem := dependency_problem(action, other):
            raise RoadmapInputError(f"depends_on_ids: {problem}")
    if cycle := cycle_through(action, wanted):
        raise RoadmapInputError("depends_on_ids: this closes a dependency cycle: " + " -> ".join(cycle))
    rows = {r.depends_on_id: r for r in ActionDependency.objects.filter(action=action)}
    for other_id, row in rows.items():
        if other_id not in wanted:
            row.delete()
    for other_id in sorted(wanted - set(rows)):
        ActionDependency.objects.create(site_id=action.site_id, action=action, depends_on_id=other_id)


def add_dependency(action: Action, other: Action) -> ActionDependency:
    """One more dependency of ``action`` (the API's action-dependencies create)."""
    if problem := dependency_problem(action, other):
        raise RoadmapInputError(f"depends_on_id: {problem}")
    if ActionDependency.objects.filter(action=action, depends_on=other).exists():
        raise RoadmapStateError(f"{action} already depends on {other}")
    if cycle := cycle_through(action, {other.pk}):
        raise RoadmapInputError("depends_on_id: this closes a dependency cycle: " + " -> ".join(cycle))
    row = ActionDependency(site_id=action.site_id, action=action, depends_on=other)
    row.full_clean()
    row.save()
    return row


def cycle_through(action: Action, new_dependencies: set[int]) -> list[str] | None:
    """The titles along a cycle ``action`` would close by depending on ``new_dependencies``, else None."""
    edges: dict[int, list[int]] = {}
    for source, target in ActionDependency.objects.filter(site_id=action.site_id).values_list(
        "action_id", "depends_on_id"
    ):
        if source != action.pk:
            edges.setdefault(source, []).append(target)
    edges[action.pk] = sorted(new_dependencies)
    # depth-first from the action: a path back to it is the cycle
    path: list[int] = [action.pk]
    seen: set[int] = set()

    def walk(node: int) -> bool:
        for nxt in edges.get(node, ()):
            if nxt == action.pk:
                return True
            if nxt in seen:
                continue
            seen.add(nxt)
            path.append(nxt)
            if walk(nxt):
                return True
            path.pop()
        return False

    if not walk(action.pk):
        return None
    titles = dict(Action.objects.filter(pk__in=path).values_list("pk", "title"))
    return [titles.get(pk, str(pk)) for pk in [*path, action.pk]]


# --- status transitions ------------------------------------------------------------------------------------
def transition(user: User, action: Action, name: str, reason: str = "") -> Action:
    """Move ``action`` along the lifecycle (lifecycle.py says who may do what); the reason goes to the trail."""
    if problem := lifecycle.state_problem(name, action.status):
        raise RoadmapStateError(problem)
    step = lifecycle.find(name, action.status)
    assert step is not None  # state_problem said it exists
    if not can(user, step.action, action.site_id):
        who = (
            "approvers and site admins"
            if step.action == "approve"
            else "contributors, approvers and site admins"
        )
        raise RoadmapForbiddenError(f"only {who} of the site may {name} an action")
    if problem := lifecycle.reason_problem(step, reason):
        raise RoadmapInputError(f"reason: {problem}")
    with transaction.atomic():
        action.status = step.target
        if step.target in (lifecycle.CANCELLED, lifecycle.PROPOSED):
            action.status_reason = reason.strip()
        if step.target == lifecycle.DONE:
            action.completed_on = timezone.localdate()
        today = timezone.localdate()
        if (
            step.target == lifecycle.IN_PROGRESS
            and action.start_on is None
            and not (action.due_on and action.due_on < today)
        ):
            action.start_on = today  # when the work really started (not for an action already late)
        action._audit_reason = reason.strip()[:500]
        action.full_clean()
        action.save()
    return action


# --- where an action came from -----------------------------------------------------------------------------
SOURCE_KIND_BY_LABEL = {
    "assessments.response": SourceKind.GAP,
    "checks.finding": SourceKind.FINDING,
    "configs.drift": SourceKind.DRIFT,
    "access.reviewitem": SourceKind.ACCESS_REVIEW,
    "access.reviewcampaign": SourceKind.ACCESS_REVIEW,
}


def source_kind_for(label: str, obj: Any) -> str:
    """The kind of source a record is: a drift finding is a finding of a configs check."""
    if label == "checks.finding" and str(getattr(obj, "check_id", "")).startswith(("configs.", "drift")):
        return SourceKind.DRIFT
    if label == "checks.finding" and str(getattr(obj, "check_id", "")).startswith("access."):
        return SourceKind.ACCESS_REVIEW
    if "vulnerab" in label:  # risk.vulnerability, risk.assetvulnerability: before the risk app's prefix
        return SourceKind.VULNERABILITY
    for prefix, kind in (("risk", SourceKind.RISK), ("improvement.nonconformity", SourceKind.NONCONFORMITY),
                         ("resilience.lesson", SourceKind.DRILL_LESSON)):  # fmt: skip
        if label.startswith(prefix):
            return kind
    return SOURCE_KIND_BY_LABEL.get(label, SourceKind.MANUAL)


def link_source(action: Action, label: str, object_id: int, *, by: User | None, note: str = "") -> None:
    """Record where ``action`` came from (a ``source`` link) and set its source kind from it."""
    try:
        link = create_link(
            site_id=action.site_id, source_type="roadmap.action", source_id=action.pk, target_type=label,
            target_id=object_id, kind=LinkKind.SOURCE, note=note, by=by,
        )  # fmt: skip
    except LinkForbiddenError as exc:
        raise RoadmapForbiddenError(str(exc)) from None
    except (LinkInputError, LinkConflictError) as exc:
        raise RoadmapInputError(f"source: {exc}") from None
    if action.source_kind == SourceKind.MANUAL:
        action.source_kind = source_kind_for(label, link.target())
        action.save()
    risk_links.refresh([action])  # a risk as the source: its reduction counts


# --- suggestions from gaps ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    template: templates.ActionTemplate
    responses: list[Response]  # the gaps it answers
    refs: list[str]  # their requirement ids, distinct, in reading order
    existing: Action | None  # an open action of the site from the same template

    @property
    def gap_count(self) -> int:
        return len(self.responses)


def suggestions(assessment: Assessment, user: User) -> list[Suggestion]:
    """Template actions for the assessment's not met and partially met answers, most gaps first."""
    gaps = list(
        Response.objects.for_user(user)
        .filter(assessment=assessment, status__in=GAP_STATUSES)
        .select_related("requirement", "zone")
        .order_by("requirement__position", "zone_id", "pk")
    )
    refs = list(dict.fromkeys(r.requirement.ref for r in gaps))
    matched = templates.matching(assessment.framework.key, refs)
    existing = {a.template_key: a for a in Action.objects.filter(
        site_id=assessment.site_id, template_key__in=list(matched), status__in=lifecycle.OPEN)}  # fmt: skip
    found = []
    for key, hit_refs in matched.items():
        template = templates.template(key)
        assert template is not None
        wanted = set(hit_refs)
        responses = [r for r in gaps if r.requirement.ref in wanted]
        found.append(Suggestion(template, responses, hit_refs, existing.get(key)))
    found.sort(key=lambda s: (-s.gap_count, s.template.key))
    return found


def create_from_suggestions(
    user: User, assessment: Assessment, template_keys: Sequence[str], *, goal_id: int | None = None
) -> list[Action]:
    """The actions the user confirmed: one per template, linked to the gaps it answers (``source`` links) and
    satisfying their requirements. A template already open on the site is not created twice."""
    if not may_write(user, Action, assessment.site_id, "change"):
        raise RoadmapForbiddenError("only contributors, approvers and site admins of the site create actions")
    offered = {s.template.key: s for s in suggestions(assessment, user)}
    unknown = [k for k in template_keys if k not in offered]
    if unknown:
        raise RoadmapInputError(f"template_keys: {unknown[0][:60]!r} answers no gap of this assessment")
    created = []
    with transaction.atomic():
        for key in dict.fromkeys(template_keys):
            suggestion = offered[key]
            if suggestion.existing is not None:
                continue
            created.append(_create_suggested(user, assessment, suggestion, goal_id))
    return created


def _create_suggested(user: User, assessment: Assessment, s: Suggestion, goal_id: int | None) -> Action:
    t = s.template
    action = Action(
        site_id=assessment.site_id, title=t.title[:200], template_key=t.key, source_kind=SourceKind.GAP,
        description=f"{t.description}\n\nFrom {assessment.name}: {', '.join(s.refs[:20])}"[:5000],
        effort_days=Decimal(str(t.default_effort)), cost=Decimal(str(t.default_cost)),
        risk_reduction=Decimal(str(t.risk_reduction)), goal_id=goal_id,
    )  # fmt: skip
    requirement_ids = list(dict.fromkeys(r.requirement_id for r in s.responses))
    save_action(action, requirement_ids=requirement_ids)
    for response in s.responses[:MAX_SOURCE_LINKS]:
        create_link(
            site_id=action.site_id, source_type="roadmap.action", source_id=action.pk,
            target_type="assessments.response", target_id=response.pk, kind=LinkKind.SOURCE, by=user,
            note=f"{response.requirement.ref} {response.get_status_display().lower()}",
        )  # fmt: skip
    return action


# --- the plan -------------------------------------------------------------------------------------------------
def plan_of(site: Site) -> RoadmapPlan:
    """The site's plan settings (the defaults, unsaved, when it has none yet)."""
    return RoadmapPlan.objects.filter(site=site).first() or RoadmapPlan(site=site)


def planner_input(site_id: int) -> list[planner.PlanAction]:
    """The site's open actions as the planner sees them. A dependency on a done action is met; one on a
    cancelled action no longer holds; an action in progress stays in the first phase unless pinned."""
    actions = list(Action.objects.filter(site_id=site_id, status__in=lifecycle.OPEN).order_by("pk"))
    open_ids = {a.pk for a in actions}
    deps: dict[int, list[int]] = {}
    for source, target in ActionDependency.objects.filter(site_id=site_id).values_list(
        "action_id", "depends_on_id"
    ):
        if source in open_ids and target in open_ids:
            deps.setdefault(source, []).append(target)
    shares = risk_links.linked_risks(open_ids)
    counts: dict[int, int] = {}
    for action_id in ActionRequirement.objects.filter(site_id=site_id).values_list("action_id", flat=True):
        counts[action_id] = counts.get(action_id, 0) + 1
    found = []
    for a in actions:
        pinned = a.pinned_phase - 1 if a.pinned_phase else (0 if a.status == lifecycle.IN_PROGRESS else None)
        own = shares.get(a.pk)
        # from the register: each scenario's points, which the planner shares between the actions addressing it
        risks = (
            () if not own or a.risk_reduction_manual else tuple((s.scenario_id, float(s.points)) for s in own)
        )
        found.append(planner.PlanAction(
            id=a.pk, title=a.title, effort=float(a.effort_days), cost=float(a.cost),
            risk_reduction=0.0 if risks else float(risk_links.effective(a, own)), requirements=counts.get(a.pk, 0),
            depends_on=tuple(sorted(deps.get(a.pk, ()))), pinned=pinned, risks=risks,
        ))  # fmt: skip
    return found


def compute(plan: RoadmapPlan, phases: list[dict[str, Any]] | None = None) -> planner.PlanResult:
    """Plan the site's open actions with ``phases`` (default: the plan's own); nothing is written."""
    phases = plan.phases if phases is None else phases
    if problem := phases_problem(phases):
        raise RoadmapInputError(f"phases: {problem}")
    try:
        return planner.plan(planner_input(plan.site_id), to_planner(phases),
                            coverage_weight=float(plan.coverage_weight))  # fmt: skip
    except planner.PlanInputError as exc:
        raise RoadmapInputError(str(exc)) from None


def result_document(result: planner.PlanResult, phases: list[dict[str, Any]]) -> dict[str, Any]:
    """The planner's result as stored in the plan and served by the API (JSON)."""
    return {
        "phases": phases,
        "placements": {str(k): {"phase": p.phase, "reason": p.reason} for k, p in sorted(result.placements.items())},
        "objective": round(result.objective, 4),
        "bound": None if result.bound is None else round(result.bound, 4),
        "gap": None if result.gap is None else round(result.gap, 6),
        "method": result.method,
        "optimal": result.optimal,
        "feasible": result.feasible,
        "problems": list(result.problems),
        "totals": [{"count": t.count, "cost": t.cost, "effort": t.effort, "value": round(t.value, 4)}
                   for t in result.totals],
        "seconds": round(result.seconds, 3),
    }  # fmt: skip


def save_settings(
    user: User, plan: RoadmapPlan, *, phases: list[dict[str, Any]] | None = None,
    starts_on: Any = None, coverage_weight: Decimal | None = None,
) -> RoadmapPlan:  # fmt: skip
    """Change the plan's phases (budgets, capacities), start or coverage weight, and plan again."""
    if not can(user, "approve", plan.site_id):
        raise RoadmapForbiddenError("only approvers and site admins of the site set its roadmap budgets")
    if phases is not None:
        plan.phases = phases
    if starts_on is not None:
        plan.starts_on = starts_on
    if coverage_weight is not None:
        plan.coverage_weight = coverage_weight
    try:
        plan.full_clean()
    except ValidationError as exc:
        raise RoadmapInputError(_first_message(exc)) from None
    with transaction.atomic():
        plan.save()
        _store(plan)
    return plan


def run_plan(user: User | None, plan: RoadmapPlan) -> RoadmapPlan:
    """Plan again with the saved settings and keep the result (contributors, approvers, site admins)."""
    if user is not None and not can(user, "change", plan.site_id):
        raise RoadmapForbiddenError("only contributors, approvers and site admins of the site run its plan")
    with transaction.atomic():
        if plan.pk is None:
            plan.full_clean()
            plan.save()
        _store(plan)
    return plan


def _store(plan: RoadmapPlan) -> None:
    risk_links.refresh_site(plan.site_id)  # the stored figures follow the register before each kept plan
    result = compute(plan)
    plan.result = result_document(result, plan.phases)
    plan.computed_at = timezone.now()
    with_reason(plan, "planned again").save()


@dataclass(frozen=True)
class WhatIf:
    before: planner.PlanResult
    after: planner.PlanResult
    moves: list[planner.Move]
    phases_after: list[dict[str, Any]]


def what_if(plan: RoadmapPlan, budgets: list[float | None], capacities: list[float | None]) -> WhatIf:
    """The plan with other budgets and capacities, and what moves; nothing is written (any reader may ask)."""
    after_phases = with_limits(plan.phases, budgets, capacities)
    actions = planner_input(plan.site_id)
    before = compute(plan)
    after = compute(plan, after_phases)
    return WhatIf(before, after, planner.diff(actions, before, after), after_phases)


# --- progress ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    counts: dict[str, int]  # per status
    effort: dict[str, float]
    cost: dict[str, float]
    gaps_total: int  # gaps (source links to responses) of the site's actions
    gaps_closed: int  # of which the action is done
    burndown: list[tuple[str, int]]  # (ISO day, gaps still open after that day's completions)

    @property
    def planned(self) -> int:
        return sum(n for s, n in self.counts.items() if s != lifecycle.CANCELLED)

    @property
    def done(self) -> int:
        return self.counts.get(lifecycle.DONE, 0)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.planned) if self.planned else 0


def progress(site_id: int) -> Progress:
    """Planned against done (counts, effort, cost), and the burn-down of the gaps the actions answer."""
    counts = dict.fromkeys(lifecycle.STATES, 0)
    effort = dict.fromkeys(lifecycle.STATES, 0.0)
    cost = dict.fromkeys(lifecycle.STATES, 0.0)
    done_on: dict[int, Any] = {}
    status_of: dict[int, str] = {}
    for pk, status, days, money, completed in Action.objects.filter(site_id=site_id).values_list(
        "pk", "status", "effort_days", "cost", "completed_on"
    ):
        counts[status] += 1
        effort[status] += float(days)
        cost[status] += float(money)
        status_of[pk] = status
        if status == lifecycle.DONE and completed:
            done_on[pk] = completed
    action_type = ContentType.objects.get_for_model(Action)
    response_type = ContentType.objects.get_for_model(Response)
    closing: dict[int, Any] = {}  # gap (response id) -> the day its first done action was completed
    gaps: set[int] = set()
    for action_id, response_id in ObjectLink.objects.filter(
        site_id=site_id, kind=LinkKind.SOURCE, source_type=action_type, target_type=response_type
    ).values_list("source_id", "target_id"):
        if status_of.get(action_id) == lifecycle.CANCELLED:
            continue
        gaps.add(response_id)
        day = done_on.get(action_id)
        if day is not None and (response_id not in closing or day < closing[response_id]):
            closing[response_id] = day
    remaining = len(gaps)
    burndown = []
    for day in sorted(set(closing.values())):
        remaining -= sum(1 for d in closing.values() if d == day)
        burndown.append((day.isoformat(), remaining))
    return Progress(counts, effort, cost, len(gaps), len(closing), burndown)


def visible_site(user: User, site_id: int) -> Site | None:
    found: Site | None = scoped(Site, user).filter(pk=site_id).first()
    return found
