"""The roadmap planner: which phase each action goes into, and why. Plain Python over plain data (no Django).

The problem is a multi-knapsack with precedence, solved as a mixed-integer programme with HiGHS:

    x[a, p] = 1 when action a is placed in phase p (binary)
    maximise  sum over a, p of  w[p] * value[a] * x[a, p]         w[p] = (P - p) / P: earlier is worth more
    subject to
      sum_p x[a, p] <= 1                                            each action in at most one phase
      sum_a cost[a] * x[a, p] <= budget[p]                          money of each phase
      sum_a effort[a] * x[a, p] <= capacity[p]                      person-days of each phase
      sum_{q<=p} x[a, q] <= sum_{q<=p} x[d, q]   for every p        a after its dependency d, and only with it
      x[a, pin(a)] = 1                                              pinned actions stay where the user put them

``value[a]`` is the action's risk reduction plus ``coverage_weight`` per requirement it satisfies; the reduction
of a risk scenario several actions address is shared between them (``risk_shares``), so it counts once. Placed in the
first phase an action earns its whole value, in the last 1/P of it: so the planner puts the most value per
unit of money and effort first, and leaves out what no budget can carry.

Large plans (more than ``exact_limit`` actions) are placed by a greedy heuristic instead (bundles of an
action and its unplaced dependencies, best value per resource first, phase by phase); the solver then only
computes the LP relaxation, whose optimum bounds the best plan, so the user still sees how far from optimal
the plan can be. Small plans are solved exactly, with the greedy plan as the solver's starting point.

Everything is deterministic: actions are sorted by id, ties broken by id, HiGHS runs on one thread with a
fixed seed and stops on an optimality gap, not on the clock (the time limit is a safety net only).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

EPS = 1e-9
DEFAULT_EXACT_LIMIT = 250
DEFAULT_TIME_LIMIT = 20.0
MIP_REL_GAP = 0.005  # stop within 0.5 % of the bound: a gap, not the clock, ends the search


class PlanInputError(ValueError):
    """The actions cannot be planned as given: a dependency cycle, a negative amount, duplicate ids."""


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    budget: float | None = None  # money; None: no limit
    capacity: float | None = None  # person-days; None: no limit


@dataclass(frozen=True, slots=True)
class PlanAction:
    id: int
    title: str
    effort: float  # person-days
    cost: float
    risk_reduction: float
    requirements: int = 0  # requirements it will satisfy
    depends_on: tuple[
        int, ...
    ] = ()  # ids of actions that must be placed no later (unknown ids: already done)
    pinned: int | None = None  # phase index (0 = the first), or None
    # (risk scenario id, the scenario's whole reduction in points) for each scenario the action addresses: the
    # plan counts each scenario once, shared equally between the actions of the plan that address it; the
    # action's value is risk_reduction (its own figure: an estimate, or a kept manual one) plus its shares.
    risks: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Placement:
    action_id: int
    phase: int | None  # None: not planned
    reason: str


@dataclass(frozen=True, slots=True)
class PhaseTotal:
    count: int
    cost: float
    effort: float
    value: float


@dataclass(frozen=True)
class PlanResult:
    placements: dict[int, Placement]
    objective: float
    bound: float | None  # an upper bound of the best objective (solver's dual bound or LP relaxation)
    method: str  # "exact" or "greedy"
    optimal: bool
    problems: tuple[str, ...] = ()  # why no plan exists (pinned actions that do not fit), empty when feasible
    totals: tuple[PhaseTotal, ...] = ()
    seconds: float = 0.0

    @property
    def feasible(self) -> bool:
        return not self.problems

    @property
    def gap(self) -> float | None:
        """How far the plan may be from the best one, as a fraction of the bound (0.02: within 2 %)."""
        if self.bound is None:
            return None
        if self.bound <= EPS:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)

    def phase_of(self, action_id: int) -> int | None:
        placement = self.placements.get(action_id)
        return None if placement is None else placement.phase


@dataclass(frozen=True, slots=True)
class Move:
    action_id: int
    title: str
    before: int | None
    after: int | None
    reason: str


@dataclass
class _Problem:
    """The input in index form: actions sorted by id, dependencies as indexes, values computed."""

    actions: list[PlanAction]
    phases: list[Phase]
    values: list[float]
    deps: list[list[int]]  # indexes of the dependencies of each action (inside the plan)
    dependents: list[list[int]]
    topo: list[int]  # every dependency before its dependents
    index: dict[int, int] = field(default_factory=dict)
    position: dict[int, int] = field(default_factory=dict)  # place of each action in ``topo``
    ancestor_sets: list[frozenset[int]] = field(default_factory=list)

    @property
    def weights(self) -> list[float]:
        count = len(self.phases)
        return [(count - p) / count for p in range(count)]

    def budget(self, p: int) -> float:
        limit = self.phases[p].budget
        return math.inf if limit is None else limit

    def capacity(self, p: int) -> float:
        limit = self.phases[p].capacity
        return math.inf if limit is None else limit


# --- entry points ---------------------------------------------------------------------------------------------
def plan(
    actions: Sequence[PlanAction],
    phases: Sequence[Phase],
    *,
    coverage_weight: float = 1.0,
    exact_limit: int = DEFAULT_EXACT_LIMIT,
    time_limit: float = DEFAULT_TIME_LIMIT,
    method: str = "auto",
) -> PlanResult:
    """Place ``actions`` into ``phases``; ``method`` is "auto" (exact up to ``exact_limit`` actions), "exact"
    or "greedy"."""
    started = time.perf_counter()
    problem = _prepare(actions, phases, coverage_weight)
    problems = _pin_problems(problem)
    if problems:
        placements = {a.id: Placement(a.id, None, "not planned: the plan is infeasible (see the problems)")
                      for a in problem.actions}  # fmt: skip
        return PlanResult(placements, 0.0, None, "none", False, tuple(problems), _totals(problem, {}),
                          time.perf_counter() - started)  # fmt: skip
    if method not in ("auto", "exact", "greedy"):
        raise PlanInputError(f"method: auto, exact or greedy, not {method!r}")
    exact = method == "exact" or (method == "auto" and len(problem.actions) <= exact_limit)
    bound: float | None
    greedy: dict[int, int] = {}
    greedy_problems: list[str] = []
    relaxation = None
    if not exact:
        # the LP relaxation gives the bound and guides the greedy; the plain greedy only when there is no LP
        relaxation = _lp_relaxation(problem, time_limit)
        greedy, greedy_problems = _greedy(problem, None if relaxation is None else relaxation[1])
    else:
        greedy, greedy_problems = _greedy(problem)
    if greedy_problems:
        # the pinned actions fit on their own, but not with the dependencies they need: the solver decides
        exact = True
    if exact:
        solved = _solve_mip(problem, greedy if not greedy_problems else None, time_limit)
        if solved is None:
            problems = greedy_problems or [
                "the pinned actions and the dependencies they need do not fit in the budgets and capacities"
            ]
            placements = {a.id: Placement(a.id, None, "not planned: the plan is infeasible (see the problems)")
                          for a in problem.actions}  # fmt: skip
            return PlanResult(placements, 0.0, None, "exact", False, tuple(problems), _totals(problem, {}),
                              time.perf_counter() - started)  # fmt: skip
        chosen, bound, optimal = solved
        name = "exact"
    else:
        bound = None if relaxation is None else relaxation[0]
        chosen, optimal, name = greedy, False, "greedy"
    objective = _objective(problem, chosen)
    if bound is not None and bound < objective:
        bound = objective  # numerical noise of the solver: the bound is never below a plan found
    optimal = optimal or (bound is not None and bound - objective <= 1e-6 * max(1.0, abs(bound)))
    placements = _explain(problem, chosen)
    return PlanResult(placements, objective, bound, name, optimal, (), _totals(problem, chosen),
                      time.perf_counter() - started)  # fmt: skip


def what_if(
    actions: Sequence[PlanAction],
    before: Sequence[Phase],
    after: Sequence[Phase],
    **options: object,
) -> tuple[PlanResult, PlanResult, list[Move]]:
    """Plan with the ``before`` phases and with the ``after`` phases; the moves between the two plans."""
    first = plan(actions, before, **options)  # type: ignore[arg-type]
    second = plan(actions, after, **options)  # type: ignore[arg-type]
    return first, second, diff(actions, first, second)


def diff(actions: Iterable[PlanAction], before: PlanResult, after: PlanResult) -> list[Move]:
    """Every action whose phase differs between two plans, in id order, with its reason in the second."""
    moves = []
    for action in sorted(actions, key=lambda a: a.id):
        old, new = before.phase_of(action.id), after.phase_of(action.id)
        if old != new:
            placement = after.placements.get(action.id)
            moves.append(Move(action.id, action.title, old, new, placement.reason if placement else ""))
    return moves


def phase_label(phases: Sequence[Phase], p: int | None) -> str:
    if p is None:
        return "not planned"
    return f"phase {p + 1} ({phases[p].name})"


# --- preparation -------------------------------------------------------------------------------------------
def risk_shares(actions: Sequence[PlanAction]) -> list[float]:
    """Per action, its share of the risk scenarios it addresses: each scenario's points divided equally
    between the actions of the plan that address it (a scenario listed twice by one action counts once), so
    the plan counts each scenario's reduction once, however many actions address it."""
    scenarios = [dict(a.risks) for a in actions]
    addressed_by: dict[int, int] = {}
    for own in scenarios:
        for scenario in own:
            addressed_by[scenario] = addressed_by.get(scenario, 0) + 1
    return [sum(points / addressed_by[s] for s, points in own.items()) for own in scenarios]


