"""Navigation shown on every page: the capabilities that exist, and the site switcher."""

from __future__ import annotations

from django.http import HttpRequest

from otcsms.web.sites import current_site_id, switchable_sites

# One entry per capability of PRODUCT.md that is built. Capabilities not built yet are absent, never dead links.
NAVIGATION = [
    ("Dashboard", "web:dashboard"),
    ("Sites", "web:site_list"),
    ("People", "web:person_list"),
    ("CSMS roles", "web:csmsrole_list"),
    ("Activities", "web:csmsactivity_list"),
    ("Zones & conduits", "web:zone_list"),
    ("Assets", "web:asset_list"),
    ("Assessments", "web:assessment_list"),
    ("Frameworks", "web:framework_list"),
    ("Audit trail", "web:audit"),
    ("Jobs", "web:jobs"),  # every member reads schedules and runs; organisation admins change them
]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": NAVIGATION,
        "switch_sites": switchable_sites(user),
        "current_site_id": current_site_id(request),
    }
