"""Continuous checks of the CSMS organisation and scope (registered in the core check registry)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from otcsms.checks.engine import Problem, check
from otcsms.org.models import ScopeStatement


@check(
    id="org.scope-review-overdue",
    title="CSMS scope statement past its review date",
    severity="medium",
    requirements=(
        ("iec62443-2-1-2010", "4.3.2.2.1"), ("iec62443-2-1-2010", "4.4.3.2"), ("iec62443-2-1-2024", "ORG 2.4"),
    ),
    remediation="Review the site's CSMS scope: revise it (or confirm it unchanged as a new version) and have "
    "an approver approve it; the review date moves on from the new approval.",
)  # fmt: skip
def scope_past_review(site) -> Iterator[Problem]:
    # Only the version in force matters: superseded versions were reviewed by the approval that replaced them.
    today = timezone.localdate()
    current = ScopeStatement.objects.filter(site=site, status=ScopeStatement.Status.APPROVED).order_by(
        "-version"
    )
    scope = current.select_related("site").first()
    if scope is not None and scope.review_due is not None and scope.review_due < today:
        yield Problem(
            scope,
            f"the CSMS scope of {site.name} (version {scope.version}) was due for review on "
            f"{scope.review_due:%Y-%m-%d}",
        )
