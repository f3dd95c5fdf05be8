"""REST endpoints of the continuous checks: findings, accepting one, check runs, the registry, running now."""

from typing import Any

from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import paginate

from otcsms.checks import engine as checks
from otcsms.checks import schemas as s
from otcsms.checks import services as finding_services
from otcsms.checks.models import CheckRun, Finding
from otcsms.core.crud import Resource, get_visible_or_404, register
from otcsms.core.http import AuthedRequest
from otcsms.core.pagination import Page
from otcsms.core.scoping import can, is_member

router = Router(tags=["checks"])

FINDINGS = Resource(
    Finding, "findings", s.FindingOut, filters=s.FindingFilter, ordering=("-first_seen", "-pk"),
    deletable=False, tags=["checks"],
)  # fmt: skip
CHECK_RUNS = Resource(
    CheckRun, "check-runs", s.CheckRunOut, filters=s.CheckRunFilter, ordering=("-started_at", "-pk"),
    deletable=False, tags=["checks"],
)  # fmt: skip
register(router, FINDINGS)
register(router, CHECK_RUNS)


def refusal(exc: Exception) -> HttpError:
    """403 not this user, 409 not in a state that allows it, 422 a reason or expiry that will not do."""
    if isinstance(exc, finding_services.FindingForbiddenError):
        return HttpError(403, str(exc))
    if isinstance(exc, finding_services.FindingStateError):
        return HttpError(409, str(exc))
    return HttpError(422, str(exc))


REFUSALS = (
    finding_services.FindingForbiddenError, finding_services.FindingStateError,
    finding_services.FindingInputError,
)  # fmt: skip


@router.post("/findings/{id:pk}/accept", response=s.FindingOut, operation_id="findings_accept")
def accept(request: AuthedRequest, pk: int, payload: s.FindingAccept) -> Finding:
    """Accept the risk of an open finding until a date: approvers and site admins of its site (403 others,
    409 unless open, 422 without a reason or with an expiry in the past or more than three years ahead)."""
    finding = get_visible_or_404(FINDINGS, request, pk)
    try:
        return finding_services.accept_finding(
            finding, by=request.user, reason=payload.reason, until=payload.until
        )
    except REFUSALS as exc:
        raise refusal(exc) from None


@router.get("/checks", response=list[s.CheckOut], operation_id="checks_list")
@paginate(Page)
def list_checks(request: AuthedRequest) -> list[dict[str, Any]]:
    """The registry: every check with its severity, the requirements it evidences and how to fix a finding."""
    if not is_member(request.user):
        raise HttpError(403, "only members of the organisation see its checks")
    return [
        {"id": c.id, "title": c.title, "severity": c.severity, "remediation": c.remediation,
         "requirements": [list(pair) for pair in c.requirements]}
        for c in checks.registered()
    ]  # fmt: skip


@router.post("/checks/run", response=s.RunOut, operation_id="checks_run")
def run_now(request: AuthedRequest, payload: s.RunRequest) -> dict[str, Any]:
    """Run every check now: on one site (its site admins), or on every site (org admins)."""
    from otcsms.tenancy.models import Site

    user = request.user
    if payload.site_id is None:
        if not user.is_org_admin:
            raise HttpError(403, "only organisation admins run the checks on every site; name a site_id")
        site = None
    else:
        if not can(user, "admin", payload.site_id):
            raise HttpError(403, "only site admins of the site and organisation admins run its checks")
        site = Site.objects.filter(pk=payload.site_id).first()
        if site is None:
            raise HttpError(422, f"site_id: no site with id {payload.site_id}")
    report = checks.run_checks(site)
    return _run_out(report)


def _run_out(report: checks.RunReport) -> dict[str, Any]:
    sites = [
        {"site_id": r.site_id, "site": r.site_name, "run_id": r.run_id, "opened": r.opened, "closed": r.closed,
         "reopened": r.reopened, "results": [o.as_dict() for o in r.outcomes]}
        for r in report.sites
    ]  # fmt: skip
    return {"sites": sites, "opened": report.opened, "closed": report.closed, "reopened": report.reopened,
            "errors": len(report.errors)}  # fmt: skip
