"""The planner on plain data: placements, reasons, infeasibility, what-if, and properties under hypothesis."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otcsms.roadmap.planner import Phase, PlanAction, PlanInputError, diff, plan, risk_shares, what_if

PHASES = [Phase("0-90 days", 10000, 20), Phase("3-12 months", 10000, 20), Phase("12-24 months", None, None)]


def act(id, effort=1, cost=0, risk=1, reqs=0, deps=(), pinned=None, title=None):
    return PlanAction(id, title or f"A{id}", effort, cost, risk, reqs, tuple(deps), pinned)


def test_highest_value_per_effort_goes_first_and_the_reasons_say_why():
    actions = [act(1, 10, 5000, 50, 2, title="Firewall"), act(2, 5, 1000, 20, 3, (1,), title="Training"),
               act(3, 20, 20000, 40, 1, title="Backup")]  # fmt: skip
    result = plan(actions, PHASES)
    assert result.method == "exact" and result.optimal and result.feasible
    assert [result.phase_of(i) for i in (1, 2, 3)] == [0, 0, 2]
    assert result.placements[1].reason.startswith("phase 1 (0-90 days): high value per effort")
    assert "its dependency Firewall is also in phase 1" in result.placements[2].reason
    # Backup costs 20,000: more than phase 1 has left and more than phase 2's whole budget
    assert "phase 1 budget exhausted (needs 20,000, 4,000 left)" in result.placements[3].reason
    assert "phase 2 budget exhausted (needs 20,000, 10,000 left)" in result.placements[3].reason
    assert result.bound == pytest.approx(result.objective) and result.gap == pytest.approx(0)


def test_a_dependency_comes_no_later_and_an_action_without_its_dependency_is_not_planned():
    phases = [Phase("now", None, 5), Phase("later", None, 5)]
    actions = [
        act(1, effort=8, risk=1, title="Big"),
        act(2, effort=1, risk=100, deps=(1,), title="Needs big"),
    ]
    result = plan(actions, phases)
    assert result.phase_of(1) is None and result.phase_of(2) is None
    assert "needs 8 person-days, more than any phase's team capacity (5)" in result.placements[1].reason
    assert result.placements[2].reason == "not planned: its dependency Big is not planned"


def test_a_low_value_dependency_is_pulled_in_by_what_needs_it():
    actions = [
        act(1, effort=2, risk=0, title="Inventory"),
        act(2, effort=2, risk=30, deps=(1,), title="Patching"),
    ]
    result = plan(actions, [Phase("q1", None, 10)])
    assert result.phase_of(1) == 0 and result.phase_of(2) == 0
    assert "needed first by Patching" in result.placements[1].reason


def test_pinned_actions_stay_and_an_impossible_pin_says_what_does_not_fit():
    actions = [act(1, effort=5, risk=1), act(2, effort=5, risk=50, pinned=2)]
    result = plan(actions, PHASES)
    assert result.phase_of(2) == 2 and "pinned there" in result.placements[2].reason
    too_big = plan([act(1, effort=30, cost=50, risk=5, pinned=0, title="Rewire")], PHASES)
    assert not too_big.feasible
    assert too_big.problems == (
        "phase 1 (0-90 days): the actions pinned to it need 30 of team capacity, the phase has 20: Rewire (30)",
    )
    backwards = plan([act(1, pinned=1, title="First"), act(2, deps=(1,), pinned=0, title="Second")], PHASES)
    assert backwards.problems == (
        "Second is pinned to phase 1 but its dependency First is pinned to phase 2",
    )
    beyond = plan([act(1, pinned=5, title="Far")], PHASES)
    assert beyond.problems == ("Far is pinned to phase 6, the plan has 3 phases",)


def test_pins_that_fit_alone_but_not_with_their_dependencies_are_reported():
    phases = [Phase("q1", None, 10), Phase("q2", None, 10)]
    actions = [act(1, effort=8, title="Base"), act(2, effort=5, deps=(1,), pinned=0, title="Top")]
    result = plan(actions, phases)
    assert not result.feasible
    assert result.problems == ("Top is pinned to phase 1, but its dependency Base fits in no phase up to it",)


def test_a_risk_scenario_addressed_by_two_actions_counts_once_shared_between_them():
    # two actions address scenario 7 (12 points); a third addresses scenario 8 (6 points) on its own
    twins = [PlanAction(1, "Patch the PLCs", 1, 0, 0.0, risks=((7, 12.0),)),
             PlanAction(2, "Segment the cell", 1, 0, 0.0, risks=((7, 12.0), (7, 12.0))),  # listed twice: once
             PlanAction(3, "Harden the HMI", 1, 0, 2.0, risks=((8, 6.0),))]  # fmt: skip
    assert risk_shares(twins) == [6.0, 6.0, 6.0]
    result = plan(twins, [Phase("now")])
    assert result.objective == pytest.approx(12 + 6 + 2)  # not 12 + 12 + 6 + 2
    assert "6 points for 1 person-days" in result.placements[1].reason
    # alone in the plan, an action earns the scenario's whole reduction
    alone = plan([twins[0]], [Phase("now")])
    assert alone.objective == pytest.approx(12)
    with pytest.raises(PlanInputError, match="risk reduction"):
        plan([PlanAction(1, "x", 1, 0, 0.0, risks=((7, -1.0),))], [Phase("now")])


def test_a_cycle_is_refused_naming_it():
    with pytest.raises(PlanInputError, match="dependency cycle: A1 -> A2 -> A3 -> A1"):
        plan([act(1, deps=(2,)), act(2, deps=(3,)), act(3, deps=(1,))], PHASES)


def test_bad_numbers_are_refused():
    with pytest.raises(PlanInputError):
        plan([act(1, effort=-1)], PHASES)
    with pytest.raises(PlanInputError):
        plan([act(1)], [Phase("x", float("nan"), None)])
    with pytest.raises(PlanInputError):
        plan([act(1), act(1)], PHASES)


def test_what_if_lists_what_moves_when_the_budget_changes():
    actions = [act(1, cost=8000, risk=40, title="Segment"), act(2, cost=8000, risk=30, title="Monitor")]
    tight = [Phase("q1", 10000, None), Phase("q2", 10000, None)]
    loose = [Phase("q1", 20000, None), Phase("q2", 10000, None)]
    before, after, moves = what_if(actions, tight, loose)
    assert before.phase_of(2) == 1 and after.phase_of(2) == 0
    assert [(m.title, m.before, m.after) for m in moves] == [("Monitor", 1, 0)]
    assert moves[0].reason.startswith("phase 1 (q1): high value per effort")
    assert diff(actions, before, before) == []


def test_greedy_is_used_above_the_limit_and_reports_the_lp_bound():
    rng = random.Random(3)
    actions = [act(i, effort=rng.randint(1, 10), cost=rng.randint(0, 5000), risk=rng.randint(0, 20),
                   deps=[d for d in range(1, i) if rng.random() < 0.02]) for i in range(1, 120)]  # fmt: skip
    phases = [Phase("a", 40000, 60), Phase("b", 40000, 60), Phase("c", 40000, 60)]
    greedy = plan(actions, phases, exact_limit=50)
    exact = plan(actions, phases)
    assert greedy.method == "greedy" and exact.method == "exact"
    assert greedy.objective <= exact.objective + 1e-6 <= greedy.bound + 1e-6
    assert exact.objective >= 0.95 * exact.bound


# --- properties -------------------------------------------------------------------------------------------------
@st.composite
def instances(draw):
    n = draw(st.integers(0, 14))
    actions = []
    for i in range(1, n + 1):
        deps = draw(st.lists(st.integers(1, max(i - 1, 1)), max_size=3)) if i > 1 else []
        pinned = draw(st.one_of(st.none(), st.integers(0, 2))) if draw(st.integers(0, 5)) == 0 else None
        actions.append(act(i, effort=draw(st.integers(0, 12)), cost=draw(st.integers(0, 9000)),
                           risk=draw(st.integers(0, 30)), reqs=draw(st.integers(0, 3)),
                           deps=sorted(set(deps) - {i}), pinned=pinned))  # fmt: skip
    limits = st.one_of(st.none(), st.integers(0, 30000))
    phases = [Phase(f"p{k}", draw(limits), draw(st.one_of(st.none(), st.integers(0, 30)))) for k in range(3)]
    return actions, phases


def check_plan(actions, phases, result):
    if not result.feasible:
        assert all(p.phase is None for p in result.placements.values())
        return
    where = {a.id: result.phase_of(a.id) for a in actions}
    for a in actions:
        if a.pinned is not None:
            assert where[a.id] == a.pinned, "a pinned action moved"
        if where[a.id] is not None:
            for d in a.depends_on:
                assert where[d] is not None and where[d] <= where[a.id], "placed before its dependency"
    for p, phase in enumerate(phases):
        members = [a for a in actions if where[a.id] == p]
        if phase.budget is not None:
            assert sum(a.cost for a in members) <= phase.budget + 1e-6
        if phase.capacity is not None:
            assert sum(a.effort for a in members) <= phase.capacity + 1e-6
    assert result.bound is None or result.objective <= result.bound + 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from(["exact", "greedy"]))
def test_every_plan_respects_dependencies_budgets_capacity_and_pins(instance, method):
    actions, phases = instance
    result = plan(actions, phases, method=method)
    check_plan(actions, phases, result)
    again = plan(list(reversed(actions)), phases, method=method)
    assert again.placements == result.placements, "the same input gave another plan"


@settings(max_examples=25, deadline=None)
@given(instances())
def test_the_exact_plan_is_at_least_as_good_as_greedy_and_as_brute_force(instance):
    actions, phases = instance
    if len(actions) > 7:
        actions = [a for a in actions if a.id <= 7]
        actions = [PlanAction(a.id, a.title, a.effort, a.cost, a.risk_reduction, a.requirements,
                              tuple(d for d in a.depends_on if d <= 7), a.pinned) for a in actions]  # fmt: skip
    exact = plan(actions, phases, method="exact")
    greedy = plan(actions, phases, method="greedy")
    if exact.feasible and greedy.feasible:
        assert greedy.objective <= exact.objective + 1e-6
    if exact.feasible:
        assert exact.objective == pytest.approx(brute_force(actions, phases), rel=0.005, abs=1e-6)


def brute_force(actions, phases):
    best = 0.0
    count = len(phases)
    for choice in itertools.product([None, *range(count)], repeat=len(actions)):
        where = {a.id: p for a, p in zip(actions, choice, strict=True)}
        ok = all(a.pinned is None or where[a.id] == a.pinned for a in actions) and all(
            where[a.id] is None
            or all(where.get(d) is not None and where[d] <= where[a.id] for d in a.depends_on)
            for a in actions
        )
        for p, phase in enumerate(phases):
            members = [a for a in actions if where[a.id] == p]
            ok = ok and (phase.budget is None or sum(a.cost for a in members) <= phase.budget)
            ok = ok and (phase.capacity is None or sum(a.effort for a in members) <= phase.capacity)
        if ok:
            value = sum((count - where[a.id]) / count * (a.risk_reduction + a.requirements)
                        for a in actions if where[a.id] is not None)  # fmt: skip
            best = max(best, value)
    return best
