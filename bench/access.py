"""Reconcile an account export of 50,000 accounts against 20,000 grants; print the time and rows per second.

Three measures: the pure reconciliation (``access.reconcile``: what the checks and the report run), the
reading of the export file itself (``access.accountfile``: CSV into checked records), and with ``--database``
the six reconciliation checks of one site holding those rows in a real database, as a check run evaluates them:
once with the per-run reconciliation shared by the six (``access.checks.MEMO``), once recomputing it for each
check (how it was before). Target (issue 12): under 3 s.

    PYTHONPATH=src python bench/access.py [--accounts 50000] [--grants 20000] [--systems 40]
        [--database [--database-url postgres://...]]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from otcsms.access.accountfile import read_accounts
from otcsms.access.reconcile import AccountRow, GrantRow, reconcile

PRIVILEGES = ("view", "operate", "engineer", "administer")
KINDS = ("human",) * 16 + ("service", "shared", "vendor-remote", "emergency")


def build(
    accounts: int, grants: int, systems: int, seed: int = 12
) -> tuple[list[AccountRow], list[GrantRow]]:
    rng = random.Random(seed)
    people = max(1, grants // 2)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    grant_rows = [
        GrantRow(
            i,
            rng.randrange(systems),
            rng.randrange(people),
            rng.choice(PRIVILEGES),
            expires_on=date(2026, 1, 1) if i % 50 == 0 else None,
            revoked=i % 97 == 0,
        )  # fmt: skip
        for i in range(grants)
    ]
    account_rows = []
    for i in range(accounts):
        person = rng.randrange(people * 2) if i % 10 else None  # some nobody's, some people with no grant
        account_rows.append(
            AccountRow(
                i,
                rng.randrange(systems),
                f"user{i}",
                rng.choice(KINDS),
                rng.choice(PRIVILEGES),
                person,
                person_active=i % 33 != 0,
                enabled=i % 41 != 0,
                last_logon=now - timedelta(days=rng.randrange(400)),
            )  # fmt: skip
        )
    return account_rows, grant_rows


def export_csv(accounts: list[AccountRow]) -> bytes:
    lines = ["username,kind,privilege,last_logon,enabled"]
    lines += [f"{a.username},{a.kind},{a.privilege},{a.last_logon:%Y-%m-%dT%H:%M:%SZ},"
              f"{'true' if a.enabled else 'false'}" for a in accounts]  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def store(accounts: list[AccountRow], grants: list[GrantRow], systems: int) -> object:
    """The generated rows as one site's people, systems, grants and accounts (audited inserts, one transaction)."""
    from django.db import transaction

    from otcsms.access.models import AccessGrant, AccessSystem, Account
    from otcsms.core.audit import insert_audited
    from otcsms.org.models import Person
    from otcsms.tenancy.models import Organisation, Site

    with transaction.atomic():
        org = Organisation.objects.create(name="Bench operator")
        site = Site.objects.create(organisation=org, name="Bench plant", code="bench")
        people_needed = 1 + max([g.person for g in grants] + [a.person or 0 for a in accounts])
        left = {a.person for a in accounts if a.person is not None and not a.person_active}
        insert_audited(Person, [Person(organisation=org, site=site, name=f"Person {i}", active=i not in left)
                                for i in range(people_needed + 2)])  # fmt: skip
        people = list(Person.objects.filter(site=site).order_by("pk").values_list("pk", flat=True))
        insert_audited(AccessSystem, [AccessSystem(site=site, name=f"System {i}") for i in range(systems)])
        system_ids = list(AccessSystem.objects.filter(site=site).order_by("pk").values_list("pk", flat=True))
        requester, approver = people[-2], people[-1]
        insert_audited(AccessGrant, [
            AccessGrant(site=site, system_id=system_ids[g.system], person_id=people[g.person], privilege=g.privilege,
                        justification="bench", requested_by_id=requester, approved_by_id=approver,
                        starts_on=date(2025, 1, 1), expires_on=g.expires_on,
                        status="revoked" if g.revoked else "active")
            for g in grants
        ])  # fmt: skip
        insert_audited(Account, [
            Account(site=site, system_id=system_ids[a.system], username=a.username, kind=a.kind,
                    privilege=a.privilege, person_id=people[a.person] if a.person is not None else None,
                    status="enabled" if a.enabled else "disabled", last_logon=a.last_logon, auth="", note="")
            for a in accounts
        ])  # fmt: skip
    return site


def checks_in_database(
    accounts: list[AccountRow], grants: list[GrantRow], systems: int, url: str | None
) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from _support import machine_line, setup

    setup(url)
    from otcsms.access import checks as access_checks
    from otcsms.checks.engine import registered
    from otcsms.core.actor import Actor, acting_as

    print(machine_line())
    with acting_as(Actor(kind="system", label="bench")):
        start = time.perf_counter()
        site = store(accounts, grants, systems)
        print(
            f"stored {len(accounts):,} accounts and {len(grants):,} grants in {time.perf_counter() - start:.1f} s"
        )
    reconciling = [c for c in registered() if c.id.startswith("access.") and c.id != "access.review-overdue"]
    for shared in (True, False, True):
        access_checks.MEMO.clear()
        start, cpu = time.perf_counter(), time.process_time()
        problems = 0
        for registered_check in reconciling:
            if not shared:
                access_checks.MEMO.clear()
            problems += sum(1 for _ in registered_check.function(site))  # type: ignore[arg-type]
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        how = "one reconciliation shared by the six checks" if shared else "each check reconciling (before)"
        print(f"six reconciliation checks, {how}: {took:.2f} s wall, {cpu:.2f} s CPU, {problems:,} problems")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--grants", type=int, default=20_000)
    parser.add_argument("--systems", type=int, default=40)
    parser.add_argument("--database", action="store_true", help="also run the checks on a real database")
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL (default: SQLite in a temporary dir)"
    )
    args = parser.parse_args()
    accounts, grants = build(args.accounts, args.grants, args.systems)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    start = time.perf_counter()
    report = reconcile(accounts, grants, now=now, dormant_days=90)
    took = time.perf_counter() - start
    rows = args.accounts + args.grants
    print(f"reconcile: {args.accounts:,} accounts vs {args.grants:,} grants on {args.systems} systems in "
          f"{took:.3f} s ({rows / took:,.0f} rows/s), {len(report.discrepancies):,} discrepancies")  # fmt: skip
    print("  by category: " + ", ".join(f"{k} {v:,}" for k, v in report.counts().items()))
    data = export_csv(accounts)
    start = time.perf_counter()
    parsed = read_accounts(data, "export.csv")
    took = time.perf_counter() - start
    print(f"read export: {len(parsed.records):,} accounts ({len(data) / 2**20:.1f} MB CSV) in {took:.3f} s "
          f"({len(parsed.records) / took:,.0f} rows/s)")  # fmt: skip
    if args.database:
        checks_in_database(accounts, grants, args.systems, args.database_url)


if __name__ == "__main__":
    main()
