"""What the organisation app adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import Contributions, DemoStep, NavEntry

contributions = Contributions(
    checks_module="otcsms.org.checks",
    api_router="otcsms.org.api.router",
    urls="otcsms.org.urls",
    navigation=(
        NavEntry("Sites", "web:site_list", 100),
        NavEntry("People", "web:person_list", 110),
        NavEntry("CSMS roles", "web:csmsrole_list", 120),
        NavEntry("Activities", "web:csmsactivity_list", 130),
    ),
    # The organisation comes first; its users after the plant step, as the demo operator always loaded them.
    demo=(
        DemoStep("otcsms.org.demo.load_organisation", 100),
        DemoStep("otcsms.org.demo.load_users", 300),
    ),
    access_objects="otcsms.org.testing.access_objects",
    org_wide_paths=("csms-roles", "csms-activities"),
    self_service_paths=("/organisation",),
    review_schedules=("otcsms.org.reviews.scope_reviews",),
)
