"""What gap assessments add to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import CliCommand, Contributions, DemoStep, ImportKind, Kpi, NavEntry

contributions = Contributions(
    checks_module="otcsms.assessments.checks",
    api_router="otcsms.assessments.api.router",
    urls="otcsms.assessments.urls",
    navigation=(NavEntry("Assessments", "web:assessment_list", 300),),
    cli=(CliCommand("gaps", "otcsms.assessments.cli.gaps"),),
    import_kinds=(ImportKind("gaps", "otcsms.assessments.cli.import_gaps", needs="site"),),
    demo=(
        DemoStep("otcsms.assessments.demo.load_demo_assessments", 400),
        DemoStep("otcsms.assessments.demo.load_demo_links", 450),
    ),
    access_objects="otcsms.assessments.testing.access_objects",
    site_sections=("otcsms.assessments.site_sections.assessments",),
    kpis=(
        Kpi(
            "requirements.met",
            "Requirements met per framework",
            "otcsms.assessments.kpis.requirements_met",
            unit="%",
            better="higher",
            list_url="web:assessment_list",
            order=10,
        ),
        Kpi(
            "sl.gap",
            "SL-A below SL-T (levels missing)",
            "otcsms.assessments.kpis.sl_gap_levels",
            list_url="web:zone_list",
            order=20,
        ),
    ),
)
