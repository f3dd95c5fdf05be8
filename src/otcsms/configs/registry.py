"""What configuration management adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import CliCommand, Contributions, DemoStep, Kpi, NavEntry, ReportKind

contributions = Contributions(
    api_router="otcsms.configs.api.router",
    urls="otcsms.configs.urls",
    navigation=(NavEntry("Drift", "web:config_drift", 360),),
    cli=(
        CliCommand("config", "otcsms.configs.cli.config_app"),
        CliCommand("drift", "otcsms.configs.cli.drift_command"),
    ),
    demo=(DemoStep("otcsms.configs.demo.load_demo_configs", 520),),
    checks_module="otcsms.configs.checks",
    jobs=("otcsms.configs.tasks.COLLECT_CONFIGS",),
    access_objects="otcsms.configs.testing.access_objects",
    org_wide_paths=("config-rule-overrides", "config-rules", "config-identity"),
    site_sections=("otcsms.configs.site_sections.drift",),
    reports=(ReportKind("drift", "Drift report", "otcsms.configs.reports.build"),),
    kpis=(
        Kpi(
            "drift.open",
            "Open drift by severity (assets)",
            "otcsms.configs.kpis.open_drift",
            list_url="web:config_drift",
            order=40,
        ),
    ),
)