def _prepare(actions: Sequence[PlanAction], phases: Sequence[Phase], coverage_weight: float) -> _Problem:
    if not phases:
        raise PlanInputError("a plan needs at least one phase")
    for phase in phases:
        for limit in (phase.budget, phase.capacity):
            if limit is not None and (not math.isfinite(limit) or limit < 0):
                raise PlanInputError(f"{phase.name}: a budget or capacity is a number >= 0")
    if not math.isfinite(coverage_weight) or coverage_weight < 0:
        raise PlanInputError("coverage_weight is a number >= 0")
    ordered = sorted(actions, key=lambda a: a.id)
    index: dict[int, int] = {}
    for i, action in enumerate(ordered):
        if action.id in index:
            raise PlanInputError(f"action {action.id} is given twice")
        amounts = (action.effort, action.cost, action.risk_reduction, action.requirements,
                   *(points for _scenario, points in action.risks))  # fmt: skip
        for amount in amounts:
            if not math.isfinite(amount) or amount < 0:
                raise PlanInputError(f"action {action.id}: effort, cost, risk reduction are numbers >= 0")
        index[action.id] = i
    deps = [sorted({index[d] for d in a.depends_on if d in index and d != a.id}) for a in ordered]
    dependents: list[list[int]] = [[] for _ in ordered]
    for i, ds in enumerate(deps):
        for d in ds:
            dependents[d].append(i)
    values = [a.risk_reduction + coverage_weight * a.requirements + share for a, share in
              zip(ordered, risk_shares(ordered), strict=True)]  # fmt: skip
    problem = _Problem(list(ordered), list(phases), values, deps, dependents, [], index)
    problem.topo = _topological(problem)
    problem.position = {i: pos for pos, i in enumerate(problem.topo)}
    ancestors: list[frozenset[int]] = [frozenset()] * len(ordered)
    for i in problem.topo:  # dependencies first: their sets are ready
        found = set(deps[i])
        for d in deps[i]:
            found |= ancestors[d]
        ancestors[i] = frozenset(found)
    problem.ancestor_sets = ancestors
    return problem


