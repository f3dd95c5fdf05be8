"""One object of each assessment path at a site, for the access test (declared in assessments/registry.py)."""

from __future__ import annotations

from otcsms.assessments.models import Assessment, Response
from otcsms.catalogs.models import Framework, Requirement
from otcsms.tenancy.models import Site


def access_objects(site: Site) -> dict[str, int]:
    framework = Framework.objects.create(key="t", version="1", name="T", edition="1", publisher="t", licence="t",
                                         origin="shipped", content_hash="t")  # fmt: skip
    requirement = Requirement.objects.create(
        framework=framework, ref="T-1", title="t", assessable=True, kind="x"
    )
    assessment = Assessment.objects.create(site=site, framework=framework, name="Assessment A")
    response = Response.objects.create(
        site=site, assessment=assessment, requirement=requirement, status="met"
    )
    return {"assessments": assessment.pk, "responses": response.pk}
