"""The resilience API and services: the library, IR plans, exercises (a drill without scenario or date is
refused with the reason), the timeline and its measured times, lessons that become roadmap actions, incidents
with their CIP-008 deadlines, the checks and the drill report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from otcsms.checks.engine import REGISTRY
from otcsms.core.models import AuditEvent
from otcsms.evidence.models import Document
from otcsms.links.models import ObjectLink
from otcsms.org.models import CsmsRole, Person, RoleAssignment, ScopeStatement
from otcsms.resilience import report, services
from otcsms.resilience.models import DrillCadence, DrillScenario, Exercise, IrPlan, Lesson
from otcsms.roadmap.models import Action
from tests.conftest import audit_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenarios(db):
    services.load_library()
    return {s.key: s for s in DrillScenario.objects.all()}


def test_the_shipped_library_has_the_six_ot_scenarios_each_complete(scenarios):
    assert set(scenarios) >= {"ransomware-hmi", "modbus-write", "opcua-certificate", "dnp3-rogue-master",
                              "vendor-remote-access", "loss-of-view"}  # fmt: skip
    for s in scenarios.values():
        minutes = [i["minute"] for i in s.injects]
        assert minutes == sorted(minutes) and s.expected_actions and s.success_criteria and s.shipped
    assert services.load_library() == (0, 0)  # loading again changes nothing
    assert AuditEvent.objects.filter(object_type="resilience.drillscenario").count() == len(scenarios)


def test_a_malformed_library_file_is_refused_naming_the_scenario(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text(
        "scenarios:\n  - key: x\n    title: X\n    summary: s\n    injects: [{minute: 5, text: a}, "
        "{minute: 1, text: b}]\n    expected_actions: [a]\n    success_criteria: [{key: k, text: t}]\n"
    )
    with pytest.raises(ValueError, match="scenario x: injects are not in the order"):
        services.shipped_scenarios(bad)


def test_only_org_admins_load_the_library_through_the_api(api, a_contributor, org_admin):
    assert api(a_contributor).post("/drill-scenarios/load-shipped").status_code == 403
    r = api(org_admin).post("/drill-scenarios/load-shipped")
    assert r.status_code == 200 and r.json()["added"] >= 6
    listed = api(a_contributor).get("/drill-scenarios", q="modbus").json()["items"]
    assert [i["key"] for i in listed] == ["modbus-write"]


@pytest.mark.parametrize(
    "missing, reason", [("scenario_id", "scenario_id"), ("scheduled_for", "scheduled_for")]
)
def test_a_drill_without_scenario_or_date_is_refused_with_the_reason(api, a_contributor, site_a, scenarios,
                                                                     missing, reason):  # fmt: skip
    body = {"site_id": site_a.pk, "scenario_id": scenarios["modbus-write"].pk, "scheduled_for": "2026-05-01"}
    del body[missing]
    client = api(a_contributor)
    before = audit_count()
    r = client.post("/exercises", body)
    assert r.status_code == 422 and reason in str(r.json()["detail"])
    assert audit_count() == before
    made = client.post("/exercises", {**body, missing: None})
    assert made.status_code == 422 and audit_count() == before


def test_a_model_level_drill_without_scenario_or_date_says_why(site_a):
    with pytest.raises(Exception, match="a drill needs a scenario") as exc:
        services.save_exercise(Exercise(site=site_a, title="T"))
    assert "a drill needs a date" in str(exc.value)


def test_exercise_timeline_measures_outcomes_and_lessons_becoming_roadmap_actions(
    api, a_contributor, site_a, scenarios
):
    client = api(a_contributor)
    r = client.post("/exercises", {"site_id": site_a.pk, "scenario_id": scenarios["ransomware-hmi"].pk,
                                   "scheduled_for": "2026-04-02"})  # fmt: skip
    assert r.status_code == 201, r.json()
    ex = r.json()
    assert ex["title"] == "Ransomware reaches an HMI / SCADA server drill" and ex["status"] == "scheduled"
    created = AuditEvent.objects.get(object_type="resilience.exercise", object_id=str(ex["id"]))
    assert created.actor_user_id == a_contributor.pk
    t0 = "2026-04-02T09:00:00Z"
    for at, kind, text, milestone in [(t0, "inject", "Ransom note on HMI 2", ""),
                                      ("2026-04-02T09:12:00Z", "action", "Operator reports it", "detected"),
                                      ("2026-04-02T09:40:00Z", "action", "Boundary closed", "contained"),
                                      ("2026-04-02T09:25:00Z", "action", "Commander reached", "escalated")]:  # fmt: skip
        r = client.post("/exercise-entries", {"exercise_id": ex["id"], "at": at, "kind": kind, "text": text,
                                              "milestone": milestone})  # fmt: skip
        assert r.status_code == 201, r.json()
    got = client.get(f"/exercises/{ex['id']}").json()
    assert got["started_at"].startswith("2026-04-02T09:00")
    assert {m["milestone"]: m["minutes"] for m in got["measured_times"]} == {
        "detected": 12, "escalated": 25, "contained": 40, "recovered": None}  # fmt: skip
    assert client.post("/exercise-outcomes", {"exercise_id": ex["id"], "criterion": "containment",
                                              "result": "met"}).status_code == 201  # fmt: skip
    bad = client.post(
        "/exercise-outcomes", {"exercise_id": ex["id"], "criterion": "no-such", "result": "met"}
    )
    assert bad.status_code == 422 and "not a success criterion" in str(bad.json()["detail"])
    lesson = client.post("/exercise-lessons", {"exercise_id": ex["id"], "title": "Keep offline images on site",
                                               "due_on": "2026-06-30"})  # fmt: skip
    assert lesson.status_code == 201, lesson.json()
    action = Action.objects.get(pk=lesson.json()["action_id"])
    assert (
        action.source_kind == "drill-lesson"
        and action.site_id == site_a.pk
        and str(action.due_on) == "2026-06-30"
    )
    link = ObjectLink.objects.get(kind="source", source_id=action.pk, source_type__model="action")
    assert link.target_type.model == "lesson" and link.target_id == lesson.json()["id"]
    assert AuditEvent.objects.filter(object_type="roadmap.action", object_id=str(action.pk),
                                     actor_user_id=a_contributor.pk).exists()  # fmt: skip
    listed = client.get("/roadmap-actions", source_kind="drill-lesson").json()
    assert action.pk in [i["id"] for i in listed.get("items", [])] or listed


def test_entries_to_another_sites_exercise_and_hostile_values_are_refused(
    api, a_contributor, b_viewer, site_a, site_b, scenarios
):
    other = services.save_exercise(Exercise(site=site_b, scenario=scenarios["loss-of-view"],
                                            scheduled_for=dt.date(2026, 5, 1)))  # fmt: skip
    mine = services.save_exercise(Exercise(site=site_a, scenario=scenarios["loss-of-view"],
                                           scheduled_for=dt.date(2026, 5, 1)))  # fmt: skip
    client, viewer = api(a_contributor), api(b_viewer)
    before = audit_count()
    r = client.post("/exercise-entries", {"exercise_id": other.pk, "at": "2026-05-01T10:00:00Z", "text": "x"})
    assert r.status_code in (403, 422) and "detail" in r.json()
    for body in [{"exercise_id": mine.pk, "at": "2026-05-01T10:00:00", "text": "naive time"},
                 {"exercise_id": mine.pk, "at": "2026-05-01T10:00:00Z", "text": "x" * 1001},
                 {"exercise_id": mine.pk, "at": "2026-05-01T10:00:00Z", "text": "a\u202eb"},
                 {"exercise_id": mine.pk, "at": "2026-05-01T10:00:00Z", "text": "ok", "milestone": "won"},
                 {"exercise_id": mine.pk, "at": "2026-05-01T10:00:00Z", "text": "ok", "extra": 1}]:  # fmt: skip
        r = client.post("/exercise-entries", body)
        assert r.status_code == 422 and "detail" in r.json(), body
    assert viewer.post("/exercise-entries", {"exercise_id": other.pk, "at": "2026-05-01T10:00:00Z",
                                                    "text": "viewer"}).status_code == 403  # fmt: skip
    assert audit_count() == before


def test_ir_plan_is_a_plan_document_with_roles_contacts_bcp_and_last_tested(
    api, a_contributor, site_a, scenarios
):
    client = api(a_contributor)
    r = client.post("/ir-plans", {"site_id": site_a.pk, "title": "Plant A IR plan", "scope": "All OT"})
    assert r.status_code == 201, r.json()
    plan = IrPlan.objects.get(pk=r.json()["id"])
    assert plan.document.kind == "plan" and r.json()["title"] == "Plant A IR plan"
    policy = Document.objects.create(site=site_a, kind="policy", title="A policy")
    wrong = client.post("/ir-plans", {"site_id": site_a.pk, "document_id": policy.pk})
    assert wrong.status_code == 422 and "kind Plan" in str(wrong.json()["detail"])
    neither = client.post("/ir-plans", {"site_id": site_a.pk})
    assert neither.status_code == 422
    role = CsmsRole.objects.create(name="Incident commander")
    person = Person.objects.create(organisation=site_a.organisation, site=site_a, name="Ines Commander")
    RoleAssignment.objects.create(site=site_a, role=role, person=person)
    assert (
        client.post("/ir-plan-roles", {"plan_id": plan.pk, "role_id": role.pk, "duty": "leads"}).status_code
        == 201
    )
    assert client.post("/ir-plan-contacts", {"plan_id": plan.pk, "person_id": person.pk,
                                             "purpose": "commander"}).status_code == 201  # fmt: skip
    assert services.role_holders(plan) == {role.pk: ["Ines Commander"]}
    assert services.continuity_plan(plan) is None
    ScopeStatement.objects.create(site=site_a, version=1, status="approved", statement="s",
                                  bcp_title="Plant A BCP", bcp_reference="BCP-1")  # fmt: skip
    assert services.continuity_plan(plan).title == "Plant A BCP"
    assert plan.last_tested() is None
    services.save_exercise(Exercise(site=site_a, scenario=scenarios["modbus-write"], plan=plan, status="held",
                                    scheduled_for=dt.date(2026, 1, 5), held_on=dt.date(2026, 1, 6)))  # fmt: skip
    assert plan.last_tested() == dt.date(2026, 1, 6)


def test_incident_with_cip008_deadlines_and_affected_zones(api, a_contributor, site_a):
    from otcsms.plant.models import Zone

    client = api(a_contributor)
    bad = client.post("/incidents", {"site_id": site_a.pk, "title": "T", "classification": "malware",
                                     "detected_at": "2026-03-01T10:00:00Z", "reportable": True})  # fmt: skip
    assert bad.status_code == 422 and "determined reportable" in str(bad.json()["detail"])
    r = client.post("/incidents", {"site_id": site_a.pk, "title": "Rogue Modbus writes", "classification":
                                   "unauthorised-control", "detected_at": "2026-03-01T10:00:00Z", "reportable": True,
                                   "determined_reportable_at": "2026-03-01T11:00:00Z"})  # fmt: skip
    assert r.status_code == 201, r.json()
    inc = r.json()
    assert [d["due"][:16] for d in inc["deadlines"]] == ["2026-03-01T12:00"] and inc["deadlines"][0][
        "overdue"
    ]
    client.post("/incident-entries", {"incident_id": inc["id"], "at": "2026-03-01T11:40:00Z",
                                      "kind": "notification", "text": "E-ISAC notified"})  # fmt: skip
    client.post("/incident-entries", {"incident_id": inc["id"], "at": "2026-03-03T08:00:00Z",
                                      "kind": "new-information", "text": "Source found"})  # fmt: skip
    got = client.get(f"/incidents/{inc['id']}").json()["deadlines"]
    assert got[0]["met_at"].startswith("2026-03-01T11:40") and not got[0]["late"]
    assert got[1]["due"].startswith("2026-03-10T08:00") and got[1]["met_at"] is None
    zone = Zone.objects.create(site=site_a, name="Pump zone")
    assert client.post("/incident-zones", {"incident_id": inc["id"], "zone_id": zone.pk}).status_code == 201
    assert client.get("/incidents", reportable=True).json()["count"] == 1


def test_drill_overdue_and_plan_not_tested_checks(site_a, site_b, scenarios):
    overdue = REGISTRY["resilience.drill-overdue"].function
    untested = REGISTRY["resilience.plan-not-tested"].function
    today = timezone.localdate()
    DrillCadence.objects.create(site=site_b, months=15, programme_start=today - dt.timedelta(days=500))
    problems = list(overdue(site_b))
    assert len(problems) == 1 and "every 15 months" in problems[0].message
    services.save_exercise(Exercise(site=site_b, scenario=scenarios["dnp3-rogue-master"], status="held",
                                    scheduled_for=today, held_on=today))  # fmt: skip
    assert list(overdue(site_b)) == []
    assert list(overdue(site_a)) == []  # a new site: its first drill is due a year after it was created
    plan = services.create_plan(site_id=site_a.pk, by=None, title="Old plan")
    assert list(untested(site_a)) == []
    IrPlan.objects.filter(pk=plan.pk)  # created today: not yet 15 months untested
    plan.created_at = timezone.now() - dt.timedelta(days=500)
    plan.save()
    found = list(untested(site_a))
    assert len(found) == 1 and "never been tested" in found[0].message
    services.save_exercise(Exercise(site=site_a, scenario=scenarios["loss-of-view"], plan=plan, status="held",
                                    scheduled_for=today - dt.timedelta(days=30),
                                    held_on=today - dt.timedelta(days=30)))  # fmt: skip
    assert list(untested(site_a)) == []


def test_drill_report_builder_and_its_bad_parameters(site_a, a_contributor, scenarios):
    ex = services.save_exercise(Exercise(site=site_a, scenario=scenarios["modbus-write"],
                                         scheduled_for=dt.date(2026, 2, 1)))  # fmt: skip
    services.add_lesson(a_contributor, ex, title="Restrict Modbus writes")
    data = report.build(site_a, a_contributor, {})
    assert data["template"] == "resilience/drill_report.html" and "1 exercise" in data["summary"]
    assert data["context"]["sections"][0]["lessons"][0].title == "Restrict Modbus writes"
    one = report.build(site_a, a_contributor, {"exercise": str(ex.pk)})
    assert one["title"].startswith("Drill report: ")
    for params in ({"exercise": "999999"}, {"exercise": "²"}, {"colour": "red"}):
        with pytest.raises(ValueError):
            report.build(site_a, a_contributor, params)
    assert Lesson.objects.count() == 1


def test_the_drill_report_renders_to_html_and_pdf_through_the_reports_app(
    api, a_contributor, site_a, scenarios
):
    ex = services.save_exercise(Exercise(site=site_a, scenario=scenarios["ransomware-hmi"],
                                         scheduled_for=dt.date(2026, 2, 1)))  # fmt: skip
    services.add_entry(ex, at=dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC), text="Ransom note", kind="inject")
    html = api(a_contributor).get("/reports/drills", site=site_a.code, format="html")
    assert html.status_code == 200 and b"Ransom note" in html.content and b"Drill report" in html.content
    pdf = api(a_contributor).get("/reports/drills", site=site_a.code, format="pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
