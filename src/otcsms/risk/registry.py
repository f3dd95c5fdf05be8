"""What the risk register and vulnerability management add to otcsms (read by core.registry; import paths only)."""

from otcsms.core.registry import Contributions, DemoStep, ImportKind, NavEntry, ReportKind

contributions = Contributions(
    api_router="otcsms.risk.api.router",
    urls="otcsms.risk.urls",
    navigation=(
        NavEntry("Risks", "web:threatscenario_list", 500),
        NavEntry("Vulnerabilities", "web:assetvulnerability_list", 510),
    ),
    import_kinds=(ImportKind("advisories", "otcsms.risk.cli.import_advisories"),),
    demo=(DemoStep("otcsms.risk.demo.load_demo_risk", 540),),
    checks_module="otcsms.risk.checks",
    access_objects="otcsms.risk.testing.access_objects",
    org_wide_paths=("risk-matrix", "attack-ics"),
    site_sections=("otcsms.risk.site_sections.risks",),
    # documents may evidence a scenario (its analysis), a vulnerability's treatment and a threat-model review
    evidence_targets=("risk.threatscenario", "risk.assetvulnerability", "risk.threatmodelreview"),
    reports=(ReportKind("risks", "Risk register", "otcsms.risk.reports.build"),),
    review_schedules=("otcsms.risk.reviews.risk_reviews",),
)
