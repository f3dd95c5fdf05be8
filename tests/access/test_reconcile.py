"""The pure reconciliation: each kind of discrepancy appears when it should and not otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime

from otcsms.access import reconcile as rc
from otcsms.access.reconcile import AccountRow, GrantRow, reconcile

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def categories(accounts, grants, **kw):
    return sorted((d.category, d.key) for d in reconcile(accounts, grants, now=NOW, **kw).discrepancies)


def test_an_authorised_account_is_clean():
    assert (
        categories([AccountRow(1, 10, "ann", "human", "operate", 7)], [GrantRow(1, 10, 7, "operate")]) == []
    )


def test_each_discrepancy():
    accounts = [
        AccountRow(1, 10, "ghost", "human", "view", None),  # nobody's: unknown
        AccountRow(2, 10, "bob", "human", "view", 8),  # no grant: unknown
        AccountRow(3, 10, "dan", "human", "view", 9, person_active=False),  # person left: orphaned
        AccountRow(4, 10, "ann", "human", "administer", 7),  # grant says operate
        AccountRow(5, 10, "opshared", "shared", "operate", None),  # shared without owner
        AccountRow(
            6, 10, "old", "service", "view", 7, last_logon=datetime(2025, 1, 1, tzinfo=UTC)
        ),  # dormant
        AccountRow(7, 10, "off", "human", "administer", None, enabled=False),  # disabled: not reported
    ]
    grants = [
        GrantRow(1, 10, 7, "operate"),
        GrantRow(2, 10, 11, "view", expires_on=date(2026, 5, 1)),  # expired, never revoked
        GrantRow(3, 10, 12, "view", expires_on=date(2026, 5, 1), revoked=True),  # expired and revoked: fine
    ]
    assert categories(accounts, grants) == [
        (rc.DORMANT, 6), (rc.EXPIRED_GRANT_PRESENT, 2), (rc.ORPHANED, 3), (rc.PRIVILEGE_ABOVE_GRANT, 4),
        (rc.SHARED_WITHOUT_OWNER, 5), (rc.UNKNOWN, 1), (rc.UNKNOWN, 2),
    ]  # fmt: skip


def test_dormancy_follows_the_site_limit():
    account = AccountRow(1, 10, "ann", "human", "operate", 7, last_logon=datetime(2026, 4, 1, tzinfo=UTC))
    grant = GrantRow(1, 10, 7, "operate")
    assert categories([account], [grant], dormant_days=90) == []
    assert categories([account], [grant], dormant_days=30) == [(rc.DORMANT, 1)]


def test_a_grant_on_another_system_or_not_started_does_not_authorise():
    account = AccountRow(1, 10, "ann", "human", "view", 7)
    assert categories([account], [GrantRow(1, 11, 7, "administer")]) == [(rc.UNKNOWN, 1)]
    assert categories([account], [GrantRow(1, 10, 7, "view", starts_on=date(2026, 7, 1))]) == [
        (rc.UNKNOWN, 1)
    ]


def test_expired_grant_says_whether_an_account_remains():
    grant = GrantRow(1, 10, 7, "view", expires_on=date(2026, 1, 1))
    report = reconcile([AccountRow(1, 10, "ann", "human", "view", 7)], [grant], now=NOW)
    expired = [d for d in report.discrepancies if d.category == rc.EXPIRED_GRANT_PRESENT]
    assert "an enabled account on the system remains" in expired[0].message
    assert report.counts()[rc.UNKNOWN] == 1 and expired[0].suggested_action.startswith("Revoke")
