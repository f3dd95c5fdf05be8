"""An action's risk reduction from the risk register: the threat scenarios it is linked to.

An action reduces the risk of every scenario linked to it (an object link from the action to the scenario, kind
``relates-to`` or ``source``). For each scenario:

    now    = its residual score when rated, else its inherent score (an unmitigated risk)
    after  = its target score (target likelihood x target consequence): the residual expected once treated
    points = max(0, now - after)

and the action's risk reduction is the sum of the points. A scenario without a target rating gives no points
(the page says so: rate its target). Two actions linked to one scenario each show its whole reduction (what the
action would remove on its own); the planner counts the scenario once, shared between them (``planner.risk_shares``,
fed by ``services.planner_input``).

``Action.risk_reduction`` keeps the figure the planner reads; ``refresh`` writes the computed one into it (an
audited save) unless the action keeps its own (``risk_reduction_manual``), or no scenario is linked (then the
entered figure is the estimate, as before the register existed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from otcsms.core.audit import with_reason
from otcsms.links.models import LinkKind, ObjectLink
from otcsms.risk.models import ThreatScenario
from otcsms.roadmap import lifecycle
from otcsms.roadmap.models import MAX_RISK_REDUCTION, Action


@dataclass(frozen=True)
class RiskShare:
    """What one linked scenario contributes to an action's risk reduction."""

    scenario_id: int
    title: str
    level: str  # the level now (residual, else inherent)
    now: int
    after: int | None  # the target score; None when no target is rated
    points: int

    @property
    def explanation(self) -> str:
        if self.after is None:
            return f"{self.title}: score {self.now} now, no target rated (0 points)"
        return f"{self.title}: score {self.now} now, {self.after} expected after ({self.points} points)"


def linked_risks(action_ids: Iterable[int]) -> dict[int, list[RiskShare]]:
    """Per action id, the scenarios linked to it and what each contributes (two queries)."""
    ids = list(action_ids)
    if not ids:
        return {}
    action_type = ContentType.objects.get_for_model(Action)
    scenario_type = ContentType.objects.get_for_model(ThreatScenario)
    pairs = list(
        ObjectLink.objects.filter(
            source_type=action_type, source_id__in=ids, target_type=scenario_type,
            kind__in=(LinkKind.RELATES_TO, LinkKind.SOURCE),
        ).values_list("source_id", "target_id")
    )  # fmt: skip
    scenarios = {
        row[0]: row
        for row in ThreatScenario.objects.filter(pk__in={t for _, t in pairs}).values_list(
            "pk", "title", "inherent_score", "inherent_level", "residual_score", "residual_level",
            "target_likelihood", "target_consequence",
        )
    }  # fmt: skip
    found: dict[int, list[RiskShare]] = {}
    for action_id, scenario_id in sorted(set(pairs)):
        row = scenarios.get(scenario_id)
        if row is None:
            continue
        _, title, inherent, inherent_level, residual, residual_level, t_likelihood, t_consequence = row
        now = residual if residual is not None else inherent
        after = t_likelihood * t_consequence if t_likelihood and t_consequence else None
        points = max(0, now - after) if after is not None else 0
        found.setdefault(action_id, []).append(
            RiskShare(scenario_id, title, residual_level or inherent_level, now, after, points)
        )
    return found


def computed(shares: list[RiskShare]) -> Decimal:
    return min(Decimal(sum(s.points for s in shares)), MAX_RISK_REDUCTION)


def effective(action: Action, shares: list[RiskShare] | None) -> Decimal:
    """The risk reduction the planner uses: computed from the linked scenarios, or the entered figure when
    none is linked or the action keeps its own."""
    if not shares or action.risk_reduction_manual:
        return action.risk_reduction
    return computed(shares)


def refresh(actions: Iterable[Action]) -> list[Action]:
    """Write the computed risk reduction into the open actions whose stored figure differs (audited, with the
    reason); returns the actions changed."""
    open_actions = [a for a in actions if a.status in lifecycle.OPEN]
    shares = linked_risks(a.pk for a in open_actions)
    changed = []
    with transaction.atomic():
        for action in open_actions:
            value = effective(action, shares.get(action.pk))
            if value != action.risk_reduction:
                action.risk_reduction = value
                with_reason(action, "risk reduction from the linked risk scenarios").save()
                changed.append(action)
    return changed


def refresh_site(site_id: int) -> list[Action]:
    return refresh(Action.objects.filter(site_id=site_id, status__in=lifecycle.OPEN).order_by("pk"))
