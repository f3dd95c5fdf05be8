"""What roadmap planning adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import CliCommand, Contributions, DemoStep, ImportKind, Kpi, NavEntry, ReportKind

contributions = Contributions(
    checks_module="otcsms.roadmap.checks",
    api_router="otcsms.roadmap.api.router",
    urls="otcsms.roadmap.urls",
    navigation=(NavEntry("Roadmap", "web:roadmap_home", 370),),
    cli=(
        CliCommand("roadmap", "otcsms.roadmap.cli.roadmap_app"),
        CliCommand("poam", "otcsms.roadmap.cli.poam"),
    ),
    jobs=("otcsms.roadmap.tasks.ACTIONS_FROM_SOURCES",),
    import_kinds=(
        ImportKind("actions", "otcsms.roadmap.cli.import_actions", needs="site"),
        ImportKind("poam", "otcsms.roadmap.cli.import_poam", needs="site"),
    ),
    demo=(DemoStep("otcsms.roadmap.demo.load_demo_roadmap", 950),),
    access_objects="otcsms.roadmap.testing.access_objects",
    org_wide_paths=("business-goals",),
    site_sections=("otcsms.roadmap.site_sections.actions",),
    evidence_targets=("roadmap.action",),  # a document evidences an action's completion
    reports=(ReportKind("roadmap", "Roadmap", "otcsms.roadmap.reports.build"),),
    kpis=(
        Kpi(
            "actions.mean-days-to-close",
            "Mean time to close roadmap actions",
            "otcsms.roadmap.kpis.mean_days_to_close",
            unit="days",
            list_url="web:roadmap_action_list",
            order=70,
        ),
    ),
)
