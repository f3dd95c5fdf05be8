"""What the jobs app adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import CliCommand, Contributions, NavEntry

contributions = Contributions(
    api_router="otcsms.jobs.api.router",
    urls="otcsms.jobs.urls",
    # every member reads schedules and runs; organisation admins change them
    navigation=(NavEntry("Jobs", "web:jobs", 850),),
    cli=(CliCommand("worker", "otcsms.jobs.cli.worker"),),
    org_wide_paths=("schedules", "job-runs"),
)