def _topological(problem: _Problem) -> list[int]:
    """Kahn's order (smallest index first among the ready ones), or PlanInputError naming a cycle."""
    import heapq

    waiting = [len(ds) for ds in problem.deps]
    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for j in problem.dependents[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) < len(problem.actions):
        left = {i for i, n in enumerate(waiting) if n > 0}
        raise PlanInputError("dependency cycle: " + " -> ".join(
            problem.actions[i].title for i in _a_cycle(problem, left)))  # fmt: skip
    return order


def _a_cycle(problem: _Problem, left: set[int]) -> list[int]:
    """One cycle among ``left`` (every node there has a dependency there), first node repeated at the end."""
    start = min(left)
    seen: dict[int, int] = {}
    path: list[int] = []
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = next(d for d in problem.deps[node] if d in left)
    cycle = path[seen[node] :]
    return [*cycle, cycle[0]]


def _ancestors(problem: _Problem, i: int) -> frozenset[int]:
    return problem.ancestor_sets[i]


def _pin_problems(problem: _Problem) -> list[str]:
    """What makes the pins impossible on their own: a pin beyond the last phase, a pinned action before a
    dependency pinned later, pinned actions that alone exceed a phase's budget or capacity."""
    found = []
    count = len(problem.phases)
    pins = {i: a.pinned for i, a in enumerate(problem.actions) if a.pinned is not None}
    for i, p in pins.items():
        if not 0 <= p < count:
            found.append(
                f"{problem.actions[i].title} is pinned to phase {p + 1}, the plan has {count} phases"
            )
    if found:
        return found
    for i, p in pins.items():
        for d in sorted(_ancestors(problem, i)):
            q = pins.get(d)
            if q is not None and q > p:
                found.append(
                    f"{problem.actions[i].title} is pinned to phase {p + 1} but its dependency "
                    f"{problem.actions[d].title} is pinned to phase {q + 1}"
                )
    for p in range(count):
        members = [i for i, q in pins.items() if q == p]
        for label, amount, limit in (
            ("budget", lambda i: problem.actions[i].cost, problem.budget(p)),
            ("team capacity", lambda i: problem.actions[i].effort, problem.capacity(p)),
        ):
            used = sum(amount(i) for i in members)
            if used > limit + EPS:
                listed = ", ".join(f"{problem.actions[i].title} ({_num(amount(i))})" for i in members)
                found.append(
                    f"{phase_label(problem.phases, p)}: the actions pinned to it need {_num(used)} of "
                    f"{label}, the phase has {_num(limit)}: {listed}"
                )
    return found


