"""REST endpoints of background jobs: schedules (members read, organisation admins change and run them)
and the runs the database queue recorded."""

from typing import Any

from django.db import transaction
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from otcsms.core.crud import Resource, get_visible_or_404, register, require_write
from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.core.pagination import Page
from otcsms.core.scoping import is_member
from otcsms.jobs import runs, services
from otcsms.jobs import schemas as s
from otcsms.jobs.definitions import UnknownJobError
from otcsms.jobs.inflight import RunInProgressError
from otcsms.jobs.models import Schedule

router = Router(tags=["jobs"])


def _update_schedule(user: User, schedule: Schedule, data: dict[str, Any]) -> Schedule:
    reason = data.pop("reason", "")
    return services.update_schedule(schedule, data, reason)


SCHEDULES = Resource(
    Schedule, "schedules", s.ScheduleOut, schema_update=s.ScheduleUpdate, filters=s.ScheduleFilter,
    ordering=("name",), deletable=False, update_hook=_update_schedule, tags=["jobs"],
)  # fmt: skip
register(router, SCHEDULES)


@router.post("/schedules/{id:pk}/run", response={202: s.RunRequested}, operation_id="schedules_run")
def run_schedule(request: AuthedRequest, pk: int):
    """Enqueue the schedule's job now (also when it is disabled); a worker runs it at its next round."""
    schedule = get_visible_or_404(SCHEDULES, request, pk)
    require_write(request, Schedule, None, "change")
    try:
        with transaction.atomic():
            task_id = services.run_now(schedule)
    except (UnknownJobError, RunInProgressError) as exc:
        raise HttpError(409, f"cannot run {schedule.name}: {exc}") from None
    return Status(202, {"schedule_id": schedule.pk, "task_id": task_id})


@router.get("/job-runs", response=list[s.JobRunOut], operation_id="job_runs_list")
@paginate(Page)
def list_runs(request: AuthedRequest, filters: Query[s.JobRunFilter]):
    """Recent runs, newest first (database queue only)."""
    if not is_member(request.user):
        raise HttpError(403, "you have no role in this organisation")
    task_path = None
    if filters.schedule:
        schedule = Schedule.objects.for_user(request.user).filter(name=filters.schedule).first()
        if schedule is None:
            raise HttpError(404, f"no schedule {filters.schedule!r}")
        task_path = schedule.task_path
    return runs.recent_runs(status=filters.status, task_path=task_path)
