"""What training and personnel security add to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import CliCommand, Contributions, DemoStep, ImportKind, Kpi, NavEntry

contributions = Contributions(
    api_router="otcsms.people.api.router",
    urls="otcsms.people.urls",
    navigation=(NavEntry("Training", "web:training_matrix", 340),),
    cli=(CliCommand("people", "otcsms.people.cli.people_app"),),
    import_kinds=(ImportKind("completions", "otcsms.people.cli.import_completions", needs="site"),),
    # after the organisation's users (300), before the access demo (460) that grants the PLC engineering access
    demo=(DemoStep("otcsms.people.demo.load_demo_people", 440),),
    access_objects="otcsms.people.testing.access_objects",
    org_wide_paths=("courses",),
    object_panels=("otcsms.people.panels.readiness_of",),
    # documents may evidence a completion (a certificate) or a screening (the case file's reference)
    evidence_targets=("people.completion", "people.screening"),
    kpis=(
        Kpi(
            "training.compliance",
            "Training compliance (required training current)",
            "otcsms.people.kpis.training_compliance",
            unit="%",
            better="higher",
            list_url="web:training_matrix",
            order=65,
        ),
    ),
)
