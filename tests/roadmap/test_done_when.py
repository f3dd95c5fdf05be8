"""Issue 14's "Done when", through the pages a plant manager uses (Django's test client on the real views and
database, SQLite and PostgreSQL): import a vendor's CSAF advisory and see which PLCs it hits; see the site's top
risks and the gaps, drift and vulnerabilities that feed them; a roadmap whose first phase fits the quarter's
budget and says why each action is there; a changed budget moves actions visibly."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from otcsms.assessments.models import Response
from otcsms.checks.engine import run_site
from otcsms.checks.models import Finding
from otcsms.configs import services as configs
from otcsms.links.services import create_link
from otcsms.risk import services as risk
from otcsms.risk.models import AssetVulnerability, ThreatScenario
from otcsms.roadmap import services
from otcsms.roadmap.models import Action
from tests.conftest import make_user
from tests.risk.conftest import DEMO_ADVISORY, plant  # noqa: F401

LIVE = {"type": "live", "collectors": ["test"]}


def _drift(asset) -> None:
    """An engineer baselined the PLC; a technician enabled an anonymous OPC UA endpoint since."""
    secure = {
        "Basic256Sha256/SignAndEncrypt": {
            "security_policy": "Basic256Sha256",
            "security_mode": "SignAndEncrypt",
        }
    }
    v1, _ = configs.record_snapshot(asset, config={"opcua": {"endpoints": secure}}, volatile={}, source=LIVE)
    configs.approve_baseline(v1, by=None, reason="commissioning")
    anonymous = {
        "security_policy": "None",
        "security_mode": "None",
        "user_tokens": {"Anonymous": {"type": "Anonymous"}},
    }
    configs.record_snapshot(asset, config={"opcua": {"endpoints": {**secure, "None/None": anonymous}}}, volatile={},
                            source=LIVE)  # fmt: skip


def _placements(page: str) -> dict[str, str]:
    """Action title -> "phase N" or "not planned", from the plan page's placements table."""
    rows = re.findall(
        r'<tr data-action="\d+"><td><a [^>]*>([^<]+)</a></td><td class="phase">([^<]+)</td>', page
    )
    return dict(rows)


def test_a_plant_manager_goes_from_an_advisory_to_a_budgeted_roadmap(site_a, plant, gap_assessment, client):  # noqa: F811
    manager = make_user("pia", roles={site_a: "approver"})
    client.force_login(manager)
    _drift(plant.plc)
    run_site(site_a)
    drift = Finding.objects.get(check_id="configs.drift-critical", status="open")

    # 1. the vendor's advisory: which PLCs it hits
    page = client.post("/risk/advisories/import/", {"site": site_a.pk, "file": SimpleUploadedFile(
        "icsa-24-284-20.json", DEMO_ADVISORY.read_bytes())}, follow=True).content.decode()  # fmt: skip
    assert "ICSA-24-284-20" in page and page.count('data-match="affected"') == 2
    assert "PLC-1" in page and "PLC-4" in page and "PLC-2" not in page  # PLC-2 runs the fixed firmware

    # 2. the risk the vulnerability on PLC-1 brings, fed also by the drift and a gap (the links a user makes)
    item = AssetVulnerability.objects.get(asset=plant.plc)
    assert client.post(f"/risk/vulnerabilities/{item.pk}/scenario/").status_code == 302
    scenario = ThreatScenario.objects.get()
    scenario.residual_likelihood, scenario.residual_consequences = 3, {"production": 5}  # 15 now
    scenario.target_likelihood, scenario.target_consequence = 1, 5  # 5 once treated
    risk.save_scenario(scenario)
    gap = Response.objects.get(assessment=gap_assessment, requirement__ref="SR 1.1")
    for label, pk in (("checks.finding", drift.pk), ("assessments.response", gap.pk)):
        create_link(site_id=site_a.pk, source_type="risk.threatscenario", source_id=scenario.pk, target_type=label,
                    target_id=pk, kind="source", by=manager)  # fmt: skip
    top = client.get(f"/risk/scenarios/?site={site_a.pk}").content.decode()
    assert scenario.title in top
    detail = client.get(f"/risk/scenarios/{scenario.pk}/").content.decode()
    assert "CVE-2024-6207" in detail and "configs.drift-critical" in detail and "SR 1.1" in detail

    # 3. actions: from the assessment's gaps, and from the vulnerabilities and drift (one per source)
    keys = [s.template.key for s in services.suggestions(gap_assessment, manager)]
    assert keys
    client.post(f"/roadmap/assessments/{gap_assessment.pk}/suggestions/", {"template": keys})
    client.post(f"/roadmap/sites/{site_a.pk}/sync/")
    vuln_action = Action.objects.get(source_kind="vulnerability")
    assert Action.objects.filter(source_kind="drift").count() == 1
    assert vuln_action.risk_reduction == 10  # from the scenario: residual 15, target 5
    detail = client.get(f"/roadmap/actions/{vuln_action.pk}/").content.decode()
    assert "Risks it reduces" in detail and scenario.title in detail

    # 4. the quarter's budget on the first phase: what is planned there fits it, each placement says why
    costs = sorted(float(c) for c in Action.objects.filter(site=site_a).values_list("cost", flat=True))
    quarter = sum(costs) / 2
    form = {"intent": "save", "budget_0": str(quarter), "capacity_0": "", "budget_1": "", "capacity_1": "",
            "budget_2": "", "capacity_2": "", "name_0": "This quarter"}  # fmt: skip
    assert client.post(f"/roadmap/sites/{site_a.pk}/plan/", form).status_code == 302
    plan = services.plan_of(site_a)
    assert plan.result["totals"][0]["cost"] <= quarter and plan.phases[0]["name"] == "This quarter"
    page = client.get(f"/roadmap/sites/{site_a.pk}/plan/").content.decode()
    before = _placements(page)
    assert set(before) == set(Action.objects.filter(site=site_a).values_list("title", flat=True))
    assert all(reason for reason in plan.result["placements"].values())
    assert "phase 1 (This quarter)" in page  # the reasons name the phase and why the action is there
    assert before[vuln_action.title] == "phase 1"  # no cost, high risk reduction: first

    # 5. a smaller budget: what moves is listed, nothing saved
    smaller = {**form, "intent": "what-if", "budget_0": str(costs[-1] / 4)}
    page = client.post(f"/roadmap/sites/{site_a.pk}/plan/", smaller).content.decode()
    moves = re.findall(r'<tr class="move" data-action="\d+">', page)
    assert moves and "What moves with these budgets" in page
    plan.refresh_from_db()
    assert plan.phases[0]["budget"] == quarter  # nothing saved
