"""One object of each roadmap path at a site, for the access test (declared in roadmap/registry.py)."""

from __future__ import annotations

from otcsms.catalogs.models import Framework, Requirement
from otcsms.roadmap.models import Action, ActionDependency, ActionRequirement
from otcsms.tenancy.models import Site


def access_objects(site: Site) -> dict[str, int]:
    framework = Framework.objects.create(key="roadmap-t", version="1", name="R", edition="1", publisher="t",
                                         licence="t", origin="shipped", content_hash="r")  # fmt: skip
    requirement = Requirement.objects.create(
        framework=framework, ref="R-1", title="r", assessable=True, kind="x"
    )
    first = Action.objects.create(
        site=site, title=f"Segment {site.code}", effort_days=5, cost=1000, risk_reduction=3
    )
    second = Action.objects.create(site=site, title=f"Monitor {site.code}", effort_days=8, risk_reduction=4)
    dependency = ActionDependency.objects.create(site=site, action=second, depends_on=first)
    row = ActionRequirement.objects.create(site=site, action=first, requirement=requirement)
    return {"roadmap-actions": first.pk, "action-dependencies": dependency.pk, "action-requirements": row.pk}
