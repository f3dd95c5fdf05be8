"""What the directory app adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import Contributions, DemoStep, NavEntry

contributions = Contributions(
    api_router="otcsms.directory.api.router",
    urls="otcsms.directory.urls",
    navigation=(NavEntry("Directory sign-in", "web:directory", 877, org_admins_only=True),),
    demo=(DemoStep("otcsms.directory.demo.load_demo_directory", 320),),
    org_wide_paths=("directory-mappings", "directory-accounts"),
)
