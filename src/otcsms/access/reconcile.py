"""Reconciliation: what exists on a system (its accounts) against what is authorised (its grants).

Plain Python over plain rows, no Django: the checks (``access.checks``), the reconciliation page and
``bench/access.py`` all call ``reconcile``. One pass over the grants builds an index by (system, person); one
pass over the accounts classifies each; one pass over the grants finds those past expiry and still in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final

# Privileges in increasing order of what they allow.
PRIVILEGE_RANK: Final[dict[str, int]] = {"view": 1, "operate": 2, "engineer": 3, "administer": 4}
# Kinds of account that are nobody's own login: each needs a person accountable for it.
OWNED_KINDS: Final = frozenset({"shared", "service", "emergency"})

# Categories, in the order a report lists them; each is one check (access.checks) and one suggested action.
UNKNOWN: Final = "unknown"
ORPHANED: Final = "orphaned"
DORMANT: Final = "dormant"
PRIVILEGE_ABOVE_GRANT: Final = "privilege-above-grant"
SHARED_WITHOUT_OWNER: Final = "shared-without-owner"
EXPIRED_GRANT_PRESENT: Final = "expired-grant-present"
CATEGORIES: Final = (
    UNKNOWN,
    ORPHANED,
    DORMANT,
    PRIVILEGE_ABOVE_GRANT,
    SHARED_WITHOUT_OWNER,
    EXPIRED_GRANT_PRESENT,
)

SUGGESTED_ACTIONS: Final[dict[str, str]] = {
    UNKNOWN: "Disable the account, or record the grant that authorises it (with its approver).",
    ORPHANED: "Disable or remove the account: the person accountable for it has left.",
    DORMANT: "Disable the account if nobody needs it; confirm it in the next access review otherwise.",
    PRIVILEGE_ABOVE_GRANT: "Lower the account's privilege to what was granted, or approve a grant for it.",
    SHARED_WITHOUT_OWNER: "Name the person accountable for the shared account (and change its password).",
    EXPIRED_GRANT_PRESENT: "Revoke the expired grant and disable the access, or renew the grant with approval.",
}


@dataclass(frozen=True, slots=True)
class AccountRow:
    key: int  # the account's id (or the row number in a file)
    system: int
    username: str
    kind: str  # human, service, shared, vendor-remote, emergency
    privilege: str  # view, operate, engineer, administer, or "" when the export does not say
    person: int | None  # the person accountable
    person_active: bool = True
    enabled: bool = True
    last_logon: datetime | None = None


@dataclass(frozen=True, slots=True)
class GrantRow:
    key: int
    system: int
    person: int
    privilege: str
    starts_on: date | None = None
    expires_on: date | None = None
    revoked: bool = False
    electronic: bool = True


@dataclass(frozen=True, slots=True)
class Discrepancy:
    category: str
    kind: str  # "account" or "grant"
    key: int
    system: int
    message: str

    @property
    def suggested_action(self) -> str:
        return SUGGESTED_ACTIONS[self.category]


@dataclass
class Report:
    accounts: int = 0
    grants: int = 0
    discrepancies: list[Discrepancy] = field(default_factory=list)

    def by_category(self) -> dict[str, list[Discrepancy]]:
        grouped: dict[str, list[Discrepancy]] = {category: [] for category in CATEGORIES}
        for item in self.discrepancies:
            grouped[item.category].append(item)
        return grouped

    def counts(self) -> dict[str, int]:
        return {category: len(items) for category, items in self.by_category().items()}


def rank(privilege: str) -> int:
    return PRIVILEGE_RANK.get(privilege, 0)


def grant_in_force(grant: GrantRow, today: date) -> bool:
    if grant.revoked:
        return False
    if grant.starts_on is not None and grant.starts_on > today:
        return False
    return grant.expires_on is None or grant.expires_on >= today


def reconcile(
    accounts: Iterable[AccountRow], grants: Iterable[GrantRow], *, now: datetime, dormant_days: int = 90
) -> Report:
    """Every discrepancy between the accounts and the grants (any number of systems at once)."""
    today = now.date()
    dormant_before = now - timedelta(days=dormant_days)
    report = Report()
    granted: dict[tuple[int, int], int] = {}  # (system, person) -> highest privilege rank in force
    expired: list[GrantRow] = []
    for grant in grants:
        report.grants += 1
        if grant_in_force(grant, today):
            pair = (grant.system, grant.person)
            if rank(grant.privilege) > granted.get(pair, 0):
                granted[pair] = rank(grant.privilege)
            elif pair not in granted:
                granted[pair] = 0
        elif not grant.revoked and grant.expires_on is not None and grant.expires_on < today:
            expired.append(grant)
    enabled_holders: set[tuple[int, int]] = set()
    found = report.discrepancies
    for account in accounts:
        report.accounts += 1
        if not account.enabled:
            continue
        if account.person is not None:
            enabled_holders.add((account.system, account.person))
        found.extend(_account_problems(account, granted, dormant_before))
    for grant in expired:
        still = (grant.system, grant.person) in enabled_holders
        where = "an enabled account on the system remains" if still else "it was never revoked"
        found.append(
            Discrepancy(
                EXPIRED_GRANT_PRESENT, "grant", grant.key, grant.system,
                f"{grant.privilege} grant expired on {grant.expires_on.isoformat() if grant.expires_on else '?'} "
                f"and is still in force: {where}",
            )
        )  # fmt: skip
    return report


def _account_problems(
    account: AccountRow, granted: dict[tuple[int, int], int], dormant_before: datetime
) -> list[Discrepancy]:
    problems: list[Discrepancy] = []

    def add(category: str, message: str) -> None:
        problems.append(Discrepancy(category, "account", account.key, account.system, message))

    name = account.username
    if account.person is None:
        if account.kind in OWNED_KINDS:
            add(SHARED_WITHOUT_OWNER, f"{account.kind} account {name} has no person accountable for it")
        else:
            add(UNKNOWN, f"account {name} belongs to nobody known and no grant authorises it")
    elif not account.person_active:
        add(ORPHANED, f"account {name} is enabled but the person accountable for it has left")
    elif account.kind not in OWNED_KINDS:
        held = granted.get((account.system, account.person))
        if held is None:
            add(UNKNOWN, f"account {name} exists but no grant in force authorises it")
        elif account.privilege and rank(account.privilege) > held:
            allowed = next((p for p, r in PRIVILEGE_RANK.items() if r == held), "nothing")
            add(PRIVILEGE_ABOVE_GRANT, f"account {name} has {account.privilege}; the grant allows {allowed}")
    if account.last_logon is not None and account.last_logon < dormant_before:
        add(DORMANT, f"account {name} last logged on {account.last_logon.date().isoformat()}")
    return problems
