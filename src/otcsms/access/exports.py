"""Exports for an auditor: the record of an access review, the access-change log, the reconciliation report,
and a site's whole access record (XLSX, one sheet per part).

Each part names the requirements it evidences (``*_EVIDENCES``): ``access.record_evidence`` stores the parts of
a signed-off review as evidence document versions linked to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from django.utils import timezone
from django.utils.text import slugify

from otcsms.access import changelog
from otcsms.access import reconcile as rc
from otcsms.access.models import AccessGrant, Account, ReviewCampaign
from otcsms.access.services import SiteReconciliation, items_for, limits_of, reconcile_site
from otcsms.access.tables import CONTENT_TYPES as CONTENT_TYPES
from otcsms.access.tables import FORMATS, write_table
from otcsms.core.models import User
from otcsms.core.spreadsheet import write_xlsx_sheets
from otcsms.tenancy.models import Site

# (framework key, requirement id as the shipped catalogs write it)
# The review's decisions: quarterly verification of authorisation records, 15-month privilege verification,
# account lifecycle and authorisation enforcement, access rights assigned and reviewed.
REVIEW_EVIDENCES: Final = (
    ("nerc-cip", "CIP-004-7 R4.2"),
    ("nerc-cip", "CIP-004-7 R4.3"),
    ("iec62443-3-3", "SR 1.3"),
    ("iec62443-3-3", "SR 2.1"),
    ("iec62443-2-1-2024", "USER 1.4"),
    ("iec62443-2-1-2010", "4.3.3.5.6"),
)
# The change log: who granted and revoked what on whose approval, revocations on termination and their times.
TERMINATION_EVIDENCES: Final = (("nerc-cip", "CIP-004-7 R5.1"), ("iec62443-2-1-2024", "USER 1.2"))
CHANGE_LOG_EVIDENCES: Final = (
    ("nerc-cip", "CIP-004-7 R4.1"),
    *TERMINATION_EVIDENCES,
    ("nerc-cip", "CIP-004-7 R5.3"),
    ("iec62443-3-3", "SR 1.3"),
    ("iec62443-2-1-2010", "4.3.3.5.8"),
)
# The reconciliation: accounts checked against authorisation records, unneeded accounts found.
RECONCILIATION_EVIDENCES: Final = (
    ("nerc-cip", "CIP-004-7 R4.2"),
    ("iec62443-3-3", "SR 1.3"),
    ("iec62443-3-3", "SR 2.1"),
    ("iec62443-2-1-2024", "USER 1.2"),
    ("iec62443-2-1-2024", "USER 1.5"),
    ("iec62443-2-1-2010", "4.3.3.5.4"),
    ("iec62443-2-1-2010", "4.3.3.5.5"),
)
REVIEW_COLUMNS: Final = (
    "review", "site", "system", "person", "privilege", "access type", "granted from", "expires", "approved by",
    "justification", "reviewer", "decision", "comment", "decided at (UTC)", "decided by", "signed off by",
    "signed off at (UTC)",
)  # fmt: skip


def review_rows(campaign: ReviewCampaign) -> list[list[str]]:
    signer = str(campaign.signed_off_by or "")
    signed = campaign.signed_off_at.strftime("%Y-%m-%d %H:%M") if campaign.signed_off_at else ""
    rows = []
    for item in items_for(campaign):
        grant = item.grant
        rows.append([
            campaign.title, str(campaign.site), grant.system.name, grant.person.name, grant.privilege,
            grant.access_type, grant.starts_on.isoformat(), grant.expires_on.isoformat() if grant.expires_on else "",
            grant.approved_by.name, grant.justification, str(item.reviewer or ""), item.decision, item.comment,
            item.decided_at.strftime("%Y-%m-%d %H:%M") if item.decided_at else "", str(item.decided_by or ""),
            signer, signed,
        ])  # fmt: skip
    return rows


def review_record(campaign: ReviewCampaign, fmt: str) -> tuple[str, bytes]:
    """(file name, bytes) of the review's record as CSV, XLSX or JSON; cells never start a formula."""
    _check_format(fmt)
    name = f"access-review-{slugify(campaign.title)[:60] or campaign.pk}.{fmt}"
    return name, write_table("access review", REVIEW_COLUMNS, review_rows(campaign), fmt)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")


# --- the access-change log of a review's period ------------------------------------------------------------
def change_log_record(user: User | None, campaign: ReviewCampaign, fmt: str) -> tuple[str, bytes]:
    """(file name, bytes): the site's access changes from the first day of the review's period until now."""
    _check_format(fmt)
    since = datetime.combine(
        campaign.period_start, datetime.min.time(), tzinfo=timezone.get_current_timezone()
    )
    rows = changelog.changes(user, site_id=campaign.site_id, since=since)
    name = f"access-changes-{campaign.site.code}-from-{campaign.period_start:%Y-%m-%d}.{fmt}"
    return name, changelog.export(rows, fmt)