# --- the greedy heuristic ---------------------------------------------------------------------------------------
def _resource_weight(problem: _Problem, i: int) -> float:
    """How much of the plan's scarce resources an action uses (its share of all budgets plus of all capacity)."""
    action = problem.actions[i]
    budgets = [problem.budget(p) for p in range(len(problem.phases))]
    capacities = [problem.capacity(p) for p in range(len(problem.phases))]
    weight = 0.0
    if all(math.isfinite(b) for b in budgets):
        weight += action.cost / max(sum(budgets), EPS)
    if all(math.isfinite(c) for c in capacities):
        weight += action.effort / max(sum(capacities), EPS)
    return weight


def _density(value: float, weight: float) -> float:
    return math.inf if weight <= EPS else value / weight


class _Ledger:
    """What each phase has left while a plan is built."""

    def __init__(self, problem: _Problem) -> None:
        self.problem = problem
        self.budget = [problem.budget(p) for p in range(len(problem.phases))]
        self.capacity = [problem.capacity(p) for p in range(len(problem.phases))]
        self.phase: dict[int, int] = {}

    def fits(self, members: Iterable[int], p: int) -> bool:
        members = list(members)
        cost = sum(self.problem.actions[i].cost for i in members)
        effort = sum(self.problem.actions[i].effort for i in members)
        return cost <= self.budget[p] + EPS and effort <= self.capacity[p] + EPS

    def place(self, i: int, p: int) -> None:
        self.phase[i] = p
        self.budget[p] -= self.problem.actions[i].cost
        self.capacity[p] -= self.problem.actions[i].effort


