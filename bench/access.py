"""Reconcile an account export of 50,000 accounts against 20,000 grants; print the time and rows per second.

Two measures: the pure reconciliation (``access.reconcile``: what the checks and the report run) and the
reading of the export file itself (``access.accountfile``: CSV into checked records). Target (issue 12): under
3 s for the reconciliation. No database: both are plain Python.

    PYTHONPATH=src python bench/access.py [--accounts 50000] [--grants 20000] [--systems 40]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--grants", type=int, default=20_000)
    parser.add_argument("--systems", type=int, default=40)
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


if __name__ == "__main__":
    main()