# --- the reconciliation report ------------------------------------------------------------------------
RECONCILIATION_COLUMNS: Final = (
    "site", "system", "category", "object", "discrepancy", "suggested action", "reconciled at (UTC)",
)  # fmt: skip


def reconciliation_rows(site: Site, reconciliation: SiteReconciliation, at: datetime) -> list[list[str]]:
    when = _when(at)
    rows = []
    for item in reconciliation.report.discrepancies:
        obj = reconciliation.object_of(item)
        rows.append([site.name, obj.system.name if obj is not None else "", item.category,
                     str(obj) if obj is not None else f"{item.kind} {item.key}", item.message,
                     item.suggested_action, when])  # fmt: skip
    return rows


def reconciliation_report(
    site: Site, fmt: str, *, at: datetime | None = None
) -> tuple[str, bytes, rc.Report]:
    """(file name, bytes, report): every discrepancy of the site now, with its suggested action."""
    _check_format(fmt)
    at = at or timezone.now()
    reconciliation = reconcile_site(site, now=at)
    rows = reconciliation_rows(site, reconciliation, at)
    name = f"access-reconciliation-{site.code}-{at:%Y-%m-%d}.{fmt}"
    return name, write_table("reconciliation", RECONCILIATION_COLUMNS, rows, fmt), reconciliation.report


# --- the whole access record of a site ------------------------------------------------------------------
RECORD_EVIDENCES: Final = tuple(
    dict.fromkeys((*REVIEW_EVIDENCES, *CHANGE_LOG_EVIDENCES, *RECONCILIATION_EVIDENCES))
)


def site_record(user: User, site: Site) -> tuple[str, bytes]:
    """(file name, XLSX bytes): a site's access record for an auditor, one sheet each: what it evidences, the
    grants (with revocation times and delays after terminations), the accounts, the open discrepancies with
    their suggested actions, every review decision, and the access-change log (when the user may read the
    site's audit trail). Cells never start a formula."""
    limits = limits_of(site.pk)
    grants = AccessGrant.objects.filter(site=site).select_related(
        "system", "person", "requested_by", "approved_by"
    )
    accounts = Account.objects.filter(site=site).select_related("system", "person")
    reconciliation = reconcile_site(site)
    sheets: list[tuple[str, Sequence[str], list[list[str]]]] = [
        ("evidences", ("framework", "requirement"), [list(pair) for pair in RECORD_EVIDENCES]),
        ("grants", GRANT_COLUMNS, [_grant_row(g, limits.revocation_limit_hours) for g in grants]),
        ("accounts", ("system", "username", "kind", "person accountable", "auth", "privilege", "status",
                      "last logon (UTC)"),
         [[a.system.name, a.username, a.kind, a.person.name if a.person else "", a.auth, a.privilege, a.status,
           _when(a.last_logon)] for a in accounts]),
        ("reconciliation", ("category", "object", "discrepancy", "suggested action"),
         [[d.category, str(reconciliation.object_of(d) or ""), d.message, d.suggested_action]
          for d in reconciliation.report.discrepancies]),
        ("reviews", REVIEW_COLUMNS,
         [row for campaign in ReviewCampaign.objects.filter(site=site) for row in review_rows(campaign)]),
        ("access changes", changelog.COLUMNS, [c.cells() for c in changelog.changes(user, site_id=site.pk)]),
    ]  # fmt: skip
    return f"access-record-{site.code}.xlsx", write_xlsx_sheets(sheets)


GRANT_COLUMNS: Final = (
    "system", "person", "privilege", "access type", "justification", "requested by", "approved by", "starts",
    "expires", "status", "revoked at (UTC)", "revocation reason", "termination took effect (UTC)",
    "hours from termination to revocation", "beyond the site's limit",
)  # fmt: skip


def _grant_row(grant: AccessGrant, limit_hours: int) -> list[str]:
    delay = grant.revocation_delay_hours()
    return [
        grant.system.name, grant.person.name, grant.privilege, grant.access_type, grant.justification,
        grant.requested_by.name, grant.approved_by.name, grant.starts_on.isoformat(),
        grant.expires_on.isoformat() if grant.expires_on else "", grant.status, _when(grant.revoked_at),
        grant.revoke_reason, _when(grant.terminated_at), f"{delay:.1f}" if delay is not None else "",
        ("yes" if delay > limit_hours else "no") if delay is not None else "",
    ]  # fmt: skip


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""
