"""What incident response and drills add to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import Contributions, DemoStep, Kpi, NavEntry, ReportKind

contributions = Contributions(
    api_router="otcsms.resilience.api.router",
    urls="otcsms.resilience.urls",
    navigation=(NavEntry("Drills & incidents", "web:exercise_list", 380),),
    demo=(DemoStep("otcsms.resilience.demo.load_demo_resilience", 960),),
    checks_module="otcsms.resilience.checks",
    access_objects="otcsms.resilience.testing.access_objects",
    org_wide_paths=("drill-scenarios",),
    evidence_targets=("resilience.exercise", "resilience.incident"),
    reports=(ReportKind("drills", "Drill report", "otcsms.resilience.report.build"),),
    kpis=(
        Kpi(
            "drills.cadence",
            "Drill cadence used since the last drill (over 100: overdue)",
            "otcsms.resilience.kpis.drill_cadence_used",
            unit="%",
            better="lower",
            list_url="web:exercise_list",
            order=75,
        ),
    ),
)
