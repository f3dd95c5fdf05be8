"""Schedules and runs through the API and the Jobs page: members read, organisation admins change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from otcsms.core.models import AuditEvent
from otcsms.jobs import services
from otcsms.jobs.models import Schedule
from tests.conftest import audit_count
from tests.jobs.sample_jobs import PlantOffline


@pytest.fixture
def schedules(org):
    services.ensure_default_schedules()
    return {s.name: s for s in Schedule.objects.all()}


def items(response) -> list[dict]:
    return response.json()["items"]


@pytest.mark.parametrize("persona", ["org_admin", "a_contributor", "b_viewer", "auditor"])
def test_members_read_schedules(request, api, persona, schedules):
    client = api(request.getfixturevalue(persona))
    listed = items(client.get("/schedules"))
    assert [s["name"] for s in listed] == [
        "audit-checkpoint",
        "collect-configs",
        "prune-task-results",
        "run-checks",
    ]
    one = client.get(f"/schedules/{schedules['run-checks'].pk}").json()
    assert one["timing"] == "every 1 hour" and one["last_result"] == "" and one["enabled"] is True
    assert client.get("/job-runs").status_code == 200


def test_outsider_sees_no_schedule_or_run(api, outsider, schedules):
    client = api(outsider)
    assert items(client.get("/schedules")) == []
    assert client.get(f"/schedules/{schedules['run-checks'].pk}").status_code == 404
    assert client.get("/job-runs").status_code == 403


@pytest.mark.parametrize("persona", ["a_contributor", "b_viewer", "auditor"])
def test_only_org_admins_change_or_run_schedules(request, api, persona, schedules):
    client = api(request.getfixturevalue(persona))
    pk = schedules["audit-checkpoint"].pk
    events = audit_count()
    assert client.patch(f"/schedules/{pk}", {"enabled": False}).status_code == 403
    assert client.post(f"/schedules/{pk}/run").status_code == 403
    assert audit_count() == events and not DBTaskResult.objects.exists()
    assert Schedule.objects.get(pk=pk).enabled is True


def test_org_admin_disables_retimes_and_runs_a_schedule(api, org_admin, schedules):
    client = api(org_admin)
    pk = schedules["run-checks"].pk
    r = client.patch(f"/schedules/{pk}", {"enabled": False, "reason": "checks under review"})
    assert r.status_code == 200 and r.json()["enabled"] is False
    event = AuditEvent.objects.filter(object_type="jobs.schedule", object_id=str(pk)).first()
    assert event.actor_label.startswith("olivia (token ") and event.payload["reason"] == "checks under review"

    r = client.patch(f"/schedules/{pk}", {"cron": "*/15 * * * *"})
    assert r.status_code == 200
    retimed = r.json()
    assert retimed["interval_seconds"] is None and retimed["timing"] == "cron */15 * * * * (UTC)"
    next_run = dt.datetime.fromisoformat(retimed["next_run_at"])
    assert next_run.minute % 15 == 0 and next_run.second == 0 and next_run > dt.datetime.now(dt.UTC)

    r = client.post(f"/schedules/{pk}/run")
    assert r.status_code == 202
    task = DBTaskResult.objects.get(id=r.json()["task_id"])
    assert task.task_path == "otcsms.jobs.tasks.run_checks" and task.args_kwargs["kwargs"] == {
        "schedule_id": pk
    }
    requested = AuditEvent.objects.filter(object_type="jobs.schedule", object_id=str(pk)).first()
    assert requested.payload["reason"] == "run now" and requested.payload["after"]["run_requested_at"]

    # the run has not finished: a second one would overlap it, so it is refused and nothing changes
    events = audit_count()
    r = client.post(f"/schedules/{pk}/run")
    assert r.status_code == 409 and "still ready" in r.json()["detail"]
    assert audit_count() == events and DBTaskResult.objects.count() == 1


@pytest.mark.parametrize(
    "body,field",
    [
        ({"cron": "61 * * * *"}, "cron"),
        ({"cron": "0 0 31 2 *"}, "cron"),
        ({"interval_seconds": 1}, "interval_seconds"),
        ({"interval_seconds": None}, "__all__"),
        ({"task_path": "os.system"}, "task_path"),
        ({"name": "renamed"}, "name"),
    ],
)
def test_bad_schedule_changes_are_refused_and_change_nothing(api, org_admin, schedules, body, field):
    pk = schedules["run-checks"].pk
    client = api(org_admin)
    events = audit_count()
    r = client.patch(f"/schedules/{pk}", body)
    assert r.status_code == 422 and field in str(r.json()["detail"])
    assert audit_count() == events
    assert Schedule.objects.get(pk=pk).interval_seconds == 3600


def failed_run(schedule: Schedule) -> DBTaskResult:
    from otcsms.jobs.tasks import run_checks

    result = run_checks.enqueue(schedule_id=schedule.pk)
    row = DBTaskResult.objects.get(id=result.id)
    try:
        raise PlantOffline("historian at 10.0.0.5 did not answer")
    except PlantOffline as exc:
        row.set_failed(exc)
    return row


def test_runs_show_the_error_to_members_and_the_traceback_to_org_admins(api, org_admin, b_viewer, schedules):
    run = failed_run(schedules["run-checks"])
    for user, traceback_shown in ((org_admin, True), (b_viewer, False)):
        (listed,) = items(api(user).get("/job-runs", status="FAILED", schedule="run-checks"))
        assert listed["id"] == str(run.id) and listed["schedule_id"] == schedules["run-checks"].pk
        assert listed["error"] == "tests.jobs.sample_jobs.PlantOffline: historian at 10.0.0.5 did not answer"
        assert (listed["traceback"] is not None) is traceback_shown
    assert items(api(org_admin).get("/job-runs", status="SUCCESSFUL")) == []
    assert api(org_admin).get("/job-runs", schedule="nope").status_code == 404


def logged_in(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", ["org_admin", "a_contributor", "b_viewer", "auditor"])
def test_jobs_page_lists_schedules_for_members(request, persona, schedules):
    user = request.getfixturevalue(persona)
    failed_run(schedules["run-checks"])
    page = logged_in(user).get("/jobs/").content.decode()
    assert "audit-checkpoint" in page and "every 1 hour" in page and "<time datetime=" in page
    assert "PlantOffline: historian" in page
    assert ("Run now" in page) is user.is_org_admin
    assert 'href="/jobs/"' in page  # in the navigation


def test_outsider_gets_no_jobs_page(outsider, schedules):
    assert logged_in(outsider).get("/jobs/").status_code == 403


def test_page_actions_for_org_admins_only_with_csrf(org_admin, a_contributor, schedules):
    pk = schedules["audit-checkpoint"].pk
    events = audit_count()
    assert logged_in(a_contributor).post(f"/jobs/{pk}/disable/", {"reason": "x"}).status_code == 403
    assert logged_in(org_admin, csrf=True).post(f"/jobs/{pk}/disable/", {"reason": "x"}).status_code == 403
    assert logged_in(org_admin).get(f"/jobs/{pk}/disable/").status_code == 405
    assert audit_count() == events

    admin = logged_in(org_admin)
    r = admin.post(f"/jobs/{pk}/disable/", {"reason": "moving the checkpoint directory"})
    assert r.status_code == 302 and Schedule.objects.get(pk=pk).enabled is False
    event = AuditEvent.objects.filter(object_type="jobs.schedule").first()
    assert (event.actor_kind, event.actor_label) == ("user", "olivia")
    assert event.payload["reason"] == "moving the checkpoint directory"
    assert "disabled" in admin.get("/jobs/").content.decode()

    assert admin.post(f"/jobs/{pk}/run/").status_code == 302
    assert DBTaskResult.objects.filter(task_path="otcsms.jobs.tasks.audit_checkpoint").count() == 1
    assert admin.post(f"/jobs/{pk}/enable/").status_code == 302
    assert Schedule.objects.get(pk=pk).enabled is True
    assert admin.post("/jobs/999999/run/").status_code == 404
