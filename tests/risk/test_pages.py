"""The risk pages: the register with filters, the scenario form, the heat map (server-side SVG, cells link to
the filtered list), the matrix, a zone's justified SL-T, advisory upload and the vulnerability workflow."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from otcsms.links.models import ObjectLink
from otcsms.risk import services
from otcsms.risk.models import AssetVulnerability, RiskMatrix, ThreatModelReview, ThreatScenario
from tests.conftest import audit_count
from tests.risk.conftest import DEMO_ADVISORY

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make(site, zone, title, likelihood, consequences, **fields) -> ThreatScenario:
    return services.save_scenario(ThreatScenario(site=site, zone=zone, title=title, threat_source="criminal",
                                                 vector="it-network", inherent_likelihood=likelihood,
                                                 inherent_consequences=consequences, **fields))  # fmt: skip


def test_scenario_form_rates_on_the_matrix(plant, a_contributor, site_a):
    client = logged_in(a_contributor)
    assert client.get("/risk/scenarios/new/").status_code == 200
    form = {"site": site_a.pk, "title": "Rogue master on the radio link", "assessment": "detailed",
            "zone": plant.cell.pk, "threat_source": "opportunist", "vector": "wireless",
            "techniques_text": "t0848, T0856", "inherent_likelihood": "3", "inherent_safety": "4",
            "inherent_production": "2", "residual_likelihood": "2", "residual_safety": "2"}  # fmt: skip
    r = client.post("/risk/scenarios/new/", form)
    assert r.status_code == 302, r.content.decode()[:3000]
    s = ThreatScenario.objects.get()
    assert (s.inherent_consequences, s.inherent_level, s.residual_level) == (
        {"safety": 4, "production": 2},
        "high",
        "low",
    )
    assert s.techniques == ["T0848", "T0856"]
    page = client.get(f"/risk/scenarios/{s.pk}/").content.decode()
    assert "T0848" in page and "Rogue master" in page and "The MITRE Corporation" in page
    bad = client.post("/risk/scenarios/new/", form | {"techniques_text": "T0001", "inherent_safety": "",
                                                      "inherent_production": ""})  # fmt: skip
    assert bad.status_code == 200
    assert "unknown technique ids: T0001" in bad.content.decode()
    assert "rate at least one consequence category" in bad.content.decode()
    assert ThreatScenario.objects.count() == 1


def heat_map_links(page: str) -> dict[str, dict[str, str]]:
    """The heat map of a page: per cell (its tooltip) the links of its counts (the count's tooltip -> URL)."""
    found = re.search(r'<figure id="heat-map">(<svg.*?</svg>)', page, flags=re.S)
    assert found is not None
    chart = ElementTree.fromstring(found.group(1))  # well-formed: every text escaped
    return {
        cell.find("rect/title").text: {a.find("text/title").text: a.get("href") for a in cell.iter("a")}
        for cell in chart.findall("g")
    }


def test_the_list_filters_and_the_heat_map_links_to_it(plant, a_contributor, b_viewer, site_a):
    make(site_a, plant.cell, "Ransomware", 4, {"production": 5}, residual_likelihood=2,
         residual_consequences={"production": 3}, treatment="mitigate")  # fmt: skip
    make(site_a, plant.cell, "Laptop malware", 2, {"production": 2})
    client = logged_in(a_contributor)
    cells = heat_map_links(client.get("/risk/heat-map/").content.decode())
    assert len(cells) == 25
    linked = {title.split(":")[0]: links for title, links in cells.items() if links}
    assert linked == {
        "likelihood 4 × consequence 5": {"1 scenario rated here before any control (inherent)":
                                         "/risk/scenarios/?inherent_likelihood=4&inherent_consequence=5"},
        "likelihood 2 × consequence 3": {"1 scenario rated here with the existing controls (residual)":
                                         "/risk/scenarios/?residual_likelihood=2&residual_consequence=3"},
        "likelihood 2 × consequence 2": {"1 scenario rated here before any control (inherent)":
                                         "/risk/scenarios/?inherent_likelihood=2&inherent_consequence=2"},
    }  # fmt: skip
    listed = client.get("/risk/scenarios/?inherent_likelihood=4&inherent_consequence=5").content.decode()
    assert "Ransomware" in listed and "Laptop malware" not in listed
    narrowed = heat_map_links(client.get("/risk/heat-map/", {"site": site_a.pk}).content.decode())
    assert all(url.endswith(f"&site={site_a.pk}") for links in narrowed.values() for url in links.values())
    assert "Laptop" in client.get("/risk/scenarios/?treatment=none").content.decode()
    assert "Ransomware" not in client.get("/risk/scenarios/?treatment=none").content.decode()
    assert "Ransomware" in client.get("/risk/scenarios/?residual_level=medium").content.decode()
    assert client.get("/risk/scenarios/?inherent_likelihood=%C2%B2&zone=x").status_code == 200
    other = logged_in(b_viewer).get("/risk/heat-map/").content.decode()
    assert not any(heat_map_links(other).values()) and "Ransomware" not in other


def test_zone_page_shows_the_justified_sl_t_beside_the_recorded_one(plant, a_contributor, site_a):
    make(site_a, plant.cell, "Setpoint tampering", 5, {"safety": 5})
    page = logged_in(a_contributor).get(f"/risk/zones/{plant.cell.pk}/").content.decode()
    assert re.search(r'id="justified-sl-t">SL 4', page) and "below what the risk justifies" in page
    assert "critical → SL 4" in page


def test_matrix_page_edits_for_org_admins_only(org, plant, org_admin, a_contributor, site_a):
    assert "Change the matrix" not in logged_in(a_contributor).get("/risk/matrix/").content.decode()
    assert logged_in(a_contributor).post("/risk/matrix/", {"likelihood": "a\nb"}).status_code == 403
    admin = logged_in(org_admin)
    page = admin.get("/risk/matrix/").content.decode()
    assert "Change the matrix" in page and "T0866" in page and "The MITRE Corporation" in page
    form = {"likelihood": "Low\nMedium\nHigh", "consequence": "Minor\nMajor\nSevere", "low_min": 1, "low_max": 2,
            "medium_min": 3, "medium_max": 4, "high_min": 6, "high_max": 6, "critical_min": 7, "critical_max": 9}  # fmt: skip
    before = audit_count()
    bad = admin.post("/risk/matrix/", form | {"critical_min": 10, "critical_max": 12})
    assert bad.status_code == 200 and "score 9 (a cell of the matrix) is in no band" in bad.content.decode()
    assert audit_count() == before and not RiskMatrix.objects.exists()
    assert admin.post("/risk/matrix/", form).status_code == 302
    assert RiskMatrix.objects.get().likelihood_labels == ["Low", "Medium", "High"]


def test_advisory_upload_and_the_vulnerability_workflow(plant, a_contributor, a_approver, site_a):
    client = logged_in(a_contributor)
    assert "Import and match" in client.get("/risk/advisories/").content.decode()
    r = client.post("/risk/advisories/import/", {"site": site_a.pk, "file": SimpleUploadedFile(
        "icsa.json", DEMO_ADVISORY.read_bytes())}, follow=True)  # fmt: skip
    page = r.content.decode()
    assert "ICSA-24-284-20" in page and "2 affected and 1 possibly affected" in page
    assert page.count('data-match="affected"') == 2 and page.count('data-match="possibly-affected"') == 1
    bad = client.post("/risk/advisories/import/", {"site": site_a.pk, "file": SimpleUploadedFile(
        "x.json", b'{"document": []}')}, follow=True).content.decode()  # fmt: skip
    assert "nothing was imported: /document: expected an object" in bad
    item = AssetVulnerability.objects.get(asset=plant.plc)
    page = client.get(f"/risk/vulnerabilities/{item.pk}/").content.decode()
    assert "affected" in page and "33.011" in page and "Create scenario from vulnerability" in page
    listed = client.get("/risk/vulnerabilities/?severity=high&match=affected").content.decode()
    assert "PLC-1" in listed and "PLC-3" not in listed
    r = client.post(
        f"/risk/vulnerabilities/{item.pk}/status/", {"status": "mitigated", "note": "CIP blocked"}
    )
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.status == "mitigated"
    assert (
        client.post(
            f"/risk/vulnerabilities/{item.pk}/status/", {"status": "accepted", "note": "x"}
        ).status_code
        == 403
    )
    until = str(timezone.localdate() + timedelta(days=60))
    logged_in(a_approver).post(
        f"/risk/vulnerabilities/{item.pk}/status/",
        {
            "status": "accepted",
            "note": "until the spring outage",
            "accepted_by": plant.ben.pk,
            "accepted_until": until,
        },
    )
    item.refresh_from_db()
    assert (item.status, item.accepted_by) == ("accepted", plant.ben)
    r = client.post(f"/risk/vulnerabilities/{item.pk}/scenario/")
    scenario = ThreatScenario.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/risk/scenarios/{scenario.pk}/edit/"
    assert ObjectLink.objects.filter(source_id=scenario.pk, target_id=item.pk, kind="source").exists()
    assert "CVE-2024-6207" in client.get(f"/risk/scenarios/{scenario.pk}/").content.decode()


def test_reviews_are_recorded(plant, a_contributor, site_a):
    client = logged_in(a_contributor)
    r = client.post("/risk/reviews/new/", {"site": site_a.pk, "zone": plant.cell.pk, "reviewed_on": "2026-01-10",
                                           "reviewer": plant.ann.pk, "changes": "Added the radio scenario.",
                                           "next_review_on": "2027-01-10"})  # fmt: skip
    assert r.status_code == 302
    review = ThreatModelReview.objects.get()
    assert review.changes == "Added the radio scenario." and review.zone == plant.cell
    assert "Added the radio scenario" in client.get("/risk/reviews/").content.decode()


def test_outsiders_see_nothing(plant, outsider, b_viewer, site_a):
    s = make(site_a, plant.cell, "Secret", 3, {"safety": 3})
    services.import_advisory(site_a, DEMO_ADVISORY.read_bytes(), "a.json")
    item = AssetVulnerability.objects.first()
    for user in (outsider, b_viewer):
        client = logged_in(user)
        for url in (
            f"/risk/scenarios/{s.pk}/",
            f"/risk/zones/{plant.cell.pk}/",
            f"/risk/vulnerabilities/{item.pk}/",
            f"/risk/advisories/{item.vulnerability.advisory_id}/",
        ):
            assert client.get(url).status_code in (403, 404), url
        assert "ICSA-24-284-20" not in client.get("/risk/advisories/").content.decode()
        assert (
            client.post(
                f"/risk/vulnerabilities/{item.pk}/status/", {"status": "patched", "note": "x"}
            ).status_code
            == 404
        )
