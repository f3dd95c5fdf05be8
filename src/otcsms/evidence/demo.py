"""Demo documents at the water plant: an approved remote-access policy evidencing SR 1.3 in two zones, a
network diagram, a procedure with a revision in review (a diff to look at), and a configuration record past
its review date (stale evidence, a finding and a lower completeness score to look at); a group policy the water
plant keeps for every other site of the operator (a document covering several sites)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from otcsms.assessments.models import Response
from otcsms.core.models import User
from otcsms.evidence import services
from otcsms.evidence.completeness import audit_site
from otcsms.evidence.models import CompletenessSnapshot, Document, DocumentVersion
from otcsms.plant.models import Asset, Zone
from otcsms.tenancy.models import Site

if TYPE_CHECKING:
    from otcsms.core.registry import DemoSummary

POLICY = b"""# OT remote access policy

1. Remote access to the control network goes through the DMZ jump host only.
2. Every remote session uses multi-factor authentication (SR 1.3 account management, SR 1.13).
3. Vendor sessions are enabled per job by the shift supervisor and end with the job.
"""
PROCEDURE_V1 = b"Backup procedure\n\n1. Export PLC programs weekly.\n2. Copy to the offline backup disk.\n"
PROCEDURE_V2 = (
    b"Backup procedure\n\n1. Export PLC programs weekly.\n2. Copy to the offline backup disk.\n"
    b"3. Test a restore every quarter.\n"
)
DIAGRAM = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="200" height="80"><rect width="200" height="80" fill="#eef"/><text x="10" y="45">Treatment zone</text></svg>'
GROUP_POLICY = b"""# Group OT security policy

Applies to every site of the operator.
1. Each site keeps an inventory of its control system assets and reviews it yearly.
2. Each site's control network is segmented into zones with defined conduits.
3. Security patches are assessed within 30 days of release and applied or mitigated.
"""
CONFIG = b"hostname fw-treatment\n!\naccess-list 101 permit tcp host 10.1.1.5 host 10.2.1.10 eq 502\n"


def load_demo_evidence(summary: DemoSummary) -> None:
    water = Site.objects.filter(code="riverside-wtp").first()
    if water is None or Document.objects.filter(site=water).exists():
        return
    author = User.objects.filter(username="tom.baker").first()
    approver = User.objects.filter(username="maria.lopez").first()
    if author is None or approver is None:
        return
    zones = list(Zone.objects.filter(site=water).order_by("name")[:2])
    asset = Asset.objects.filter(site=water).order_by("name").first()

    policy = services.create_document(site_id=water.pk, kind="policy", title="OT remote access policy",
                                      tags="remote access, mfa, sr 1.3", owner_id=author.pk, by=author)  # fmt: skip
    _approve(policy, POLICY, "remote-access-policy.md", author, approver, summary.password)
    for response in Response.objects.filter(site=water, requirement__ref="SR 1.3", zone__in=zones):
        services.link_evidence(policy, target_type="assessments.response", target_id=response.pk, by=author)

    if zones:
        diagram = services.create_document(site_id=water.pk, kind="network-diagram", title=f"{zones[0].name} network diagram",
                                           owner_id=author.pk, zone_ids=[zones[0].pk], by=author)  # fmt: skip
        _approve(diagram, DIAGRAM, "treatment-zone.svg", author, approver, summary.password)
        services.link_evidence(diagram, target_type="plant.zone", target_id=zones[0].pk, by=author)

    procedure = services.create_document(site_id=water.pk, kind="procedure", title="Control system backup procedure",
                                         owner_id=author.pk, tags="backup, sr 7.3", by=author)  # fmt: skip
    _approve(procedure, PROCEDURE_V1, "backup-procedure.txt", author, approver, summary.password)
    revision = services.upload_version(procedure, [PROCEDURE_V2], file_name="backup-procedure.txt",
                                       change_summary="quarterly restore test", by=author)  # fmt: skip
    services.submit_version(revision, by=author)

    # A group policy kept by the water plant and covering every other site of the operator: their users read it
    # and count it among their own policies (docs/evidence.md, "Documents covering several sites").
    others = list(
        Site.objects.filter(organisation_id=water.organisation_id)
        .exclude(pk=water.pk)
        .values_list("pk", flat=True)
    )
    group = services.create_document(site_id=water.pk, kind="policy", title="Group OT security policy",
                                     tags="group, segmentation, patching", owner_id=author.pk,
                                     covered_site_ids=others, by=None)  # fmt: skip
    _approve(group, GROUP_POLICY, "group-ot-security-policy.md", author, approver, summary.password)

    if asset is not None:
        config = services.create_document(site_id=water.pk, kind="configuration", title=f"{asset.name} configuration",
                                          owner_id=author.pk, asset_ids=[asset.pk], by=author)  # fmt: skip
        _approve(config, CONFIG, "running-config.txt", author, approver, summary.password)
        services.link_evidence(config, target_type="plant.asset", target_id=asset.pk, by=author)
        stale = Document.objects.get(pk=config.pk)
        stale.next_review = dt.date.today() - dt.timedelta(days=30)  # as if approved seven months ago
        stale.save()
    _trend(water)


def _trend(site: Site) -> None:
    """Today's completeness as the daily job records it, and the weeks before it (the program catching up), so
    the completeness page has a trend to draw."""
    today = dt.date.today()
    now = audit_site(site, today)
    for weeks in range(6, 0, -1):
        earlier = max(0, now.score - 4 * weeks)
        CompletenessSnapshot.objects.get_or_create(
            site=site, taken_on=today - dt.timedelta(weeks=weeks), defaults={"score": earlier, "counts": {}}
        )
    CompletenessSnapshot.objects.get_or_create(
        site=site, taken_on=today, defaults={"score": now.score, "counts": now.as_counts()}
    )


def _approve(
    document: Document, content: bytes, name: str, author: User, approver: User, password: str
) -> DocumentVersion:
    """Upload, submit and approve (signed with the approver's demo password; an existing account with a password
    of its own leaves the version in review)."""
    version = services.upload_version(document, [content], file_name=name, by=author)
    services.submit_version(version, by=author)
    if not approver.check_password(password):
        return version
    return services.approve_version(version, by=approver, password=password)
