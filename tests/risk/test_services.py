"""Scenarios on the matrix, the matrix's rules, advisory import and re-import, a scenario from a vulnerability,
a zone's justified SL-T and the checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from otcsms.checks.engine import REGISTRY
from otcsms.core.models import AuditEvent
from otcsms.links.models import ObjectLink
from otcsms.risk import services, vuln_lifecycle
from otcsms.risk.models import Advisory, AssetVulnerability, RiskMatrix, ThreatScenario, Vulnerability
from tests.risk.conftest import DATA, DEMO_ADVISORY

pytestmark = pytest.mark.django_db


def scenario(site, zone, **fields) -> ThreatScenario:
    values = {"title": "Ransomware", "threat_source": "criminal", "vector": "it-network", "inherent_likelihood": 4,
              "inherent_consequences": {"production": 5, "safety": 3}} | fields  # fmt: skip
    return services.save_scenario(ThreatScenario(site=site, zone=zone, **values))


def test_risk_is_the_worst_category_on_the_default_matrix(site_a, plant):
    s = scenario(
        site_a, plant.cell, residual_likelihood=2, residual_consequences={"production": 3, "safety": 2}
    )
    assert (s.inherent_consequence, s.inherent_score, s.inherent_level) == (5, 20, "critical")
    assert (s.residual_consequence, s.residual_score, s.residual_level) == (3, 6, "medium")
    event = AuditEvent.objects.filter(object_type="risk.threatscenario", object_id=str(s.pk)).get()
    assert event.action == "create"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"inherent_likelihood": 6}, "inherent_likelihood"),
        ({"inherent_consequences": {"weather": 3}}, "inherent_consequences"),
        ({"inherent_consequences": {"safety": 9}}, "inherent_consequences"),
        ({"inherent_consequences": {}}, "inherent_consequences"),
        ({"residual_likelihood": 2}, "residual_likelihood"),
        ({"techniques": ["T0866", "T9999"]}, "techniques"),
        ({"treatment": "accept"}, "acceptance_approver"),
        ({"zone": None}, "zone"),
    ],
)
def test_bad_ratings_are_refused(site_a, plant, fields, field):
    with pytest.raises(ValidationError) as caught:
        scenario(site_a, fields.pop("zone", plant.cell), **fields)
    assert field in caught.value.message_dict
    assert not ThreatScenario.objects.exists()


def test_acceptance_needs_an_approver_other_than_the_owner_and_an_expiry(site_a, plant):
    with pytest.raises(ValidationError) as caught:
        scenario(site_a, plant.cell, treatment="accept", owner=plant.ann, acceptance_approver=plant.ann)
    assert set(caught.value.message_dict) == {"acceptance_approver", "acceptance_expires"}
    s = scenario(site_a, plant.cell, treatment="accept", owner=plant.ann, acceptance_approver=plant.ben,
                 acceptance_expires=timezone.localdate() + timedelta(days=90))  # fmt: skip
    assert s.treatment == "accept"


def test_an_asset_gives_its_zone_and_a_detailed_risk_needs_one(site_a, plant):
    s = scenario(site_a, None, asset=plant.plc)
    assert s.zone_id == plant.cell.pk
    initial = scenario(site_a, None, assessment="initial", title="Site worst case")
    assert initial.zone_id is None


def test_bands_must_cover_every_cell_without_overlap(org, site_a, plant):
    matrix = RiskMatrix(organisation=org, bands=[{"level": "low", "min": 1, "max": 5},
                                                 {"level": "high", "min": 5, "max": 24}])  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        services.save_matrix(matrix)
    problems = " ".join(caught.value.message_dict["bands"])
    assert "score 5 is in more than one band" in problems and "score 25" in problems and "no band" in problems


def test_a_new_matrix_relevels_every_scenario(org, site_a, plant):
    s = scenario(site_a, plant.cell, inherent_likelihood=3, inherent_consequences={"production": 3})
    assert s.inherent_level == "medium"
    services.save_matrix(RiskMatrix(organisation=org, bands=[
        {"level": "low", "min": 1, "max": 3}, {"level": "medium", "min": 4, "max": 6},
        {"level": "high", "min": 7, "max": 12}, {"level": "critical", "min": 13, "max": 25}]))  # fmt: skip
    s.refresh_from_db()
    assert s.inherent_level == "high"
    three = RiskMatrix.objects.get()
    three.likelihood_labels = ["Low", "Medium", "High"]
    three.bands = [{"level": "low", "min": 1, "max": 4}, {"level": "high", "min": 5, "max": 15}]
    services.save_matrix(three)  # a 3x5 matrix still holds a likelihood of 3
    three.likelihood_labels = ["Low", "High"]
    with pytest.raises(ValidationError, match="beyond the smaller scale"):
        services.save_matrix(three)


def import_file(site, path, **kwargs):
    return services.import_advisory(site, path.read_bytes(), path.name, **kwargs)


def test_import_matches_assets_by_vendor_model_and_firmware(site_a, plant):
    result = import_file(site_a, DEMO_ADVISORY)
    assert (result.outcome, result.vulnerabilities, result.affected, result.possibly) == ("created", 1, 2, 1)
    items = {i.asset.name: i for i in AssetVulnerability.objects.select_related("asset")}
    assert set(items) == {"PLC-1", "PLC-3", "PLC-4"}  # PLC-2 runs the fixed 35.013
    assert items["PLC-1"].match == "affected" and items["PLC-3"].match == "possibly-affected"
    assert "no firmware recorded" in items["PLC-3"].match_reason
    vuln = Vulnerability.objects.get()
    assert (vuln.cve, str(vuln.cvss_score), vuln.severity) == ("CVE-2024-6207", "7.5", "high")
    assert items["PLC-1"].remediations and items["PLC-1"].status == "open"
    assert import_file(site_a, DEMO_ADVISORY).outcome == "unchanged"
    assert AssetVulnerability.objects.count() == 3


def test_a_revision_updates_and_an_older_version_is_refused(site_a, plant):
    first = import_file(site_a, DATA / "icsa-24-107-03-v1.json")
    assert (first.affected, first.possibly) == (
        1,
        1,
    )  # PLC-4 runs exactly V35.011; PLC-3's firmware is unknown
    item = AssetVulnerability.objects.get(asset=plant.v35)
    vuln_lifecycle.change_status(
        item, "mitigated", note="CIP object 103 blocked at the cell firewall", by=None
    )
    second = import_file(site_a, DATA / "icsa-24-107-03-v2.json")
    assert (
        second.outcome == "updated" and Advisory.objects.count() == 1 and Vulnerability.objects.count() == 1
    )
    advisory = Advisory.objects.get()
    assert (advisory.version, len(advisory.products), len(advisory.revision_history)) == ("2", 8, 2)
    item.refresh_from_db()
    assert item.status == "mitigated" and AssetVulnerability.objects.count() == 2
    before = AuditEvent.objects.count()
    with pytest.raises(services.AdvisoryRefused, match="older than version 2"):
        import_file(site_a, DATA / "icsa-24-107-03-v1.json")
    assert AuditEvent.objects.count() == before


def test_a_revision_that_drops_a_product_unlists_its_assets(site_a, plant):
    import json

    import_file(site_a, DATA / "icsa-24-107-03-v1.json")
    document = json.loads((DATA / "icsa-24-107-03-v1.json").read_bytes())
    document["document"]["tracking"]["version"] = "3"
    status = document["vulnerabilities"][0]["product_status"]
    status["known_affected"].remove("CSAFPID-0001")
    status["fixed"] = ["CSAFPID-0001"]
    result = services.import_advisory(site_a, json.dumps(document).encode(), "v3.json")
    assert result.unlisted == 2
    item = AssetVulnerability.objects.get(asset=plant.v35)
    assert (item.listed, item.status) == (False, "not-affected") and "no longer listed" in item.status_note
    document["document"]["tracking"]["version"] = "4"
    status["known_affected"].append("CSAFPID-0001")
    status.pop("fixed")
    services.import_advisory(site_a, json.dumps(document).encode(), "v4.json")
    item.refresh_from_db()
    assert (item.listed, item.status, item.status_note) == (True, "open", "listed again by version 4")


def test_malformed_advisories_write_nothing(site_a, plant):
    before = AuditEvent.objects.count()
    with pytest.raises(services.AdvisoryRefused, match="^/document: required"):
        services.import_advisory(site_a, b"{}", "empty.json")
    assert AuditEvent.objects.count() == before and not Advisory.objects.exists()


def test_status_transitions_are_explicit(site_a, plant, a_contributor, a_approver):
    import_file(site_a, DEMO_ADVISORY)
    item = AssetVulnerability.objects.get(asset=plant.plc)
    with pytest.raises(vuln_lifecycle.TransitionError, match="note"):
        vuln_lifecycle.change_status(item, "patched", note="  ", by=a_contributor)
    with pytest.raises(vuln_lifecycle.TransitionForbidden):
        vuln_lifecycle.change_status(item, "accepted", note="ok", by=a_contributor, accepted_by=plant.ben,
                                     accepted_until=timezone.localdate() + timedelta(days=30))  # fmt: skip
    with pytest.raises(vuln_lifecycle.TransitionError, match="accepted_until"):
        vuln_lifecycle.change_status(item, "accepted", note="ok", by=a_approver, accepted_by=plant.ben,
                                     accepted_until=timezone.localdate())  # fmt: skip
    vuln_lifecycle.change_status(item, "patched", note="flashed 33.017", by=a_contributor)
    with pytest.raises(vuln_lifecycle.TransitionError, match="cannot become mitigated"):
        vuln_lifecycle.change_status(item, "mitigated", note="x", by=a_contributor)
    item.refresh_from_db()
    assert (item.status, item.status_changed_by) == ("patched", a_contributor)
    event = AuditEvent.objects.filter(object_type="risk.assetvulnerability", action="update").last()
    assert event is not None


def test_a_scenario_from_a_vulnerability_keeps_the_link(site_a, plant, a_contributor):
    import_file(site_a, DEMO_ADVISORY)
    item = AssetVulnerability.objects.get(asset=plant.plc)
    s = services.scenario_from_vulnerability(item, by=a_contributor)
    assert (s.zone, s.asset, s.inherent_likelihood, s.inherent_consequences) == (
        plant.cell,
        plant.plc,
        3,
        {"production": 5},
    )
    assert "CVE-2024-6207" in s.title and s.techniques == ["T0866", "T0814"]
    link = ObjectLink.objects.get()
    assert (link.kind, link.source_id, link.target_id) == ("source", s.pk, item.pk)


def test_the_zone_shows_the_sl_t_its_risk_justifies(site_a, plant):
    scenario(site_a, plant.cell, inherent_likelihood=4, inherent_consequences={"safety": 4})  # high (16)
    found = services.zone_risk(plant.cell, ThreatScenario.objects.all())
    assert (found.worst_level, found.justified_sl_t, found.recorded_sl_t, found.gap) == ("high", 3, 2, True)
    plant.cell.refresh_from_db()
    assert plant.cell.sl_t_1 == 2  # never changed
    scenario(site_a, plant.cell, title="mitigated", inherent_likelihood=5, inherent_consequences={"safety": 5},
             residual_likelihood=1, residual_consequences={"safety": 2})  # fmt: skip
    assert services.zone_risk(plant.cell, ThreatScenario.objects.all()).worst_level == "high"
    empty = services.zone_risk(plant.scada, ThreatScenario.objects.all())
    assert (empty.justified_sl_t, empty.recorded_sl_t, empty.gap) == (None, None, False)


def test_heat_map_counts_inherent_and_residual(site_a, plant):
    scenario(site_a, plant.cell, residual_likelihood=2, residual_consequences={"production": 3})
    scenario(site_a, plant.cell, title="b")
    rows = services.heat_map(RiskMatrix.of(site_a.organisation_id), ThreatScenario.objects.all())
    cells = {(c.likelihood, c.consequence): c for row in rows for c in row}
    assert len(cells) == 25 and rows[0][0].likelihood == 5
    assert cells[(4, 5)].inherent == 2 and cells[(2, 3)].residual == 1 and cells[(4, 5)].level == "critical"


def test_checks_report_overdue_reviews_expired_acceptances_and_untreated_vulnerabilities(site_a, plant):
    today = timezone.localdate()
    overdue = scenario(site_a, plant.cell, review_date=today - timedelta(days=1))
    scenario(site_a, plant.cell, title="fresh", review_date=today + timedelta(days=10))
    expired = scenario(site_a, plant.cell, title="accepted", treatment="accept", owner=plant.ann,
                       acceptance_approver=plant.ben, acceptance_expires=today - timedelta(days=2))  # fmt: skip
    import_file(site_a, DEMO_ADVISORY)

    def problems(check_id):
        return [p.object for p in REGISTRY[check_id].function(site_a)]

    assert problems("risk.review-overdue") == [overdue]
    assert problems("risk.acceptance-expired") == [expired]
    untreated = problems("risk.vulnerability-untreated")
    assert {i.asset.name for i in untreated} == {"PLC-1", "PLC-3", "PLC-4"}
    item = AssetVulnerability.objects.get(asset=plant.plc)
    vuln_lifecycle.change_status(item, "mitigated", note="port blocked", by=None)
    assert item not in problems("risk.vulnerability-untreated")
    assert REGISTRY["risk.vulnerability-untreated"].requirements
