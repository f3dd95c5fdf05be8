"""What the framework library adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import CliCommand, Contributions, NavEntry

contributions = Contributions(
    api_router="otcsms.catalogs.api.router",
    urls="otcsms.catalogs.urls",
    navigation=(NavEntry("Frameworks", "web:framework_list", 400),),
    cli=(CliCommand("frameworks", "otcsms.catalogs.cli.frameworks_app"),),
    # The library is the organisation's reference data; `otcsms init` loads it, so the demo needs no step.
    org_wide_paths=("frameworks", "requirements", "mapping-sets"),
)
