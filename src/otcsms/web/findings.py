"""Pages of the continuous checks: the findings list (filters, counts per severity), one finding (accept its
risk), and running the checks now. Every transition is the services' (checks.engine, checks.services)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from otcsms.catalogs.models import Requirement
from otcsms.checks import lifecycle
from otcsms.checks import services as finding_services
from otcsms.checks.engine import REGISTRY, registered, run_checks
from otcsms.checks.models import SEVERITY_ORDER, CheckRun, Finding, Severity
from otcsms.core.http import AuthedRequest
from otcsms.core.inputs import parse_id
from otcsms.core.scoping import can
from otcsms.tenancy.models import Site
from otcsms.ui import exports
from otcsms.ui.links import object_url
from otcsms.ui.sites import current_site_id

STATUS_CHOICES = (("open", "Open"), ("accepted", "Risk accepted"), ("live", "Open or accepted"),
                  ("closed", "Closed"), ("all", "All"))  # fmt: skip
BAR_WIDTH = 290  # SVG units between the labels and the counts
EXPORT_COLUMNS = (("Severity", "severity"), ("Finding", "message"), ("Check", "check_id"),
                  ("Object", "object_repr"), ("Object type", "object_type.name"), ("Site", "site.name"),
                  ("Status", "status"), ("First seen", "first_seen"), ("Last seen", "last_seen"),
                  ("Accepted until", "accepted_until"))  # fmt: skip
_STATUS_FILTER = {"open": ("open",), "accepted": ("accepted",), "live": lifecycle.LIVE, "closed": ("closed",)}


def _visible_findings(request: HttpRequest):
    # ?site= narrows to one of the user's sites (the dashboard's numbers link here per site)
    site_id = parse_id(request.GET.get("site", "")) or current_site_id(request)
    return Finding.objects.for_user(request.user).for_site(site_id)


def _filters(request: HttpRequest) -> dict[str, Any]:
    """The list's filters as given, each value one the page can produce (anything else is ignored)."""
    params = request.GET
    status = params.get("status", "open")
    return {
        "status": status if status in dict(STATUS_CHOICES) else "open",
        "severity": [s for s in params.getlist("severity") if s in Severity.values],
        "check": params.get("check", "")[:100] if params.get("check", "") in REGISTRY else "",
        "type": params.get("type", "")[:100],
    }


@login_required
def finding_list(request: AuthedRequest) -> HttpResponse:
    filters = _filters(request)
    findings = _visible_findings(request).select_related("site", "object_type")
    if filters["status"] != "all":
        findings = findings.filter(status__in=_STATUS_FILTER[filters["status"]])
    if filters["check"]:
        findings = findings.filter(check_id=filters["check"])
    if "." in filters["type"]:
        app_label, _, model = filters["type"].partition(".")
        findings = findings.filter(object_type__app_label=app_label, object_type__model=model)
    counts = _severity_counts(findings)
    if filters["severity"]:
        findings = findings.filter(severity__in=filters["severity"])
    findings = findings.order_by("-first_seen", "-pk")
    if (file := exports.answer(request, "Findings", EXPORT_COLUMNS, lambda: findings)) is not None:
        return file
    page = Paginator(findings, 50).get_page(request.GET.get("page"))
    rows = [{"finding": f, "title": _title(f.check_id)} for f in page]
    return render(request, "web/findings.html", {
        "page": page, "rows": rows, "filters": filters, "counts": counts, "chart": _chart(counts),
        "checks": registered(), "statuses": STATUS_CHOICES, "severities": SEVERITY_ORDER,
        "runs": _latest_runs(request), "run_sites": _sites_to_run(request),
        "export_links": exports.export_links(request),
    })  # fmt: skip


def _severity_counts(findings) -> list[tuple[str, int]]:
    per = dict(findings.values("severity").annotate(n=Count("id")).values_list("severity", "n"))
    return [(severity, per.get(severity, 0)) for severity in SEVERITY_ORDER]


