"""Exports for an auditor: the record of an access review, and a site's whole access record (XLSX, one sheet per
part: grants with revocation delays, accounts, reconciliation, reviews, the access-change log).

Evidence hook: ``review_record(campaign, fmt)`` returns the file name and bytes of a review's record and
``REVIEW_EVIDENCES`` the requirements it evidences. The evidence app (C5, a layer above this one) can store the
bytes as a document version and link it to those requirements; this app never imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from django.utils.text import slugify

from otcsms.access import changelog
from otcsms.access.models import AccessGrant, Account, ReviewCampaign
from otcsms.access.services import items_for, limits_of, site_report
from otcsms.core.models import User
from otcsms.core.spreadsheet import write_csv, write_xlsx, write_xlsx_sheets
from otcsms.tenancy.models import Site

# (framework key, requirement id as the shipped catalogs write it)
REVIEW_EVIDENCES: Final = (
    ("nerc-cip", "CIP-004-7 R4.2"),
    ("nerc-cip", "CIP-004-7 R4.3"),
    ("iec62443-3-3", "SR 1.3"),
    ("iec62443-3-3", "SR 2.1"),
    ("iec62443-2-1-2024", "USER 1.4"),
)
TERMINATION_EVIDENCES: Final = (("nerc-cip", "CIP-004-7 R5.1"), ("iec62443-2-1-2024", "USER 1.2"))
CONTENT_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
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
    """(file name, bytes) of the review's record as CSV or XLSX; cells never start a formula."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError("format must be csv or xlsx")
    rows = review_rows(campaign)
    name = f"access-review-{slugify(campaign.title)[:60] or campaign.pk}.{fmt}"
    if fmt == "xlsx":
        return name, write_xlsx("access review", REVIEW_COLUMNS, rows)
    return name, write_csv(REVIEW_COLUMNS, rows)


# --- the whole access record of a site ------------------------------------------------------------------
RECORD_EVIDENCES: Final = (*REVIEW_EVIDENCES, *TERMINATION_EVIDENCES)


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
    report = site_report(site)
    names = {("account", a.pk): str(a) for a in accounts} | {("grant", g.pk): str(g) for g in grants}
    sheets: list[tuple[str, Sequence[str], list[list[str]]]] = [
        ("evidences", ("framework", "requirement"), [list(pair) for pair in RECORD_EVIDENCES]),
        ("grants", GRANT_COLUMNS, [_grant_row(g, limits.revocation_limit_hours) for g in grants]),
        ("accounts", ("system", "username", "kind", "person accountable", "auth", "privilege", "status",
                      "last logon (UTC)"),
         [[a.system.name, a.username, a.kind, a.person.name if a.person else "", a.auth, a.privilege, a.status,
           _when(a.last_logon)] for a in accounts]),
        ("reconciliation", ("category", "object", "discrepancy", "suggested action"),
         [[d.category, names.get((d.kind, d.key), ""), d.message, d.suggested_action] for d in report.discrepancies]),
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
