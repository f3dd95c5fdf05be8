"""The Findings page, one finding's page (accepting its risk), running the checks, and the dashboard tile."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.checks.engine import run_checks
from otcsms.checks.models import CheckRun, Finding
from otcsms.plant.models import Asset, Zone
from tests.conftest import make_user


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def found(site_a, site_b):
    zone = Zone.objects.create(site=site_a, name="Cell 7", sl_t=2)
    Asset.objects.create(site=site_a, name="PLC-7", zone=zone)
    Zone.objects.create(site=site_b, name="Bus", sl_t=2)
    run_checks()
    return zone


def test_findings_page_counts_filters_and_links_to_objects(a_contributor, found):
    page = browser(a_contributor).get(reverse("web:finding_list")).content.decode()
    assert "Cell 7" in page and "Bus" not in page  # site B's finding is not alice's to see
    # site A's open findings: the asset (high), the zone's SL-T reason (medium), and what the evidence checks
    # report about the zone and the asset (no diagram: medium, no configuration record: low)
    mediums = Finding.objects.filter(site=found.site_id, severity="medium").count()
    assert "<svg" in page and f"1 high, {mediums} medium" in page.replace("0 critical, ", "")
    assert "Run checks" not in page  # contributors do not start runs
    high = browser(a_contributor).get(reverse("web:finding_list"), {"severity": "high"}).content.decode()
    assert "PLC-7" in high and "no reason recorded" not in high
    finding = Finding.objects.get(check_id="plant.asset-without-endpoints")
    detail = browser(a_contributor).get(reverse("web:finding_detail", args=[finding.pk])).content.decode()
    assert reverse("web:asset_detail", args=[finding.object_id]) in detail and "SR 7.8" in detail
    assert "Accept the risk" not in detail


def test_other_sites_findings_are_not_found(b_viewer, found):
    finding = Finding.objects.get(object_id=found.pk, check_id="plant.zone-sl-t-reason")
    client = browser(b_viewer)
    assert client.get(reverse("web:finding_detail", args=[finding.pk])).status_code == 404
    assert client.post(reverse("web:finding_accept", args=[finding.pk]), {"reason": "x"}).status_code == 404


def test_an_approver_accepts_the_risk_from_the_finding_page(site_a, found):
    approver = browser(make_user("ada", roles={site_a: "approver"}))
    finding = Finding.objects.get(check_id="plant.asset-without-endpoints")
    url = reverse("web:finding_detail", args=[finding.pk])
    assert "Accept the risk" in approver.get(url).content.decode()
    accept = reverse("web:finding_accept", args=[finding.pk])
    refused = approver.post(accept, {"reason": "ok", "until": "yesterday"}, follow=True).content.decode()
    assert "Not accepted" in refused and Finding.objects.get(pk=finding.pk).status == "open"
    until = (date.today() + timedelta(days=60)).isoformat()
    approver.post(accept, {"reason": "Spare PLC, not connected yet.", "until": until})
    finding.refresh_from_db()
    assert finding.status == "accepted" and finding.accepted_until.date().isoformat() == until


def test_site_admins_run_the_checks_of_their_site_from_the_page(site_a, site_b, a_contributor, found):
    admin = browser(make_user("sam", roles={site_a: "site-admin"}))
    page = admin.get(reverse("web:finding_list")).content.decode()
    assert "Run checks" in page and "every site" not in page
    before = CheckRun.objects.count()
    assert admin.post(reverse("web:checks_run"), {"site": site_a.pk}).status_code == 302
    assert CheckRun.objects.count() == before + 1
    assert admin.post(reverse("web:checks_run"), {"site": site_b.pk}).status_code == 403
    assert browser(a_contributor).post(reverse("web:checks_run"), {"site": site_a.pk}).status_code == 403
    assert CheckRun.objects.count() == before + 1


def test_dashboard_tile_counts_open_high_and_critical(a_contributor, b_viewer, found):
    tile = 'id="tile-severe-findings"'
    page = browser(a_contributor).get(reverse("web:dashboard")).content.decode()
    assert tile in page and '<span class="num">1</span> open high or critical' in page
    page = browser(b_viewer).get(reverse("web:dashboard")).content.decode()
    assert '<span class="num">0</span> open high or critical' in page
