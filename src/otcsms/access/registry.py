"""What access-control governance adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import CliCommand, Contributions, DemoStep, ImportKind, Kpi, NavEntry, ReportKind

contributions = Contributions(
    checks_module="otcsms.access.checks",
    api_router="otcsms.access.api.router",
    urls="otcsms.access.urls",
    navigation=(NavEntry("Access", "web:access_home", 350),),
    cli=(CliCommand("access", "otcsms.access.cli.access_app"),),
    import_kinds=(ImportKind("accounts", "otcsms.access.cli.import_accounts", needs="system"),),
    jobs=("otcsms.access.tasks.REVIEW_REMINDERS",),
    demo=(DemoStep("otcsms.access.demo.load_demo_access", 460),),
    access_objects="otcsms.access.testing.access_objects",
    site_sections=("otcsms.access.site_sections.systems",),
    reports=(ReportKind("access-review", "Access-review record", "otcsms.access.reports.build"),),
    kpis=(
        Kpi(
            "access.review-completion",
            "Access-review completion",
            "otcsms.access.kpis.review_completion",
            unit="%",
            better="higher",
            list_url="web:access_review_list",
            order=60,
        ),
    ),
    review_schedules=("otcsms.access.reviews.access_reviews",),
)
