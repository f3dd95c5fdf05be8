"""One object of each risk path at a site, for the access test (declared in risk/registry.py)."""

from __future__ import annotations

from pathlib import Path

from otcsms.org.models import Person
from otcsms.plant.models import Asset, Zone
from otcsms.risk import services
from otcsms.risk.models import AssetVulnerability, ThreatModelReview, ThreatScenario
from otcsms.tenancy.models import Site

SAMPLE = Path(__file__).with_name("samples") / "icsa-24-284-20.json"


def access_objects(site: Site) -> dict[str, int]:
    zone = Zone.objects.create(site=site, name=f"Risk cell of {site.code}")
    Asset.objects.create(site=site, zone=zone, name=f"PLC of {site.code}", type="plc",
                         vendor="Rockwell Automation", model="ControlLogix 5580", firmware="33.011")  # fmt: skip
    owner = Person.objects.create(
        organisation=site.organisation, site=site, name=f"Risk owner of {site.code}"
    )
    scenario = services.save_scenario(ThreatScenario(
        site=site, title="Ransomware on the HMI", zone=zone, threat_source="criminal", vector="it-network",
        inherent_likelihood=3, inherent_consequences={"production": 4}, owner=owner,
    ))  # fmt: skip
    review = ThreatModelReview.objects.create(site=site, zone=zone, reviewer=owner, changes="first model")
    result = services.import_advisory(site, SAMPLE.read_bytes(), SAMPLE.name)
    item = AssetVulnerability.objects.filter(vulnerability__advisory=result.advisory).first()
    assert item is not None
    return {
        "threat-scenarios": scenario.pk,
        "threat-model-reviews": review.pk,
        "risk-zones": zone.pk,
        "advisories": result.advisory.pk,
        "vulnerabilities": item.vulnerability_id,
        "asset-vulnerabilities": item.pk,
    }
