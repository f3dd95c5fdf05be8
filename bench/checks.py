"""Continuous checks at fleet scale (issue 15): every registered check over every site of the fleet data set
(bench/fleet.py's seeded generator: 50 sites, 500 zones, 20,000 assets with Modbus endpoints, about 50,000
responses), plus a few documents past review, overdue actions and nonconformities per site.

Prints, per check, the time over all sites and the queries it made per site (fewest and most: "constant" when
they are the same on every site, whatever its rows); then the whole run as `otcsms check` does it (evaluating
every check and recording the findings), and one KPI capture of every site.
Target (issue 15): all checks under 10 s; no check with more than a constant number of queries per site.
Usage: python bench/checks.py [--seed 62443] [--sites 50] [--assets 20000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections import defaultdict

from _support import machine_line, setup
from fleet import build


def extra_rows(rng: random.Random) -> None:
    """Per site: documents past review, overdue planned actions, open nonconformities (a few of each)."""
    from django.utils import timezone

    from otcsms.evidence.models import Document
    from otcsms.improvement.models import Nonconformity
    from otcsms.roadmap.models import Action
    from otcsms.tenancy.models import Site

    past = timezone.localdate() - dt.timedelta(days=40)
    for site in Site.objects.all():
        n = rng.randint(2, 8)
        Document.objects.bulk_create(
            [Document(site=site, kind="policy", title=f"Policy {i}", next_review=past) for i in range(n)]
        )
        Action.objects.bulk_create(
            [Action(site=site, title=f"Action {i}", status="planned", due_on=past) for i in range(n)]
        )
        Nonconformity.objects.bulk_create(
            [Nonconformity(site=site, title=f"NC {i}", description="d", due_on=past) for i in range(n)]
        )


def per_check(sites) -> tuple[dict[str, float], dict[str, list[int]]]:
    """Seconds per check over all sites, and its queries on each site (the engine's evaluation, no recording)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from otcsms.access import checks as access_checks
    from otcsms.checks.engine import registered

    seconds: dict[str, float] = defaultdict(float)
    queries: dict[str, list[int]] = defaultdict(list)
    for site in sites:
        access_checks.MEMO.clear()  # one reconciliation per site, made by the first access check
        for check in registered():
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                list(check.function(site))
                seconds[check.id] += time.perf_counter() - start
            queries[check.id].append(len(captured))
    return seconds, queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=62443)
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    setup(args.database_url)
    from otcsms.checks.engine import load_registered_checks, run_checks
    from otcsms.core.actor import Actor, acting_as
    from otcsms.improvement import services
    from otcsms.plant.models import Asset, ProtocolEndpoint, Zone
    from otcsms.tenancy.models import Site

    print(machine_line())
    load_registered_checks()
    with acting_as(Actor(kind="worker", label="worker:checks-bench")):
        start = time.perf_counter()
        _assessments, _seconds, _imported = build(args.seed, args.sites, args.assets)
        extra_rows(random.Random(args.seed + 2))
        print(f"built in {time.perf_counter() - start:.0f} s: {Site.objects.count()} sites, {Zone.objects.count()} "
              f"zones, {Asset.objects.count():,} assets, {ProtocolEndpoint.objects.count():,} endpoints")  # fmt: skip
        sites = list(Site.objects.order_by("pk"))
        seconds, queries = per_check(sites)
        print(f"{'check':<45} {'seconds':>8} {'queries/site':>14}")
        for check_id in sorted(seconds, key=lambda c: -seconds[c]):
            low, high = min(queries[check_id]), max(queries[check_id])
            shape = f"{low}" if low == high else f"{low}-{high}"
            print(f"{check_id:<45} {seconds[check_id]:>8.2f} {shape:>14}")
        evaluated = sum(seconds.values())
        print(f"all checks, evaluated over {len(sites)} sites: {evaluated:.2f} s (target < 10 s)")
        start = time.perf_counter()
        report = run_checks()
        recorded = time.perf_counter() - start
        print(f"`otcsms check` (evaluate + record findings) over {len(sites)} sites: {recorded:.2f} s; "
              f"{report.summary()}")  # fmt: skip
        start = time.perf_counter()
        captured = services.capture(sites)
        print(f"KPI capture of every site: {time.perf_counter() - start:.2f} s; {captured.summary()}")
    varying = {c: (min(q), max(q)) for c, q in queries.items() if min(q) != max(q)}
    print(json.dumps({"sites": len(sites), "seed": args.seed, "checks_seconds": round(evaluated, 2),
                      "run_seconds": round(recorded, 2), "queries_vary": varying}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
