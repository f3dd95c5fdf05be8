"""Demo assessments: a 62443-3-3 baseline of the water plant, NERC CIP readiness of the substation, and a
62443-2-1 maturity assessment of the packaging plant, answered the way a first assessment usually goes."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from otcsms.assessments import services
from otcsms.assessments.models import Assessment
from otcsms.catalogs.models import Framework
from otcsms.core.models import User
from otcsms.tenancy.models import Site

if TYPE_CHECKING:
    from otcsms.core.registry import DemoSummary

# Typical first-assessment findings: what is usually in place, and what is usually not.
STRONG = ("SR 1.1", "SR 1.3", "SR 1.4", "SR 1.5", "SR 2.1", "SR 5.1", "SR 5.2", "SR 7.1", "SR 7.3")
WEAK = ("SR 1.7", "SR 2.8", "SR 2.9", "SR 3.2", "SR 3.3", "SR 3.4", "SR 6.2", "SR 7.6", "SR 1.13")
COMMENTS = {
    "met": "Verified on site; procedure and records reviewed.",
    "partially_met": "In place for the SCADA servers, not yet for the controllers.",
    "not_met": "No control in place; tracked as a gap.",
}


def load_demo_assessments(summary: DemoSummary) -> None:
    """An answered assessment for each demo site whose framework is loaded; nothing when any assessment exists."""
    if Assessment.objects.exists():
        return
    assessor = User.objects.filter(username="tom.baker").first()
    frameworks = {f.key: f for f in Framework.objects.filter(is_current=True)}
    rng = random.Random(62443)
    water = Site.objects.filter(code="riverside-wtp").first()
    if water is not None and "iec62443-3-3" in frameworks:
        baseline = services.create_assessment(
            site=water, framework=frameworks["iec62443-3-3"], name="2026 IEC 62443-3-3 baseline",
            assessor=assessor, description="First zone-by-zone assessment against the SL-T of each zone.",
        )  # fmt: skip
        _answer(baseline, rng, share=0.85, assessor=assessor)
    substation = Site.objects.filter(code="cedar-ridge-sub").first()
    if substation is not None and "nerc-cip" in frameworks:
        cip = services.create_assessment(
            site=substation, framework=frameworks["nerc-cip"], name="CIP audit readiness 2026",
            assessor=User.objects.filter(username="priya.raman").first(),
        )  # fmt: skip
        _answer(cip, rng, share=0.6, assessor=None)
    packaging = Site.objects.filter(code="harbor-pkg").first()
    if packaging is not None and "iec62443-2-1-2024" in frameworks:
        maturity = services.create_assessment(
            site=packaging, framework=frameworks["iec62443-2-1-2024"], name="CSMS maturity 2026", target_maturity=2,
        )  # fmt: skip
        _answer(maturity, rng, share=0.5, assessor=None, maturity=True)


def _answer(
    assessment: Assessment, rng: random.Random, *, share: float, assessor, maturity: bool = False
) -> None:
    answers = []
    for slot in services.slots(assessment):
        if rng.random() > share:
            continue
        base = slot.ref.split(" RE ")[0]
        if base in STRONG:
            status = rng.choice(("met", "met", "met", "partially_met"))
        elif base in WEAK:
            status = rng.choice(("not_met", "not_met", "partially_met"))
        else:
            status = rng.choice(("met", "met", "partially_met", "not_met"))
        comment = COMMENTS[status]
        if base == "SR 1.6" and slot.zone_id is not None:
            status, comment = "not_applicable", "No wireless in this zone (checked with a site survey)."
        level = (
            {"met": 3, "partially_met": 2, "not_met": 1}[status] if maturity and status in COMMENTS else None
        )
        answers.append(services.Answer(slot.requirement_id, slot.zone_id, status, level, comment))
    if answers:
        services.set_responses(assessment, answers, assessor)


# site code, (source kind, name), kind, (target kind, ref or name), note
LINKS = [
    ("riverside-wtp", ("plant.zone", "Chemical dosing"), "relates-to", ("catalogs.requirement", "ZCR 5.6"),
     "SL-T set in the 2025 HAZOP-based cyber risk workshop (minutes RA-WTP-2025-04)."),
    ("riverside-wtp", ("plant.conduit", "Dosing cell link"), "evidence", ("catalogs.requirement", "SR 5.1"),
     "Rule set reviewed with the network team in January 2026."),
    ("riverside-wtp", ("plant.asset", "DMZ-RDG"), "relates-to", ("plant.conduit", "OT DMZ to SCADA"),
     "Vendor sessions through the gateway cross this conduit: recorded and time-boxed."),
    ("cedar-ridge-sub", ("plant.asset", "ESP-FW"), "relates-to", ("plant.zone", "Station bus"),
     "Electronic security perimeter firewall of the station bus (CIP-005 R1)."),
]  # fmt: skip


def load_demo_links(summary: DemoSummary) -> None:
    """A few object links between demo records and to the requirements they concern (skipped where present
    or where a record is missing, e.g. a framework that is not loaded)."""
    from django.apps import apps

    from otcsms.links.services import LinkConflictError, create_link

    for code, (source_label, source_name), kind, (target_label, target_name), note in LINKS:
        site = Site.objects.filter(code=code).first()
        source = apps.get_model(source_label).objects.filter(site=site, name=source_name).first()
        target_model = apps.get_model(target_label)
        if target_label == "catalogs.requirement":
            target = target_model.objects.filter(ref=target_name, framework__is_current=True).first()
        else:
            target = target_model.objects.filter(site=site, name=target_name).first()
        if site is None or source is None or target is None:
            continue
        try:
            create_link(site_id=site.pk, source_type=source_label, source_id=source.pk,
                        target_type=target_label, target_id=target.pk, kind=kind, note=note)  # fmt: skip
        except LinkConflictError:
            continue  # linked by an earlier load
