"""What continuous improvement adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import CliCommand, Contributions, DemoStep, Kpi, NavEntry, ReportKind

contributions = Contributions(
    api_router="otcsms.improvement.api.router",
    urls="otcsms.improvement.urls",
    navigation=(NavEntry("CSMS health", "web:improvement_health", 780),),
    cli=(CliCommand("kpi", "otcsms.improvement.cli.kpi_app"),),
    # After the checks (900): the demo's KPI history ends with today's measured values.
    demo=(DemoStep("otcsms.improvement.demo.load_demo_improvement", 960),),
    checks_module="otcsms.improvement.checks",
    jobs=("otcsms.improvement.tasks.KPI_SNAPSHOTS",),
    access_objects="otcsms.improvement.testing.access_objects",
    org_wide_paths=("kpis",),  # the KPI definitions (members only); capturing names a site
    kpis=(
        Kpi(
            "reviews.overdue",
            "Reviews overdue (policies, risks, threat models, scope, access)",
            "otcsms.improvement.kpis.overdue_reviews",
            list_url="web:improvement_calendar",
            order=50,
        ),
        Kpi(
            "nonconformities.open",
            "Open nonconformities by grade",
            "otcsms.improvement.kpis.open_nonconformities",
            list_url="web:nonconformity_list",
            order=90,
        ),
    ),
    review_schedules=("otcsms.improvement.reviews.management_reviews",),
    evidence_targets=("improvement.managementreview", "improvement.nonconformity"),
    reports=(
        ReportKind("management-review", "Management-review pack", "otcsms.improvement.reports.review_pack"),
    ),
)
