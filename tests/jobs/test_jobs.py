"""Jobs in process, with the real scheduler, the real database queue and django-tasks-db's worker."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from otcsms.core.models import AuditEvent
from otcsms.jobs import services
from otcsms.jobs.inflight import RunInProgressError, fail_abandoned, worker_process
from otcsms.jobs.models import Schedule
from otcsms.jobs.scheduler import claim_and_enqueue, enqueue_due
from otcsms.jobs.worker import Round, Stop, run_round, worker_id
from tests.conftest import audit_count
from tests.jobs.sample_jobs import always_fails, make_role


def worker_round() -> Round:
    return run_round(Stop(), worker_id())


def schedule(name: str) -> Schedule:
    return Schedule.objects.get(name=name)


def only(name: str) -> Schedule:
    """The default schedules, all disabled but ``name``."""
    services.ensure_default_schedules()
    for other in Schedule.objects.exclude(name=name):
        services.set_enabled(other, False)
    return schedule(name)


def make_due(name: str) -> None:
    """Let the clock reach the schedule's next run (bookkeeping only: no audit event)."""
    Schedule.objects.filter(name=name).update(next_run_at=timezone.now() - dt.timedelta(seconds=1))


def set_event_repr(seq: int, text: str) -> None:
    with connection.cursor() as cur:  # a database writer without the audit key
        cur.execute("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", [text, seq])


def test_failed_run_is_recorded_and_retried_with_growing_delays(transactional_db, org, checkpoint_dir):
    only("audit-checkpoint")
    target = AuditEvent.objects.order_by("seq").first()
    set_event_repr(target.seq, "edited behind the application")
    events = audit_count()

    assert worker_round().enqueued == ["audit-checkpoint"]
    failed = schedule("audit-checkpoint")
    assert failed.last_result == "failed" and failed.failure_count == 1
    assert failed.last_message.startswith("ChainBrokenError: audit chain BROKEN at event #")
    assert failed.next_run_at == failed.last_finished_at + dt.timedelta(seconds=60)
    run = DBTaskResult.objects.get(id=failed.last_task_id)
    assert run.status == "FAILED"
    assert run.exception_class_path == "otcsms.core.checkpoints.ChainBrokenError"
    assert "BROKEN" in run.traceback
    assert not list(checkpoint_dir.glob("*"))  # nothing half-written, no temporary file left

    assert worker_round().enqueued == []  # not before the retry time
    make_due("audit-checkpoint")
    assert worker_round().enqueued == ["audit-checkpoint"]
    again = schedule("audit-checkpoint")
    assert again.failure_count == 2
    assert again.next_run_at == again.last_finished_at + dt.timedelta(seconds=120)

    set_event_repr(target.seq, target.object_repr)  # repaired
    make_due("audit-checkpoint")
    assert worker_round().enqueued == ["audit-checkpoint"]
    fixed = schedule("audit-checkpoint")
    assert fixed.last_result == "ok" and fixed.failure_count == 0
    assert fixed.next_run_at > timezone.now()
    (written,) = checkpoint_dir.glob("audit-checkpoint-*.json")
    assert fixed.last_message == f"checkpoint of event #{events} written to {written}"
    assert audit_count() == events, "run bookkeeping must not write audit events"


def test_a_jobs_writes_are_audited_as_the_worker(transactional_db):
    result = make_role.enqueue(name="Night shift lead")
    worker_round()
    event = AuditEvent.objects.get(object_type="org.csmsrole", action="create")
    assert (event.actor_kind, event.actor_label) == ("worker", "worker:make-role")
    assert event.request_id == f"job-{result.id}"
    result.refresh()
    assert result.status == "SUCCESSFUL" and result.return_value == "created Night shift lead"


def test_a_failing_job_without_schedule_fails_its_task_only(transactional_db):
    result = always_fails.enqueue()
    worker_round()
    result.refresh()
    assert result.status == "FAILED"
    assert result.errors[0].exception_class_path == "tests.jobs.sample_jobs.PlantOffline"


def test_of_two_workers_that_read_one_slot_only_one_enqueues_it(db):
    only("run-checks")
    now = timezone.now()
    mine, theirs = schedule("run-checks"), schedule("run-checks")
    assert claim_and_enqueue(mine, now) is not None
    assert claim_and_enqueue(theirs, now) is None
    assert DBTaskResult.objects.filter(task_path="otcsms.jobs.tasks.run_checks").count() == 1
    claimed = schedule("run-checks")
    assert claimed.next_run_at == mine.next_run_at + dt.timedelta(hours=1)
    assert enqueue_due(now) == []


def test_disabled_schedules_are_not_enqueued_and_toggling_is_audited(db):
    only("run-checks")
    run_checks = schedule("run-checks")
    events = audit_count()
    services.set_enabled(run_checks, False, "maintenance window")
    assert enqueue_due() == []
    event = AuditEvent.objects.filter(object_type="jobs.schedule").first()
    assert event.seq == events + 1 and event.payload["after"]["enabled"] is False
    assert event.payload["reason"] == "maintenance window"
    assert "next_run_at" not in event.payload["after"]  # bookkeeping stays out of the trail
    services.set_enabled(run_checks, True)
    assert enqueue_due() == ["run-checks"]


