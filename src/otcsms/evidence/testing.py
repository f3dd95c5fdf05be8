"""One object of each evidence path at a site, for the access test (declared in evidence/registry.py)."""

from __future__ import annotations

from otcsms.core.models import User
from otcsms.evidence import services
from otcsms.evidence.models import DocumentKind
from otcsms.plant.models import Zone
from otcsms.tenancy.models import Site, SiteMembership

SIGNING_PASSWORD = "evidence-access-test-signing"


def access_objects(site: Site) -> dict[str, int]:
    zone = Zone.objects.create(site=site, name=f"Evidence zone {site.code}")
    document = services.create_document(site_id=site.pk, kind=DocumentKind.POLICY, title="Access policy A")
    version = services.upload_version(
        document, [b"policy text for the access test\n"], file_name="policy.txt"
    )
    services.submit_version(version, by=None)
    approver = User(username=f"evidence-approver-{site.code}")
    approver.set_password(SIGNING_PASSWORD)
    approver.save()
    SiteMembership.objects.create(user=approver, site=site, role="approver")
    approved = services.approve_version(version, by=approver, password=SIGNING_PASSWORD)
    review = services.record_review(document, outcome="no-change", by=None)
    link = services.link_evidence(document, target_type="plant.zone", target_id=zone.pk)
    signature = approved.signatures.get()
    return {
        "documents": document.pk,
        "document-versions": approved.pk,
        "document-reviews": review.pk,
        "document-signatures": signature.pk,
        "evidence-links": link.pk,
        "evidence-completeness": site.pk,
        "document-search": document.pk,
    }
