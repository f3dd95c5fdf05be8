"""What the evidence app adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import Contributions, DemoStep, Kpi, NavEntry

contributions = Contributions(
    api_router="otcsms.evidence.api.router",
    urls="otcsms.evidence.urls",
    navigation=(NavEntry("Documents", "web:document_list", 500),),
    checks_module="otcsms.evidence.checks",
    jobs=("otcsms.evidence.tasks.REVIEW_REMINDERS", "otcsms.evidence.tasks.BLOB_SWEEP"),
    demo=(DemoStep("otcsms.evidence.demo.load_demo_evidence", 500),),
    response_evidence="otcsms.evidence.cells.response_evidence",
    site_sections=("otcsms.evidence.site_sections.documents",),
    access_objects="otcsms.evidence.testing.access_objects",
    # The records of the apps below this one that documents evidence; apps above declare their own.
    evidence_targets=("assessments.response", "catalogs.requirement", "plant.zone", "plant.asset"),
    object_panels=("otcsms.evidence.object_panels.evidence_panel",),
    kpis=(
        Kpi(
            "evidence.fresh",
            "Evidence freshness (current links)",
            "otcsms.evidence.kpis.evidence_freshness",
            unit="%",
            better="higher",
            list_url="web:evidence_completeness",
            order=30,
        ),
    ),
    review_schedules=("otcsms.evidence.reviews.document_reviews",),
)