def test_a_schedule_naming_a_job_that_no_longer_exists_fails_and_backs_off(db, checkpoint_dir):
    only("run-checks")
    with connection.cursor() as cur:  # e.g. a job removed by an upgrade
        cur.execute("UPDATE jobs_schedule SET task_path = 'otcsms.jobs.tasks.gone' WHERE name = 'run-checks'")
    assert enqueue_due() == []
    broken = schedule("run-checks")
    assert broken.last_result == "failed" and "does not exist" in broken.last_message
    assert broken.next_run_at == broken.last_finished_at + dt.timedelta(seconds=60)
    assert not DBTaskResult.objects.exists()


def test_default_schedules_are_created_once(db):
    created = services.ensure_default_schedules()
    assert {s.name for s in created} == {
        "audit-checkpoint",
        "run-checks",
        "prune-task-results",
        "collect-configs",
    }
    assert services.ensure_default_schedules() == []
    assert AuditEvent.objects.filter(object_type="jobs.schedule", action="create").count() == 4


@pytest.mark.parametrize(
    "fields,problem",
    [
        ({"task_path": "os.system", "interval_seconds": 60}, "task_path"),
        ({"task_path": "otcsms.jobs.tasks.PRUNE_AFTER_DAYS", "interval_seconds": 60}, "task_path"),
        ({"task_path": "otcsms.jobs.tasks.run_checks", "interval_seconds": 5}, "interval_seconds"),
        ({"task_path": "otcsms.jobs.tasks.run_checks", "cron": "0 0 31 2 *"}, "cron"),
        ({"task_path": "otcsms.jobs.tasks.run_checks", "interval_seconds": 60, "cron": "@daily"}, "__all__"),
        ({"task_path": "otcsms.jobs.tasks.run_checks"}, "__all__"),
    ],
)
def test_a_schedule_names_a_job_and_one_timing(db, fields, problem):
    with pytest.raises(ValidationError) as caught:
        Schedule(name="x", **fields).full_clean()
    assert problem in caught.value.message_dict


def test_a_slot_that_comes_while_the_last_run_is_unfinished_is_skipped_not_doubled(transactional_db):
    only("run-checks")
    assert enqueue_due() == ["run-checks"]  # no worker has run it yet: it waits in the queue
    make_due("run-checks")
    assert enqueue_due() == []
    skipped = schedule("run-checks")
    assert skipped.last_skipped_at is not None and skipped.next_run_at > timezone.now()
    assert DBTaskResult.objects.count() == 1
    with pytest.raises(RunInProgressError, match="still ready"):
        services.run_now(skipped)

    worker_round()  # the run finishes; the next slot enqueues again
    make_due("run-checks")
    assert enqueue_due() == ["run-checks"] and DBTaskResult.objects.count() == 2


def dead_pid() -> int:
    """The pid of a process that has just exited (and been reaped): nothing runs under it now."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def start_running(worker: str, started_ago: dt.timedelta) -> DBTaskResult:
    """The run-checks slot enqueued and claimed by ``worker`` as django-tasks-db's worker claims it."""
    only("run-checks")
    enqueue_due()
    run = DBTaskResult.objects.get(id=schedule("run-checks").last_task_id)
    run.claim(worker)
    DBTaskResult.objects.filter(id=run.id).update(started_at=timezone.now() - started_ago)
    return run


def test_a_run_whose_worker_process_died_is_failed_and_its_schedule_runs_again(transactional_db):
    host = socket.gethostname()[:40]
    run = start_running(f"{host}-{dead_pid()}-0badc0de", dt.timedelta(seconds=5))
    make_due("run-checks")
    assert enqueue_due() == []  # the dead run still blocks the slot until a round finds it

    assert fail_abandoned() == [str(run.id)]
    run.refresh_from_db()
    assert run.status == "FAILED" and "no longer exists" in run.traceback
    failed = schedule("run-checks")
    assert failed.last_result == "failed" and failed.failure_count == 1
    assert failed.last_message.startswith("AbandonedRunError: worker ")
    assert fail_abandoned() == []  # failed once

    Schedule.objects.filter(pk=failed.pk).update(next_run_at=timezone.now())  # the retry time has come
    assert worker_round().enqueued == ["run-checks"]
    assert schedule("run-checks").last_result == "ok"


def test_a_run_is_left_alone_while_its_worker_lives_or_its_time_is_not_up(db, settings):
    settings.JOBS_RUN_TIMEOUT_SECONDS = 3600
    host = socket.gethostname()[:40]
    run = start_running(f"{host}-{os.getpid()}-0badc0de", dt.timedelta(hours=0.5))
    assert fail_abandoned() == []
    # a worker on another machine cannot be asked: only the timeout tells
    DBTaskResult.objects.filter(id=run.id).update(worker_ids=["plc-historian-02-4711-0badc0de"])
    assert fail_abandoned() == []
    DBTaskResult.objects.filter(id=run.id).update(started_at=timezone.now() - dt.timedelta(hours=2))
    assert fail_abandoned() == [str(run.id)]
    run.refresh_from_db()
    assert "no result 3600 s after it started on worker plc-historian-02-4711-0badc0de" in run.traceback


@pytest.mark.parametrize(
    "worker,process",
    [("ot-jump-01-4711-0badc0de", ("ot-jump-01", 4711)), ("host-x-0badc0de", None), ("", None),
     ("nohost", None), ("-12-ab", None)],
)  # fmt: skip
def test_worker_ids_are_read_as_host_and_pid(worker, process):
    assert worker_process(worker) == process
