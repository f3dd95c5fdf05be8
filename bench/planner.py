"""Roadmap planner benchmark: 2,000 actions with 3,000 dependency edges over 3 phases, and the plan's objective
next to the optimum (the solver's bound) for a 200-action instance.

    PYTHONPATH=src python bench/planner.py [--seed N]

Targets (issue 14): 2,000 actions under 5 s; within 5 % of optimum at 200 actions. Instances come from a seeded
generator: effort 1-30 person-days, cost 0-60,000, risk reduction 0-25 points, 0-4 requirements, dependencies
only from later to earlier actions (a DAG), budgets and capacities at about a third of the total demand per phase
(so about a third of the actions cannot be placed and the budgets bind); 2 % of the actions without dependencies
are pinned to the first phase.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time

from otcsms.roadmap.planner import Phase, PlanAction, plan


def instance(n: int, edges: int, seed: int) -> tuple[list[PlanAction], list[Phase]]:
    rng = random.Random(seed)
    deps: dict[int, set[int]] = {i: set() for i in range(1, n + 1)}
    made = 0
    while made < edges:
        a = rng.randint(2, n)
        d = rng.randint(max(1, a - 60), a - 1)  # dependencies on nearby earlier actions: chains of work
        if d not in deps[a]:
            deps[a].add(d)
            made += 1
    actions = [
        PlanAction(i, f"action {i}", effort=rng.randint(1, 30), cost=rng.choice([0, rng.randint(500, 60000)]),
                   risk_reduction=rng.randint(0, 25), requirements=rng.randint(0, 4), depends_on=tuple(sorted(deps[i])),
                   pinned=0 if not deps[i] and rng.random() < 0.02 else None)
        for i in range(1, n + 1)
    ]  # fmt: skip
    cost = sum(a.cost for a in actions)
    effort = sum(a.effort for a in actions)
    phases = [Phase("0-90 days", cost * 0.12, effort * 0.12), Phase("3-12 months", cost * 0.25, effort * 0.25),
              Phase("12-24 months", cost * 0.3, effort * 0.3)]  # fmt: skip
    return actions, phases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(
        f"python {platform.python_version()} on {platform.machine()}, seed {args.seed}, load average {load:.1f}"
    )

    actions, phases = instance(2000, 3000, args.seed)
    started, cpu = time.perf_counter(), time.process_time()
    result = plan(actions, phases)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    placed = sum(1 for p in result.placements.values() if p.phase is not None)
    print(f"2000 actions, 3000 edges, 3 phases: {seconds:.2f} s ({cpu:.2f} s CPU, {result.method}), {placed} placed, "
          f"objective {result.objective:.1f}, LP bound {result.bound:.1f}, gap {100 * (result.gap or 0):.2f} %")  # fmt: skip

    actions, phases = instance(200, 300, args.seed)
    started, cpu = time.perf_counter(), time.process_time()
    exact = plan(actions, phases)
    exact_seconds, exact_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    greedy = plan(actions, phases, method="greedy")
    greedy_seconds = time.perf_counter() - started
    print(f"200 actions, 300 edges: exact {exact.objective:.1f} (bound {exact.bound:.1f}, gap "
          f"{100 * (exact.gap or 0):.3f} %, within the solver's 0.5 % tolerance: {exact.optimal}) in {exact_seconds:.2f} s "
          f"({exact_cpu:.2f} s CPU)")  # fmt: skip
    print(f"200 actions, 300 edges: greedy {greedy.objective:.1f} = {100 * greedy.objective / exact.bound:.1f} % "
          f"of the bound, in {greedy_seconds:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