def _greedy(problem: _Problem, guide: Sequence[float] | None = None) -> tuple[dict[int, int], list[str]]:
    """A plan built phase by phase from the best bundles (an action with its unplaced dependencies).

    Bundles are taken by value per resource; with ``guide`` (how early the LP relaxation places each action,
    1 = wholly in the first phase) by that first, then by value per resource."""
    ledger = _Ledger(problem)
    problems = _place_pinned(problem, ledger)
    if problems:
        return {}, problems
    weights = [_resource_weight(problem, i) for i in range(len(problem.actions))]
    priority = {}
    for i in range(len(problem.actions)):
        if problem.actions[i].pinned is not None:
            continue
        needed = _ancestors(problem, i) - set(ledger.phase)
        value = problem.values[i] + sum(problem.values[d] for d in needed)
        priority[i] = _density(value, weights[i] + sum(weights[d] for d in needed))
    if guide is None:
        order = sorted(priority, key=lambda i: (-priority[i], i))
    else:
        order = sorted(priority, key=lambda i: (-round(guide[i], 6), -priority[i], i))
    for p in range(len(problem.phases)):
        for i in order:
            if i in ledger.phase or problem.values[i] <= EPS:  # worthless ones only come with a bundle
                continue
            if not ledger.fits((i,), p):  # cheap test first: the bundle holds at least the action
                continue
            bundle = _unplaced_closure(problem, ledger, i, p)
            if bundle is not None and ledger.fits(bundle, p):
                for member in bundle:
                    ledger.place(member, p)
    return _prune_worthless(problem, dict(ledger.phase)), []


def _unplaced_closure(problem: _Problem, ledger: _Ledger, i: int, p: int) -> list[int] | None:
    """``i`` and its unplaced ancestors in dependency order, or None when one is placed after phase ``p``."""
    members = _ancestors(problem, i) | {i}
    bundle = []
    for m in members:
        q = ledger.phase.get(m)
        if q is None:
            bundle.append(m)
        elif q > p:
            return None
    return sorted(bundle, key=problem.position.__getitem__)


def _topo_sorted(problem: _Problem, members: Iterable[int]) -> list[int]:
    return sorted(members, key=problem.position.__getitem__)


def _place_pinned(problem: _Problem, ledger: _Ledger) -> list[str]:
    """Pinned actions where the user put them, their unplaced dependencies as early as they fit."""
    problems = []
    pinned = sorted((a.pinned, i) for i, a in enumerate(problem.actions) if a.pinned is not None)
    for p, i in pinned:
        ledger.place(i, p)
    for p, i in pinned:
        for d in _topo_sorted(problem, _ancestors(problem, i)):
            if d in ledger.phase:
                continue
            earliest = max((ledger.phase[e] for e in problem.deps[d] if e in ledger.phase), default=0)
            spot = next((q for q in range(earliest, p + 1) if ledger.fits([d], q)), None)
            if spot is None:
                problems.append(
                    f"{problem.actions[i].title} is pinned to phase {p + 1}, but its dependency "
                    f"{problem.actions[d].title} fits in no phase up to it"
                )
                return problems
            ledger.place(d, spot)
    return problems


def _prune_worthless(problem: _Problem, chosen: dict[int, int]) -> dict[int, int]:
    """Leave out placed actions that earn nothing and that no placed action needs (keeps plans tidy)."""
    needed = set()
    for i in chosen:
        if problem.values[i] > EPS or problem.actions[i].pinned is not None:
            needed.add(i)
            needed |= _ancestors(problem, i)
    return {i: p for i, p in chosen.items() if i in needed}


