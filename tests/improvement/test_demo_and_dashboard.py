"""The demo operator's continuous improvement (KPI history, a held management review with decisions on the
roadmap, a nonconformity), and the dashboard on it: every number links to a list that answers, and a user sees
only the sites they have a role on."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.core.models import User
from otcsms.improvement.models import Decision, KpiSnapshot, ManagementReview, Nonconformity
from otcsms.links.models import ObjectLink
from otcsms.reports.framework import ReportError, build, render_html
from otcsms.tenancy.models import Site
from tests.demo_data import demo_operator


@pytest.fixture
def demo(db):
    return demo_operator()


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_demo_has_months_of_kpis_and_a_review_whose_decisions_are_on_the_roadmap(demo):
    site = Site.objects.get(code="cedar-ridge-sub")
    times = KpiSnapshot.objects.filter(site=site, kpi="findings.open").values_list("captured_at", flat=True)
    assert len(set(times)) >= 26 and (max(times) - min(times)).days >= 180
    held = ManagementReview.objects.get(site=site, status="held")
    assert held.inputs["kpis"] and held.inputs["findings"]
    decisions = list(Decision.objects.filter(review=held))
    assert len(decisions) == 2 and all(d.action and d.action.site_id == site.pk for d in decisions)
    assert (
        ObjectLink.objects.filter(kind="source", source_id__in=[d.action_id for d in decisions]).count() == 2
    )
    nc = Nonconformity.objects.get(title="Firewall rule changes not reviewed")
    assert nc.status == "action" and nc.action.source_kind == "nonconformity"


def test_every_number_of_the_dashboard_links_to_a_list_that_answers(demo):
    client = login("admin")
    html = client.get(reverse("web:dashboard")).content.decode()
    program = html[html.index('id="program"') : html.index("<h2>Sites</h2>")]
    for site in Site.objects.all():
        assert f'id="board-{site.pk}"' in program
    links = set(re.findall(r'href="([^"]+)"', program))
    assert len(links) > 30
    for link in sorted(links):
        url = link.replace("&amp;", "&")
        assert client.get(url).status_code == 200, url
    assert "?site=" in program and "severity=critical" in program and "<svg" in program


def test_the_dashboard_and_health_page_show_only_the_users_sites(demo):
    client = login("grid.viewer")  # a viewer at the substation only
    html = client.get(reverse("web:dashboard")).content.decode()
    program = html[html.index('id="program"') : html.index("<h2>Sites</h2>")]
    substation = Site.objects.get(code="cedar-ridge-sub")
    assert f'id="board-{substation.pk}"' in program
    for other in Site.objects.exclude(pk=substation.pk):
        assert f'id="board-{other.pk}"' not in program and other.name not in program
    health = client.get(reverse("web:improvement_health")).content.decode()
    assert "Capture KPIs now" not in health and "<svg" in health  # a viewer reads, does not capture
    water = Site.objects.get(code="riverside-wtp")
    narrowed = client.get(reverse("web:improvement_health"), {"site": water.pk}).content.decode()
    assert water.name not in narrowed


def test_the_management_review_pack_renders_the_review_its_decisions_and_trends(demo):
    site = Site.objects.get(code="cedar-ridge-sub")
    report = build("management-review", site, User.objects.get(username="priya.raman"), {})
    html = render_html(report)
    assert "CSMS management review Q3" in html and "Test the EMS backup restore every quarter" in html
    assert "<svg" in html and "Firewall" not in html  # the water plant's nonconformity is not this site's
    with pytest.raises(ReportError, match="review=ID"):
        build("management-review", site, User.objects.get(username="priya.raman"), {"zone": "1"})
    held = ManagementReview.objects.get(site=site, status="held")
    other = ManagementReview.objects.create(site=Site.objects.get(code="harbor-pkg"), title="Other",
                                            planned_on=held.planned_on)  # fmt: skip
    with pytest.raises(ReportError, match="no management review"):
        build("management-review", site, User.objects.get(username="priya.raman"), {"review": str(other.pk)})
