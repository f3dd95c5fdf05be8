"""The choices the Reports page offers for a report's parameter (framework.PARAMETERS): which assessment a
per-assessment report is about, which access review the access-review record shows. Empty: the report's default
(the latest assessment of every framework; every review of the site)."""

from __future__ import annotations

from dataclasses import dataclass

from otcsms.access.models import ReviewCampaign
from otcsms.assessments.models import Assessment
from otcsms.core.models import User
from otcsms.tenancy.models import Site

# kind -> the parameter the page lets the user pick (the builders refuse a parameter they do not take)
PICKED = {"gaps": "assessment", "soa": "assessment", "access-review": "campaign"}
MAX_CHOICES = 100


@dataclass(frozen=True)
class Picker:
    parameter: str  # the query parameter: assessment, campaign
    label: str
    default: str  # what the empty choice means
    choices: list[tuple[int, str]]  # (id, label), newest first


def _assessments(site: Site, user: User) -> list[tuple[int, str]]:
    found = (
        Assessment.objects.for_user(user).filter(site=site).select_related("framework")
        .order_by("-started_on", "-pk")[:MAX_CHOICES]
    )  # fmt: skip
    return [(a.pk, f"{a.name} ({a.framework.name}, {a.started_on:%Y-%m-%d})") for a in found]


def _campaigns(site: Site, user: User) -> list[tuple[int, str]]:
    found = (
        ReviewCampaign.objects.for_user(user).filter(site=site).order_by("-period_end", "-pk")[:MAX_CHOICES]
    )
    return [(c.pk, f"{c.title} ({c.period_start} to {c.period_end}, {c.get_status_display().lower()})")
            for c in found]  # fmt: skip


def pickers(site: Site, user: User) -> dict[str, Picker]:
    """kind -> its picker at ``site`` as ``user`` may see it (kinds with nothing to pick are left out)."""
    assessments = _assessments(site, user)
    campaigns = _campaigns(site, user)
    by_parameter = {
        "assessment": Picker("assessment", "Assessment", "the latest of every framework", assessments),
        "campaign": Picker("campaign", "Access review", "every review", campaigns),
    }
    return {kind: by_parameter[p] for kind, p in PICKED.items() if by_parameter[p].choices}
