"""What the checks app adds to otcsms (read by core.registry; import paths only, no models).

Its pages (Findings) are the web app's and ``otcsms check`` is the platform's command (otcsms/cli.py): this
app sits below the UI kits, so it offers services and an API, and every app's checks module registers here.
"""

from otcsms.core.registry import Contributions, DemoStep, Kpi

contributions = Contributions(
    api_router="otcsms.checks.api.router",
    # After every step that loads data: the demo's findings are what the checks say about it.
    demo=(DemoStep("otcsms.checks.demo.run_demo_checks", 900),),
    # The list of registered checks is the same for every member; findings and runs are the site's.
    org_wide_paths=("checks",),
    kpis=(
        Kpi(
            "findings.open",
            "Open findings by severity",
            "otcsms.checks.kpis.open_findings",
            list_url="web:finding_list",
            order=100,
        ),
    ),
)
