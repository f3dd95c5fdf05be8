"""What the plant model adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import CliCommand, Contributions, DemoStep, NavEntry

contributions = Contributions(
    checks_module="otcsms.plant.checks",
    api_router="otcsms.plant.api.router",
    urls="otcsms.plant.urls",
    navigation=(
        NavEntry("Zones & conduits", "web:zone_list", 200),
        NavEntry("Assets", "web:asset_list", 210),
    ),
    cli=(
        CliCommand("import", "otcsms.plant.cli.import_command"),
        CliCommand("export", "otcsms.plant.cli.export_command"),
    ),
    demo=(DemoStep("otcsms.plant.demo.load_demo_plant", 200),),
    access_objects="otcsms.plant.testing.access_objects",
    site_sections=("otcsms.plant.site_sections.zones", "otcsms.plant.site_sections.assets"),
)