# --- the exact model ---------------------------------------------------------------------------------------------
def _build(problem: _Problem, integer: bool) -> object:
    import highspy
    import numpy as np

    n, count = len(problem.actions), len(problem.phases)
    weights = problem.weights

    def col(i: int, p: int) -> int:
        return i * count + p

    costs = np.zeros(n * count)
    lower = np.zeros(n * count)
    upper = np.ones(n * count)
    for i, action in enumerate(problem.actions):
        for p in range(count):
            costs[col(i, p)] = weights[p] * problem.values[i]
            too_big = action.cost > problem.budget(p) + EPS or action.effort > problem.capacity(p) + EPS
            if too_big:
                upper[col(i, p)] = 0.0
        if action.pinned is not None:
            lower[col(i, action.pinned)] = 1.0
    starts, indexes, values, row_lower, row_upper = [0], [], [], [], []

    def add_row(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        for c, v in entries:
            indexes.append(c)
            values.append(v)
        starts.append(len(indexes))
        row_lower.append(lo)
        row_upper.append(hi)

    for i in range(n):
        add_row([(col(i, p), 1.0) for p in range(count)], -math.inf, 1.0)
    for p in range(count):
        if math.isfinite(problem.budget(p)):
            add_row([(col(i, p), a.cost) for i, a in enumerate(problem.actions) if a.cost > 0],
                    -math.inf, problem.budget(p))  # fmt: skip
        if math.isfinite(problem.capacity(p)):
            add_row([(col(i, p), a.effort) for i, a in enumerate(problem.actions) if a.effort > 0],
                    -math.inf, problem.capacity(p))  # fmt: skip
    for i, ds in enumerate(problem.deps):
        for d in ds:
            for p in range(count):
                entries = [(col(i, q), 1.0) for q in range(p + 1)] + [(col(d, q), -1.0) for q in range(p + 1)]
                add_row(entries, -math.inf, 0.0)
    lp = highspy.HighsLp()
    lp.num_col_ = n * count
    lp.num_row_ = len(row_lower)
    lp.col_cost_ = costs
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.array(row_lower)
    lp.row_upper_ = np.array(row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(indexes, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(values)
    lp.a_matrix_.num_col_ = n * count
    lp.a_matrix_.num_row_ = len(row_lower)
    lp.sense_ = highspy.ObjSense.kMaximize
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * (n * count)
    return lp


def _highs(time_limit: float) -> object:
    import highspy

    h = highspy.Highs()
    for name, value in (("output_flag", False), ("threads", 1), ("random_seed", 0), ("time_limit", time_limit),
                        ("mip_rel_gap", MIP_REL_GAP), ("presolve", "on")):  # fmt: skip
        h.setOptionValue(name, value)
    return h


def _solve_mip(
    problem: _Problem, start: dict[int, int] | None, time_limit: float
) -> tuple[dict[int, int], float, bool] | None:
    """The best plan (index -> phase), the solver's bound and whether it proved optimality; None: infeasible."""
    import highspy

    if not problem.actions:
        return {}, 0.0, True
    count = len(problem.phases)
    h = _highs(time_limit)
    h.passModel(_build(problem, integer=True))  # type: ignore[attr-defined]
    if start is not None:
        solution = highspy.HighsSolution()
        values = [0.0] * (len(problem.actions) * count)
        for i, p in start.items():
            values[i * count + p] = 1.0
        solution.col_value = values
        h.setSolution(solution)  # type: ignore[attr-defined]
    h.run()  # type: ignore[attr-defined]
    status = h.getModelStatus()  # type: ignore[attr-defined]
    if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return None
    info = h.getInfo()  # type: ignore[attr-defined]
    if info.primal_solution_status == 0:  # no feasible solution found within the limits
        return None if start is None else (start, math.nan, False)
    columns = h.getSolution().col_value  # type: ignore[attr-defined]
    chosen = {}
    for i in range(len(problem.actions)):
        for p in range(count):
            if columns[i * count + p] > 0.5:
                chosen[i] = p
    bound = float(info.mip_dual_bound)
    return _prune_worthless(problem, chosen), bound, status == highspy.HighsModelStatus.kOptimal


def _lp_relaxation(problem: _Problem, time_limit: float) -> tuple[float, list[float]] | None:
    """The optimum of the LP relaxation (no plan can earn more) and how early it places each action (the sum
    over phases of the phase weight times the fraction placed there); None when it cannot be solved."""
    import highspy

    if not problem.actions:
        return 0.0, []
    h = _highs(time_limit)
    h.passModel(_build(problem, integer=False))  # type: ignore[attr-defined]
    h.run()  # type: ignore[attr-defined]
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:  # type: ignore[attr-defined]
        return None
    columns = h.getSolution().col_value  # type: ignore[attr-defined]
    count, weights = len(problem.phases), problem.weights
    guide = [
        sum(weights[p] * columns[i * count + p] for p in range(count)) for i in range(len(problem.actions))
    ]
    return float(h.getInfo().objective_function_value), guide  # type: ignore[attr-defined]


def _objective(problem: _Problem, chosen: Mapping[int, int]) -> float:
    weights = problem.weights
    return sum(weights[p] * problem.values[i] for i, p in chosen.items())


def _totals(problem: _Problem, chosen: Mapping[int, int]) -> tuple[PhaseTotal, ...]:
    totals = []
    for p in range(len(problem.phases)):
        members = [i for i, q in chosen.items() if q == p]
        totals.append(PhaseTotal(
            len(members), sum(problem.actions[i].cost for i in members),
            sum(problem.actions[i].effort for i in members), sum(problem.values[i] for i in members)))  # fmt: skip
    return tuple(totals)


# --- explanations ------------------------------------------------------------------------------------------------
def _explain(problem: _Problem, chosen: Mapping[int, int]) -> dict[int, Placement]:
    left_budget = [problem.budget(p) for p in range(len(problem.phases))]
    left_capacity = [problem.capacity(p) for p in range(len(problem.phases))]
    for i, p in chosen.items():
        left_budget[p] -= problem.actions[i].cost
        left_capacity[p] -= problem.actions[i].effort
    weights = [_resource_weight(problem, i) for i in range(len(problem.actions))]
    densities = [_density(problem.values[i], weights[i]) for i in range(len(problem.actions))]
    ranked = sorted(range(len(problem.actions)), key=lambda i: (-densities[i], i))
    rank = {i: r + 1 for r, i in enumerate(ranked)}
    placements = {}
    for i, action in enumerate(problem.actions):
        where = chosen.get(i)
        if where is None:
            reason = _why_not_planned(problem, chosen, i, left_budget, left_capacity)
        else:
            reason = _why_here(problem, chosen, i, where, left_budget, left_capacity, rank)
        placements[action.id] = Placement(action.id, where, reason)
    return placements


def _why_here(
    problem: _Problem, chosen: Mapping[int, int], i: int, p: int,
    left_budget: list[float], left_capacity: list[float], rank: Mapping[int, int],
) -> str:  # fmt: skip
    action, label = problem.actions[i], phase_label(problem.phases, p)
    parts: list[str] = []
    if action.pinned is not None:
        parts.append("pinned there")
    elif problem.values[i] <= EPS:
        needers = [problem.actions[j].title for j in problem.dependents[i] if chosen.get(j) is not None]
        parts.append(f"needed first by {_names(needers)}" if needers else "no value of its own")
    elif p == 0:
        parts.append(f"high value per effort ({_value_text(problem, i)}; rank {rank[i]} of {len(rank)})")
    elif (why := _why_not_earlier(problem, chosen, i, p, left_budget, left_capacity)) is not None:
        parts.append(why)
    same = [problem.actions[d].title for d in problem.deps[i] if chosen.get(d) == p]
    if same:
        parts.append(f"its {_dependency_word(same)} {_names(same)} {'is' if len(same) == 1 else 'are'} "
                     f"also in phase {p + 1}")  # fmt: skip
    earlier = [f"{problem.actions[d].title} (phase {chosen[d] + 1})" for d in problem.deps[i]
               if chosen.get(d) is not None and chosen[d] < p]  # fmt: skip
    if earlier:
        parts.append(f"after its {_dependency_word(earlier)} {_names(earlier)}")
    return f"{label}: " + "; ".join(parts)


def _why_not_earlier(
    problem: _Problem, chosen: Mapping[int, int], i: int, p: int,
    left_budget: list[float], left_capacity: list[float],
) -> str | None:  # fmt: skip
    latest_dep = max((chosen[d] for d in problem.deps[i] if d in chosen), default=-1)
    if latest_dep == p:
        return None  # the dependency in the same phase says it
    reasons = [_why_not_in(problem, i, q, left_budget, left_capacity) for q in range(max(latest_dep, 0), p)]
    return "; ".join(reasons)


def _why_not_in(
    problem: _Problem, i: int, q: int, left_budget: list[float], left_capacity: list[float]
) -> str:
    action = problem.actions[i]
    if action.cost > left_budget[q] + EPS:
        return (f"phase {q + 1} budget exhausted (needs {_num(action.cost)}, "
                f"{_num(max(left_budget[q], 0))} left)")  # fmt: skip
    if action.effort > left_capacity[q] + EPS:
        return (f"phase {q + 1} team capacity exhausted (needs {_num(action.effort)} person-days, "
                f"{_num(max(left_capacity[q], 0))} left)")  # fmt: skip
    return f"phase {q + 1} holds actions of more value per effort ({_value_text(problem, i)})"


def _why_not_planned(
    problem: _Problem, chosen: Mapping[int, int], i: int, left_budget: list[float], left_capacity: list[float]
) -> str:
    action = problem.actions[i]
    count = len(problem.phases)
    most_capacity = max(problem.capacity(p) for p in range(count))
    most_budget = max(problem.budget(p) for p in range(count))
    if action.effort > most_capacity + EPS:
        return (f"not planned: needs {_num(action.effort)} person-days, more than any phase's team capacity "
                f"({_num(most_capacity)})")  # fmt: skip
    if action.cost > most_budget + EPS:
        return f"not planned: costs {_num(action.cost)}, more than any phase's budget ({_num(most_budget)})"
    missing = [problem.actions[d].title for d in problem.deps[i] if d not in chosen]
    if missing:
        return f"not planned: its {_dependency_word(missing)} {_names(missing)} {'is' if len(missing) == 1 else 'are'} not planned"
    if problem.values[i] <= EPS:
        return "not planned: no risk reduction and no requirement recorded, so nothing to gain"
    short = [label for label, amount, left in (("budget", action.cost, left_budget),
             ("team capacity", action.effort, left_capacity))
             if all(amount > left[p] + EPS for p in range(count))]  # fmt: skip
    if short:
        return f"not planned: every phase's {' and '.join(short)} is used by actions of more value per effort"
    return "not planned: the actions chosen instead earn more within the limits"


def _value_text(problem: _Problem, i: int) -> str:
    action = problem.actions[i]
    value = problem.values[i]
    if action.effort > EPS:
        return f"{_num(value)} points for {_num(action.effort)} person-days"
    return f"{_num(value)} points, no effort recorded"


def _dependency_word(names: list[str]) -> str:
    return "dependency" if len(names) == 1 else "dependencies"


def _names(names: list[str], most: int = 3) -> str:
    shown = names[:most]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _num(value: float) -> str:
    if math.isinf(value):
        return "no limit"
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"
