"""The reports' API paths at a site, for the access test (declared in reports/registry.py)."""

from __future__ import annotations

from otcsms.tenancy.models import Site


def access_objects(site: Site) -> dict[str, int]:
    # /reports and /reports/{kind}?site= read the site itself: its id is the object refused to others.
    return {"reports": site.pk}
