"""The report kinds the apps above evidence contribute through their registry (roadmap, risk register,
access-review record, drift report), built on the demo operator: what each shows agrees with the app's own
data, each states its provenance, is standalone and renders to PDF; bad parameters are refused."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from otcsms.access.models import ReviewCampaign, ReviewItem
from otcsms.configs import services as configs
from otcsms.core.models import AuditChainHead, User
from otcsms.plant.models import Asset
from otcsms.reports import framework
from otcsms.reports.framework import ReportError
from otcsms.risk.models import ThreatScenario
from otcsms.roadmap import lifecycle
from otcsms.roadmap.models import Action
from otcsms.tenancy.models import Site
from tests.conftest import audit_count
from tests.demo_data import demo_operator
from tests.reports.test_kinds import EXTERNAL

KINDS = ("roadmap", "risks", "access-review", "drift")


@pytest.fixture
def demo(db):
    demo_operator()
    return Site.objects.get(code="riverside-wtp")


@pytest.fixture
def admin(demo):
    return User.objects.get(username="admin")


def test_the_apps_declare_their_kinds_to_the_reports_app():
    assert set(KINDS) <= set(framework.kinds())


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_states_provenance_is_standalone_and_renders_to_pdf(demo, admin, kind):
    report = framework.build(kind, demo, admin)
    head = AuditChainHead.objects.get(pk=1).seq
    assert report.provenance.audit_seq == head and report.provenance.made_by == "admin"
    html = framework.render(report, "html").decode()
    assert f"#{head}" in html and report.provenance.instance_id in html and demo.name in html
    assert not EXTERNAL.findall(html), EXTERNAL.findall(html)[:3]
    assert "<script" not in html and "<link" not in html
    if (
        kind != "drift"
    ):  # a device's configuration may hold a URI as a value (an OPC UA security policy): text
        assert "http://" not in html and "https://" not in html
    assert report.data.summary and "<h1>" in html
    pdf = framework.render(report, "pdf")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 2000


def test_roadmap_report_has_every_open_action_once_with_phase_totals(demo, admin):
    data = framework.build("roadmap", demo, admin).data.context
    placed = [r["action"].pk for p in data["phases"] for r in p["actions"]]
    unplaced = [r["action"].pk for r in data["unplaced"]]
    open_ids = set(Action.objects.filter(site=demo, status__in=lifecycle.OPEN).values_list("pk", flat=True))
    assert sorted(placed + unplaced) == sorted(open_ids) and placed
    for phase in data["phases"]:
        assert phase["cost"] == pytest.approx(sum(float(r["action"].cost) for r in phase["actions"]))
    assert data["gantt"].startswith("<svg") and "xmlns" not in data["gantt"]
    assert data["gantt"].count('class="bar ') >= len(placed)
    assert data["cost_chart"].count("<rect") == sum(1 for p in data["phases"] if p["cost"] > 0)


def test_risk_report_heat_maps_count_every_scenario(demo, admin):
    data = framework.build("risks", demo, admin).data.context
    scenarios = ThreatScenario.objects.filter(site=demo)
    assert len(data["register"]) == scenarios.count() > 0

    def total(svg: str) -> int:  # the counts of the cells, read from their tooltips; a report has no link
        assert "href" not in svg
        return sum(int(n) for n in re.findall(r"<title>(\d+) scenarios? rated here", svg))

    assert total(data["inherent_map"]) == scenarios.count()
    assert total(data["residual_map"]) == scenarios.exclude(residual_level="").count()
    assert sum(row["inherent"] for row in data["levels"]) == scenarios.count()


def test_access_review_record_lists_every_decision_and_the_sign_off(demo, admin):
    campaigns = ReviewCampaign.objects.filter(site=demo)
    assert campaigns.exists()
    data = framework.build("access-review", demo, admin).data.context
    assert [s["campaign"].pk for s in data["sections"]] == list(
        campaigns.order_by("-period_end", "-pk").values_list("pk", flat=True)
    )
    for section in data["sections"]:
        items = ReviewItem.objects.filter(campaign=section["campaign"])
        assert section["total"] == items.count()
        assert section["counts"]["revoked"] == items.filter(decision="revoked").count()
    one = campaigns.first()
    report = framework.build("access-review", demo, admin, {"campaign": str(one.pk)})
    assert [s["campaign"] for s in report.data.context["sections"]] == [one]
    html = framework.render_html(report)
    assert one.title in html and ("signed off" in html or "not signed off" in html)


def test_drift_report_agrees_with_the_drift_page(demo, admin):
    data = framework.build("drift", demo, admin).data.context
    rows = configs.drift(Asset.objects.filter(site=demo))
    assert len(data["rows"]) == len(rows) > 0
    drifted = [r.asset.name for r in rows if r.result.status == "drifted"]
    assert sorted(d["row"].asset.name for d in data["drifted"]) == sorted(drifted) and drifted
    assert dict(data["counts"])["Drifted"] == len(drifted)


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_parameters_are_refused(demo, admin, kind):
    with pytest.raises(ReportError, match="unknown report parameter"):
        framework.build(kind, demo, admin, {"zone": "1"})


def test_a_campaign_of_another_site_is_not_this_sites(demo, admin):
    other = Site.objects.exclude(pk=demo.pk).first()
    campaign = ReviewCampaign.objects.filter(site=demo).first()
    for bad in (str(campaign.pk), "../../etc/passwd", "1e3", "9" * 30):
        with pytest.raises(ReportError, match="no access review"):
            framework.build("access-review", other, admin, {"campaign": bad})


def test_through_the_api_and_the_page_with_campaign(demo, admin, api):
    campaign = ReviewCampaign.objects.filter(site=demo).first()
    client = api(admin)
    before = audit_count()
    r = client.get("/reports/access-review", site=demo.code, format="html", campaign=str(campaign.pk))
    assert r.status_code == 200 and campaign.title.encode() in r.content
    r = client.get("/reports/access-review", site=demo.code, campaign="nope")
    assert r.status_code == 422 and "no access review" in r.json()["detail"]
    assert audit_count() == before
    page = Client()
    page.force_login(admin)
    listing = page.get("/reports/").content.decode()
    for title in ("Roadmap", "Risk register", "Access-review record", "Drift report"):
        assert title in listing
    r = page.get("/reports/drift/", {"site": demo.pk, "format": "pdf"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")


def test_the_reports_page_picks_the_access_review_of_the_record(demo, admin):
    """The access-review record's row offers the site's reviews; the form's request gives that review only."""
    import re

    campaigns = list(ReviewCampaign.objects.filter(site=demo).order_by("-period_end", "-pk"))
    page = Client()
    page.force_login(admin)
    listing = page.get("/reports/").content.decode()
    form = re.search(rf'<form[^>]*id="pick-{demo.pk}-access-review".*?</form>', listing, re.S)
    assert form is not None and 'name="campaign"' in form.group()
    offered = [int(pk) for pk in re.findall(r'<option value="(\d+)">', form.group())]
    assert offered == [c.pk for c in campaigns]
    one = campaigns[-1]
    r = page.get("/reports/access-review/", {"site": demo.pk, "campaign": one.pk, "format": "html"})
    assert r.status_code == 200 and one.title.encode() in r.content
    assert all(c.title.encode() not in r.content for c in campaigns if c.title not in one.title)
    # a user of another site is offered none of them
    other = Site.objects.exclude(pk=demo.pk).order_by("pk").first()
    from tests.conftest import make_user

    elsewhere = Client()
    elsewhere.force_login(make_user("elsewhere", roles={other: "approver"}))
    text = elsewhere.get("/reports/").content.decode()
    assert f"pick-{demo.pk}-" not in text and all(c.title not in text for c in campaigns)