def _chart(counts: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Rows of the bar chart (an inline SVG): each severity's bar, the largest count filling BAR_WIDTH."""
    top = max((n for _, n in counts), default=0) or 1
    return [
        {"severity": s, "count": n, "width": round(BAR_WIDTH * n / top, 1), "y": i * 22}
        for i, (s, n) in enumerate(counts)
    ]


def _title(check_id: str) -> str:
    known = REGISTRY.get(check_id)
    return known.title if known else check_id


def _latest_runs(request: HttpRequest) -> list[CheckRun]:
    runs = CheckRun.objects.for_user(request.user).for_site(current_site_id(request))
    latest = runs.values("site_id").annotate(last=Max("pk")).values_list("last", flat=True)
    return list(
        CheckRun.objects.filter(pk__in=list(latest)).select_related("site").order_by("site__name")[:50]
    )


def _sites_to_run(request: HttpRequest) -> list[Site]:
    """Sites the user may run the checks on now: all (org admins) or those they administer."""
    sites = Site.objects.for_user(request.user, "admin").for_site(current_site_id(request))
    return list(sites.order_by("name")[:100])


@login_required
def finding_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(_all_visible(request).select_related("site", "accepted_by"), pk=pk)
    target = finding.target()
    known = REGISTRY.get(finding.check_id)
    return render(request, "web/finding_detail.html", {
        "finding": finding, "check": known, "object_url": object_url(target) if target else None,
        "requirements": _requirement_rows(finding.requirements),
        "may_accept": finding.status == lifecycle.OPEN and finding_services.may_accept(request.user, finding),
        "max_days": lifecycle.MAX_ACCEPTANCE.days, "reason_max": lifecycle.REASON_MAX,
        "previous": _all_visible(request).filter(pk=finding.previous_id).first() if finding.previous_id else None,
    })  # fmt: skip


def _all_visible(request: HttpRequest):
    return Finding.objects.for_user(request.user)


def _requirement_rows(pairs: list) -> list[dict[str, Any]]:
    """Each [framework key, ref] with the current catalog's requirement, when it is loaded."""
    refs = {ref for _, ref in pairs}
    current = Requirement.objects.filter(ref__in=refs, framework__is_current=True).select_related("framework")
    found = {(r.framework.key, r.ref): r for r in current}
    return [{"framework": key, "ref": ref, "requirement": found.get((key, ref))} for key, ref in pairs]


@login_required
@require_POST
def accept_finding(request: AuthedRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(_all_visible(request), pk=pk)
    until = _end_of_day(request.POST.get("until", ""))
    try:
        if until is None:
            raise finding_services.FindingInputError("give the date the acceptance ends (YYYY-MM-DD)")
        finding_services.accept_finding(
            finding, by=request.user, reason=request.POST.get("reason", ""), until=until
        )
    except finding_services.FindingForbiddenError as exc:
        raise PermissionDenied(str(exc)) from None
    except (finding_services.FindingStateError, finding_services.FindingInputError) as exc:
        messages.error(request, f"Not accepted: {exc}.")
    else:
        messages.success(request, f"Risk accepted until {until:%Y-%m-%d}.")
    return redirect("web:finding_detail", pk=finding.pk)


def _end_of_day(raw: str) -> datetime | None:
    """The end (UTC) of the day ``raw`` names, or None for anything that is not a date."""
    try:
        day = date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


@login_required
@require_POST
def run_now(request: AuthedRequest) -> HttpResponse:
    """Run every check now on one site (its site admins) or on every site (org admins)."""
    raw = request.POST.get("site", "")
    site_id = parse_id(raw)
    if site_id is None and raw:
        messages.error(request, "That site is not available to you.")
        return redirect("web:finding_list")
    if site_id is None and not request.user.is_org_admin:
        raise PermissionDenied("only organisation admins run the checks on every site")
    if site_id is not None and not can(request.user, "admin", site_id):
        raise PermissionDenied("only site admins of the site and organisation admins run its checks")
    site = Site.objects.filter(pk=site_id).first() if site_id is not None else None
    if site_id is not None and site is None:
        messages.error(request, "That site is not available to you.")
        return redirect("web:finding_list")
    report = run_checks(site)
    failed = len(report.errors)
    messages.success(
        request,
        f"Checked {len(report.sites)} site(s): {report.opened} findings opened, {report.closed} closed, "
        f"{report.reopened} reopened" + (f"; {failed} check(s) failed, see the last runs" if failed else "."),
    )
    return redirect("web:finding_list")


def open_severe_count(user, site_id: int | None) -> int:
    """Open high and critical findings (the dashboard tile)."""
    findings = Finding.objects.for_user(user).for_site(site_id)
    return findings.filter(status=lifecycle.OPEN, severity__in=("high", "critical")).count()
