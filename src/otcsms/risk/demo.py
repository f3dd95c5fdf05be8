"""The risk part of the demo operator: the organisation's 5x5 matrix, eight threat scenarios across the three
sites (with ATT&CK for ICS techniques), a threat-model review, and one real CISA advisory (ICSA-24-284-20,
Rockwell ControlLogix/CompactLogix 5580/5380) that hits the water plant's filtration PLCs, imported as CISA
published it (samples/README.md)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils import timezone

from otcsms.core.registry import DemoSummary
from otcsms.org.models import Person
from otcsms.plant.models import SystemUnderConsideration, Zone
from otcsms.risk import matrix as mx
from otcsms.risk import services
from otcsms.risk.models import RiskMatrix, ThreatModelReview, ThreatScenario
from otcsms.tenancy.models import Organisation, Site

ADVISORY = Path(__file__).with_name("samples") / "icsa-24-284-20.json"
ADVISORY_SITES = ("riverside-wtp", "harbor-pkg")

# site, title, zone (None: initial risk of the site's first system under consideration), source, vector,
# vulnerability, techniques, controls, inherent (L, {category: C}), residual (L, {category: C}) or None,
# treatment, owner, approver, review in days
SCENARIOS: list[tuple[Any, ...]] = [
    ("riverside-wtp", "Ransomware spreads from the business network to the SCADA servers", "SCADA", "criminal",
     "it-network", "Flat routing between the OT DMZ and SCADA for historian replication; shared local admin on HMIs.",
     ["T0866", "T0859", "T0828", "T0815"], "IT/OT firewall with deny-by-default; offline HMI images.",
     (4, {"production": 5, "safety": 3, "financial": 4}), (3, {"production": 4, "safety": 3, "financial": 3}),
     "mitigate", "Tom Baker", None, 60),
    ("riverside-wtp", "Unauthorised change of the chlorine dosing setpoints", "Chemical dosing", "insider",
     "local-network", "Modbus TCP writes to PLC-CHM-01 are accepted from any host of the control network.",
     ["T0855", "T0836", "T0831"], "SIS-CL2 trips on high residual chlorine; dosing alarms at the HMI.",
     (3, {"safety": 5, "environment": 4, "regulatory": 4}), (2, {"safety": 4, "environment": 3, "regulatory": 3}),
     "mitigate", "Aisha Okafor", None, 90),
    ("riverside-wtp", "Vendor remote session misused to download a PLC program", "Filtration", "contractor",
     "remote-access", "Vendor sessions through DMZ-RDG reach EWS-01, which holds the Studio 5000 projects.",
     ["T0822", "T0843", "T0889"], "Sessions time-boxed and recorded; MFA on the VPN.",
     (3, {"production": 4, "equipment": 3}), (2, {"production": 4, "equipment": 3}),
     "accept", "Tom Baker", "Maria Lopez", -10),
    ("riverside-wtp", "Spoofed telemetry from the lift-station radio link", "Remote lift stations", "opportunist",
     "wireless", "The licensed radio carries DNP3 without authentication.", ["T0856", "T0848"],
     "Radio encryption on the link layer.", (2, {"environment": 4, "regulatory": 3}), None, "", "Tom Baker", None, -5),
    ("cedar-ridge-sub", "Protection relay settings changed through the station bus", "Protection", "nation-state",
     "remote-access", "Relay engineering access through the intermediate system; IEC 61850 MMS without authentication.",
     ["T0886", "T0836", "T0880", "T0827"], "ESP firewall, MFA on the intermediate system, settings baselines.",
     (2, {"safety": 5, "production": 5, "regulatory": 5}), (2, {"safety": 4, "production": 4, "regulatory": 4}),
     "mitigate", "Priya Raman", None, 120),
    ("cedar-ridge-sub", "Malware brought in on a technician laptop", "Station bus", "accidental",
     "removable-media", "Transient cyber assets are not scanned before connection.", ["T0847", "T0814"],
     "CIP-010 transient cyber asset plan (draft).", (3, {"production": 4, "regulatory": 4}),
     (2, {"production": 3, "regulatory": 3}), "mitigate", "Dan Whitfield", None, 30),
    ("harbor-pkg", "Line PLC stopped by a malformed CIP request", "Line 1", "opportunist", "local-network",
     "CompactLogix 5380 controllers below the fixed firmware (see ICSA-24-284-20).", ["T0866", "T0814", "T0813"],
     "Line cells segmented by the plant firewall.", (3, {"production": 4, "financial": 3}), None, "",
     "Lin Chen", None, 45),
    ("harbor-pkg", "Whole-plant outage from a ransomware attack (initial assessment)", None, "criminal",
     "it-network", "Initial (high-level) worst case for the plant's system under consideration.",
     ["T0828", "T0826"], "", (4, {"production": 5, "financial": 5, "reputation": 3}), None, "", "Lin Chen", None, 180),
]  # fmt: skip


def load_demo_risk(summary: DemoSummary) -> None:
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None or RiskMatrix.objects.filter(organisation=organisation).exists():
        return
    matrix = services.save_matrix(
        RiskMatrix(organisation=organisation, bands=[dict(b) for b in mx.DEFAULT_BANDS])
    )
    today = timezone.localdate()
    for spec in SCENARIOS:
        site = Site.objects.filter(code=spec[0]).first()
        if site is not None:
            _scenario(site, spec, today)
    for code in ADVISORY_SITES:
        site = Site.objects.filter(code=code).first()
        if site is not None:
            services.import_advisory(site, ADVISORY.read_bytes(), ADVISORY.name)
    site = Site.objects.filter(code="riverside-wtp").first()
    reviewer = Person.objects.filter(name="Tom Baker").first()
    if site is not None and reviewer is not None:
        ThreatModelReview(site=site, reviewed_on=today - timedelta(days=30), reviewer=reviewer,
                          changes="Added the vendor remote-access scenario after the new gateway; re-rated ransomware "
                                  "residual risk with the IT/OT firewall in place.",
                          next_review_on=today + timedelta(days=335)).save()  # fmt: skip
    del matrix


def _person(site: Site, name: str | None) -> Person | None:
    if not name:
        return None
    return Person.objects.filter(Q(site=site) | Q(site__isnull=True), name=name).first()


def _scenario(site: Site, spec: tuple[Any, ...], today: Any) -> None:
    (_code, title, zone_name, source, vector, vulnerability, techniques, controls, inherent, residual,
     treatment, owner, approver, review_days) = spec  # fmt: skip
    zone = Zone.objects.filter(site=site, name=zone_name).first() if zone_name else None
    system = None if zone else SystemUnderConsideration.objects.filter(site=site).order_by("pk").first()
    scenario = ThreatScenario(
        site=site, title=title, assessment="detailed" if zone else "initial", zone=zone, system=system,
        threat_source=source, vector=vector, vulnerability=vulnerability, techniques=techniques,
        existing_controls=controls, inherent_likelihood=inherent[0], inherent_consequences=inherent[1],
        residual_likelihood=residual[0] if residual else None, residual_consequences=residual[1] if residual else {},
        target_likelihood=1 if residual else None, target_consequence=3 if residual else None,
        treatment=treatment, owner=_person(site, owner), acceptance_approver=_person(site, approver),
        acceptance_expires=today + timedelta(days=-3 if approver else 0) if approver else None,
        review_date=today + timedelta(days=review_days),
    )  # fmt: skip
    services.save_scenario(scenario)
