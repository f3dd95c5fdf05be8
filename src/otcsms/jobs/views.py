"""The Jobs page: schedules, their last results and recent runs; organisation admins enable, disable and
run them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from otcsms.core.http import AuthedRequest
from otcsms.core.scoping import is_member
from otcsms.jobs import runs, services
from otcsms.jobs.backend import backend_label, uses_database_queue
from otcsms.jobs.definitions import UnknownJobError
from otcsms.jobs.inflight import RunInProgressError
from otcsms.jobs.models import Schedule

REASON_LENGTH = 500


@login_required
def jobs_page(request: AuthedRequest) -> HttpResponse:
    if not is_member(request.user):
        raise PermissionDenied("you have no role in this organisation")
    page = Paginator(runs.recent_runs(), 25).get_page(request.GET.get("page"))
    names = {s.task_path: s.name for s in Schedule.objects.for_user(request.user)}
    rows = [{"run": r, "job": names.get(r.task_path, runs.job_of(r)), "error": runs.error_of(r)}
            for r in page.object_list]  # fmt: skip
    return render(request, "jobs/jobs.html", {
        "schedules": Schedule.objects.for_user(request.user), "page": page, "run_rows": rows,
        "may_change": request.user.is_org_admin, "backend": backend_label(),
        "database_queue": uses_database_queue(),
    })  # fmt: skip


def _schedule_to_change(request: AuthedRequest, pk: int) -> Schedule:
    if not request.user.is_org_admin:
        raise PermissionDenied("only organisation admins change schedules")
    schedule = Schedule.objects.for_user(request.user, "change").filter(pk=pk).first()
    if schedule is None:
        raise Http404("no such schedule")
    return schedule


def _reason(request: HttpRequest) -> str:
    return request.POST.get("reason", "").strip()[:REASON_LENGTH]


@login_required
@require_POST
def enable(request: AuthedRequest, pk: int) -> HttpResponse:
    schedule = _schedule_to_change(request, pk)
    with transaction.atomic():
        services.set_enabled(schedule, True, _reason(request))
    messages.success(request, f"Enabled {schedule.name}.")
    return redirect("web:jobs")


@login_required
@require_POST
def disable(request: AuthedRequest, pk: int) -> HttpResponse:
    schedule = _schedule_to_change(request, pk)
    with transaction.atomic():
        services.set_enabled(schedule, False, _reason(request))
    messages.success(request, f"Disabled {schedule.name}: it runs only when asked to.")
    return redirect("web:jobs")


@login_required
@require_POST
def run_now(request: AuthedRequest, pk: int) -> HttpResponse:
    schedule = _schedule_to_change(request, pk)
    try:
        with transaction.atomic():
            task_id = services.run_now(schedule, _reason(request))
    except (UnknownJobError, RunInProgressError) as exc:
        messages.error(request, f"Cannot run {schedule.name}: {exc}")
        return redirect("web:jobs")
    messages.success(request, f"Queued {schedule.name} (task {task_id}); a worker runs it at its next round.")
    return redirect("web:jobs")
