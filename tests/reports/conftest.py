"""An answered IEC 62443-3-3 assessment (two zones) and an answered NIST one at site A, with evidence."""

from __future__ import annotations

import pytest

from otcsms.assessments import services


@pytest.fixture
def assessed(site_a, library, zones, a_contributor):
    sr = services.create_assessment(
        site=site_a, framework=library["sr"], name="Baseline", assessor=a_contributor
    )
    req = {r.ref: r.pk for r in library["sr"].requirements.all()}
    control, dmz = zones["control"].pk, zones["dmz"].pk
    services.set_responses(sr, [
        services.Answer(req["SR 1.1"], control, "not_met", comment="Shared <b>operator</b> login",
                        evidence=["doc-17"]),
        services.Answer(req["SR 1.3"], control, "partially_met", comment="Two shared accounts left"),
        services.Answer(req["SR 5.1 RE 1"], control, "not_met", comment="Flat network"),
        services.Answer(req["SR 1.1 RE 1"], control, "met", evidence=["IAM procedure v3"]),
        services.Answer(req["SR 5.1"], control, "met"),
        services.Answer(req["SR 5.1"], dmz, "partially_met", comment="Firewall rules not reviewed"),
    ], a_contributor)  # fmt: skip
    nist = services.create_assessment(site=site_a, framework=library["nist"], name="NIST check",
                                      assessor=a_contributor)  # fmt: skip
    ref = {r.ref: r.pk for r in library["nist"].requirements.all()}
    services.set_responses(nist, [
        services.Answer(ref["IA-2"], None, "met", evidence=["badge register"]),
        services.Answer(ref["AC-2"], None, "not_applicable", comment="No accounts: the cell has no HMI"),
    ], a_contributor)  # fmt: skip
    return {"sr": sr, "nist": nist}
