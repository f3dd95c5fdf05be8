"""What the reports app adds to otcsms (read by core.registry; import paths only, no models).

Report kinds come from every app's ``reports`` field (core.registry.ReportKind): the kinds below read the
assessments and evidence apps; an app above them (risk, roadmap) declares its own kinds in its registry.py.
"""

from otcsms.core.registry import CliCommand, Contributions, DemoStep, NavEntry, ReportKind

contributions = Contributions(
    api_router="otcsms.reports.api.router",
    urls="otcsms.reports.urls",
    navigation=(NavEntry("Reports", "web:report_list", 820),),
    cli=(
        CliCommand("report", "otcsms.reports.cli.report"),
        CliCommand("backup", "otcsms.reports.cli.backup"),
        CliCommand("restore", "otcsms.reports.cli.restore"),
        CliCommand("export-json", "otcsms.reports.cli.export_json"),
        CliCommand("import-json", "otcsms.reports.cli.import_json"),
    ),
    reports=(
        ReportKind("gaps", "Gap report", "otcsms.reports.kinds.gap_report"),
        ReportKind("soa", "Statement of applicability", "otcsms.reports.kinds.statement_of_applicability"),
        ReportKind("coverage", "Coverage matrix across frameworks", "otcsms.reports.kinds.coverage_matrix"),
    ),
    demo=(DemoStep("otcsms.reports.demo.load_demo_report_template", 510),),  # after the evidence documents
    access_objects="otcsms.reports.testing.access_objects",
)
