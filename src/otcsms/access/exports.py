"""Exports for an auditor: the record of a completed access review, and the access-change log (changelog).

Evidence hook: ``review_record(campaign, fmt)`` returns the file name and bytes of a review's record and
``REVIEW_EVIDENCES`` the requirements it evidences. The evidence app (C5, a layer above this one) can store the
bytes as a document version and link it to those requirements; this app never imports it.
"""

from __future__ import annotations

from typing import Final

from django.utils.text import slugify

from otcsms.access.models import ReviewCampaign
from otcsms.access.services import items_for
from otcsms.core.spreadsheet import write_csv, write_xlsx

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
