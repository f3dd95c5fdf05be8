"""Roadmap actions from their sources (vulnerabilities, drift findings) and the risk reduction computed from the
linked risk scenarios, on the database (SQLite and PostgreSQL), through the service, the API, the page, the CLI
and the job."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from otcsms.checks.engine import run_site
from otcsms.checks.models import Finding
from otcsms.configs import services as configs
from otcsms.configs.models import Snapshot
from otcsms.core.actor import acting_as, user_actor, worker_actor
from otcsms.core.models import AuditEvent
from otcsms.links.models import ObjectLink
from otcsms.links.services import create_link
from otcsms.risk import services as risk
from otcsms.risk import vuln_lifecycle
from otcsms.risk.models import AssetVulnerability, ThreatScenario, Vulnerability
from otcsms.roadmap import services, sources
from otcsms.roadmap.models import Action
from otcsms.roadmap.tasks import roadmap_from_sources
from tests.conftest import audit_count
from tests.risk.conftest import DEMO_ADVISORY, plant  # noqa: F401  (the risk tests' small plant)

LIVE = {"type": "live", "collectors": ["test"]}


def _config(firmware: str, anonymous: bool = False) -> dict:
    endpoints = {"Basic256Sha256/SignAndEncrypt": {"security_policy": "Basic256Sha256",
                                                   "security_mode": "SignAndEncrypt"}}  # fmt: skip
    if anonymous:
        endpoints["None/None"] = {"security_policy": "None", "security_mode": "None",
                                  "user_tokens": {"Anonymous": {"type": "Anonymous"}}}  # fmt: skip
    return {"opcua": {"endpoints": endpoints, "build_info": {"software_version": firmware}}}


def _drift(asset, **changed) -> None:
    v1, _ = configs.record_snapshot(asset, config=_config("1.0"), volatile={"level": 1}, source=LIVE)
    configs.approve_baseline(v1, by=None, reason="commissioning")
    configs.record_snapshot(asset, config=_config("2.0", **changed), volatile={"level": 7}, source=LIVE)


def _source_targets(action: Action) -> list[tuple[str, int]]:
    return sorted(
        (f"{link.target_type.app_label}.{link.target_type.model}", link.target_id)
        for link in ObjectLink.objects.filter(
            source_type=ContentType.objects.get_for_model(Action), source_id=action.pk, kind="source"
        )
    )


def test_vulnerabilities_and_drift_make_one_action_per_source_and_a_rerun_none(site_a, plant, a_contributor):  # noqa: F811
    risk.import_advisory(site_a, DEMO_ADVISORY.read_bytes(), DEMO_ADVISORY.name)
    _drift(plant.plc, anonymous=True)
    run_site(site_a)
    finding = Finding.objects.get(check_id="configs.drift-critical", status="open")
    with acting_as(worker_actor("roadmap-from-sources", 1)):
        first = sources.sync_site(site_a)
    assert len(first.created) == 2 and not first.updated
    vuln_action = Action.objects.get(source_kind="vulnerability")
    drift_action = Action.objects.get(source_kind="drift")
    vuln = Vulnerability.objects.get()
    assert _source_targets(vuln_action) == [("risk.vulnerability", vuln.pk)]
    assert _source_targets(drift_action) == [("checks.finding", finding.pk)]
    assert "CVE-2024-6207" in vuln_action.title and "PLC-1" in vuln_action.description
    assert "PLC-1" in drift_action.title and "/opcua/endpoints" in drift_action.description
    # the drift action satisfies what the finding is a gap in, where the catalog has it (none loaded here)
    created = AuditEvent.objects.filter(object_type="roadmap.action", action="create")
    assert {(e.actor_kind, e.actor_label) for e in created} == {("worker", "worker:roadmap-from-sources")}
    before = AuditEvent.objects.count()
    with acting_as(worker_actor("roadmap-from-sources", 2)):
        again = sources.sync_site(site_a)
    assert (again.created, again.updated, again.links) == ([], [], 0) and again.unchanged == 2
    assert Action.objects.count() == 2 and AuditEvent.objects.count() == before


def test_a_cancelled_action_is_not_made_again_and_a_new_drift_after_done_is(site_a, plant, a_approver):  # noqa: F811
    risk.import_advisory(site_a, DEMO_ADVISORY.read_bytes(), DEMO_ADVISORY.name)
    _drift(plant.plc)
    run_site(site_a)
    sources.sync_site(site_a)
    vuln_action = Action.objects.get(source_kind="vulnerability")
    services.transition(a_approver, vuln_action, "cancel", "handled by the vendor's service contract")
    drift_action = Action.objects.get(source_kind="drift")
    services.transition(a_approver, drift_action, "plan", "")
    services.transition(a_approver, drift_action, "start", "")
    services.transition(a_approver, drift_action, "finish", "")
    # the drift is restored (a new baseline), then the device drifts again: a new finding, a new action
    latest = Snapshot.objects.filter(asset=plant.plc).order_by("-version").first()
    configs.approve_baseline(latest, by=None, reason="firmware 2.0 approved")
    run_site(site_a)
    assert not Finding.objects.filter(check_id__startswith="configs.drift", status="open").exists()
    configs.record_snapshot(plant.plc, config=_config("3.0"), volatile={}, source=LIVE)
    run_site(site_a)
    result = sources.sync_site(site_a)
    assert len(result.created) == 1 and result.created[0].source_kind == "drift"
    assert Action.objects.filter(source_kind="vulnerability").count() == 1  # the cancelled one, not remade
    assert Action.objects.filter(source_kind="drift").count() == 2


def test_risk_reduction_comes_from_the_linked_scenarios_unless_kept_by_hand(site_a, plant, a_contributor):  # noqa: F811
    risk.import_advisory(site_a, DEMO_ADVISORY.read_bytes(), DEMO_ADVISORY.name)
    item = AssetVulnerability.objects.get(asset=plant.plc)
    scenario = risk.scenario_from_vulnerability(item, by=a_contributor)  # inherent 3 x 5 = 15
    scenario.residual_likelihood, scenario.residual_consequences = 3, {"production": 4}  # residual 12
    scenario.target_likelihood, scenario.target_consequence = 1, 4  # target 4
    risk.save_scenario(scenario)
    sources.sync_site(site_a, by=a_contributor)
    action = Action.objects.get(source_kind="vulnerability")
    assert action.risk_reduction == Decimal("8")  # residual 12 -> target 4
    (seen,) = services.planner_input(site_a.pk)  # the scenario's points, for the planner to share
    assert (seen.risk_reduction, seen.risks) == (0.0, ((scenario.pk, 8.0),))
    # a second scenario without a target gives nothing until its target is rated
    other = ThreatScenario.objects.create(
        site=site_a, title="Remote access abused", zone=plant.cell, threat_source="criminal",
        vector="remote-access", inherent_likelihood=4, inherent_consequences={"production": 4},
        inherent_score=16, inherent_level="high",
    )  # fmt: skip
    create_link(site_id=site_a.pk, source_type="roadmap.action", source_id=action.pk,
                target_type="risk.threatscenario", target_id=other.pk, kind="relates-to", by=a_contributor)  # fmt: skip
    other.target_likelihood, other.target_consequence = 2, 3
    risk.save_scenario(other)
    plan = services.plan_of(site_a)
    services.run_plan(a_contributor, plan)  # the stored figure follows the register before the plan
    action.refresh_from_db()
    assert action.risk_reduction == Decimal("18")  # 8 + (16 - 6)
    event = (
        AuditEvent.objects.filter(object_type="roadmap.action", object_id=str(action.pk))
        .order_by("pk")
        .last()
    )
    assert "risk reduction from the linked risk scenarios" in event.data
    # kept by hand: the planner reads the entered figure
    action.risk_reduction, action.risk_reduction_manual = Decimal("3"), True
    services.save_action(action)
    action.refresh_from_db()
    assert action.risk_reduction == Decimal("3")
    (seen,) = services.planner_input(site_a.pk)
    assert (seen.risk_reduction, seen.risks) == (3.0, ())


def test_api_page_and_job(site_a, site_b, plant, a_contributor, b_viewer, api, client):  # noqa: F811
    risk.import_advisory(site_a, DEMO_ADVISORY.read_bytes(), DEMO_ADVISORY.name)
    outsider = api(b_viewer)
    before = audit_count()
    assert outsider.post(f"/sites/{site_a.pk}/roadmap-sources/sync").status_code == 404
    assert audit_count() == before
    response = api(a_contributor).post(f"/sites/{site_a.pk}/roadmap-sources/sync")
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["created"]) == 1 and body["links"] == 0 and body["closed"] == body["kept_open"] == []
    action = Action.objects.get(pk=body["created"][0])
    event = AuditEvent.objects.filter(object_type="roadmap.action", action="create").get()
    assert event.actor_user_id == a_contributor.pk
    risks = api(a_contributor).get(f"/roadmap-actions/{action.pk}/risks").json()
    assert risks["computed"] is None and risks["scenarios"] == [] and risks["risk_reduction"] == "6.00"
    assert api(b_viewer).get(f"/roadmap-actions/{action.pk}/risks").status_code == 404
    # the page: the button on the actions list, and the action's risks
    client.force_login(a_contributor)
    page = client.get(f"/roadmap/actions/?site={site_a.pk}")
    assert b"Actions from vulnerabilities and drift" in page.content
    assert client.post(f"/roadmap/sites/{site_a.pk}/sync/").status_code == 302
    assert Action.objects.count() == 1
    detail = client.get(f"/roadmap/actions/{action.pk}/")
    assert b"No threat scenario linked" in detail.content


def test_the_job_makes_actions_as_the_worker(transactional_db, site_a, plant):  # noqa: F811
    from otcsms.jobs.defaults import ScheduleSpec
    from otcsms.jobs.worker import Stop, run_round, worker_id
    from otcsms.roadmap.tasks import ACTIONS_FROM_SOURCES

    assert isinstance(ACTIONS_FROM_SOURCES, ScheduleSpec) and ACTIONS_FROM_SOURCES.cron == "40 * * * *"
    risk.import_advisory(site_a, DEMO_ADVISORY.read_bytes(), DEMO_ADVISORY.name)
    result = roadmap_from_sources.enqueue()
    run_round(Stop(), worker_id())
    result.refresh()
    assert result.status == "SUCCESSFUL" and result.return_value.startswith("1 actions created, 0 updated")
    event = AuditEvent.objects.filter(object_type="roadmap.action", action="create").get()
    assert event.actor_label == "worker:roadmap-from-sources"
    # patched everywhere: the next run closes the action (its source is closed), as the worker
    for item in AssetVulnerability.objects.all():
        vuln_lifecycle.change_status(item, "patched", note="35.013 installed", by=None)
    again = roadmap_from_sources.enqueue()
    run_round(Stop(), worker_id())
    again.refresh()
    assert (
        again.return_value.startswith("0 actions created")
        and "1 closed (source closed)" in again.return_value
    )
    assert Action.objects.get().status == "done"


def _last_event(action: Action) -> tuple[str, str]:
    event = AuditEvent.objects.filter(object_type="roadmap.action", object_id=str(action.pk)).order_by(
        "-seq"
    )[0]
    return event.actor_label, json.loads(event.data)["reason"]


def test_actions_close_when_their_sources_close_unless_a_person_changed_them_since(
    site_a,
    plant,  # noqa: F811
    a_contributor,
    a_approver,
):
    risk.import_advisory(site_a, DEMO_ADVISORY.read_bytes(), DEMO_ADVISORY.name)
    _drift(plant.plc)
    run_site(site_a)
    sources.sync_site(site_a)
    vuln_action = Action.objects.get(source_kind="vulnerability")
    drift_action = Action.objects.get(source_kind="drift")
    services.transition(a_approver, drift_action, "plan", "")  # a person's change before its source closes
    # a third action, made by hand from a risk scenario, and a fourth from a drill-like source that never closes
    scenario = risk.scenario_from_vulnerability(
        AssetVulnerability.objects.get(asset=plant.plc), by=a_contributor
    )
    by_hand = Action.objects.create(site=site_a, title="Harden the PLC's remote access")
    services.link_source(by_hand, "risk.threatscenario", scenario.pk, by=a_contributor)
    lesson_like = Action.objects.create(site=site_a, title="Write the PLC restore procedure")
    services.link_source(
        lesson_like, "plant.asset", plant.plc.pk, by=a_contributor
    )  # a plant record never closes
    # the sources close: the vulnerability patched, the drift approved as the baseline, the scenario treated
    for item in AssetVulnerability.objects.all():
        vuln_lifecycle.change_status(item, "patched", note="35.013 installed", by=a_contributor)
    latest = Snapshot.objects.filter(asset=plant.plc).order_by("-version").first()
    configs.approve_baseline(latest, by=None, reason="firmware 2.0 approved")
    run_site(site_a)
    scenario.residual_likelihood, scenario.residual_consequences = 1, {"production": 2}
    scenario.target_likelihood, scenario.target_consequence = 1, 4
    risk.save_scenario(scenario)
    # a person plans the vulnerability's action after its source closed: the sync leaves it open, saying why
    with acting_as(user_actor(a_approver)):  # as a page or the API would
        services.transition(a_approver, vuln_action, "plan", "the patch is to be verified on site")
    with acting_as(worker_actor("roadmap-from-sources", 3)):
        result = sources.sync_site(site_a)
    assert sorted(a.pk for a in result.closed) == sorted([drift_action.pk, by_hand.pk])
    assert [a.pk for a, _why in result.kept] == [vuln_action.pk]
    assert f"{a_approver.username} changed the action afterwards" in result.kept[0][1]
    assert "2 closed (source closed), 1 left open" in result.describe()
    assert result.as_dict()["kept_open"][0]["id"] == vuln_action.pk
    for action in (drift_action, by_hand, vuln_action, lesson_like):
        action.refresh_from_db()
    assert (drift_action.status, by_hand.status, vuln_action.status, lesson_like.status) == (
        "done", "done", "planned", "proposed")  # fmt: skip
    assert drift_action.completed_on is not None
    assert _last_event(drift_action) == ("worker:roadmap-from-sources", "source closed: finding closed")
    actor, reason = _last_event(by_hand)
    assert actor == "worker:roadmap-from-sources" and reason.startswith(
        "source closed: risk treated to target"
    )
    # a re-run writes nothing: the done actions stay done, the kept one stays open
    before = AuditEvent.objects.count()
    again = sources.sync_site(site_a)
    assert again.closed == [] and len(again.kept) == 1 and AuditEvent.objects.count() == before
    # the device drifts again: its finding reopens or a new one comes, never the done action
    configs.record_snapshot(plant.plc, config=_config("3.0"), volatile={}, source=LIVE)
    run_site(site_a)
    sources.sync_site(site_a)
    drift_action.refresh_from_db()
    assert drift_action.status == "done"


@pytest.mark.parametrize("name", ["", "x" * 61, "bad\x00name"])
def test_phase_names_are_edited_on_the_plan_page(site_a, a_approver, client, name):
    from tests.conftest import make_user

    client.force_login(a_approver)
    url = f"/roadmap/sites/{site_a.pk}/plan/"
    form = {"intent": "save", "budget_0": "", "capacity_0": "", "budget_1": "", "capacity_1": "",
            "budget_2": "", "capacity_2": "", "name_0": "This quarter", "name_1": "This year",
            "name_2": "Next year"}  # fmt: skip
    assert client.post(url, form).status_code == 302
    plan = services.plan_of(site_a)
    assert [p["name"] for p in plan.phases] == ["This quarter", "This year", "Next year"]
    assert b'value="This quarter"' in client.get(url).content
    # a bad name is refused with the reason, nothing changes
    response = client.post(url, {**form, "name_1": name}, follow=True)
    assert b"a name of 1-60 printable characters" in response.content
    plan.refresh_from_db()
    assert plan.phases[1]["name"] == "This year"
    # a viewer sees the names but may not save
    viewer = make_user("vic", roles={site_a: "viewer"})
    client.force_login(viewer)
    assert b'name="name_0"' not in client.get(url).content
    assert client.post(url, form).status_code == 403
