"""One object of each access path at a site, for the access test (declared in access/registry.py)."""

from __future__ import annotations

from django.utils import timezone

from otcsms.access.models import (
    AccessGrant,
    AccessPolicy,
    AccessSystem,
    Account,
    AccountImport,
    EvidenceExport,
    ReviewReminder,
)
from otcsms.access.services import start_review
from otcsms.core.models import User
from otcsms.evidence import services as evidence
from otcsms.org.models import Person
from otcsms.tenancy.models import Site


def access_objects(site: Site) -> dict[str, int]:
    org = site.organisation
    holder = Person.objects.create(organisation=org, site=site, name=f"Operator of {site.code}")
    lead = Person.objects.create(organisation=org, site=site, name=f"Lead of {site.code}")
    manager = Person.objects.create(organisation=org, site=site, name=f"Manager of {site.code}")
    system = AccessSystem.objects.create(site=site, name=f"HMI of {site.code}", kind="hmi-scada")
    grant = AccessGrant.objects.create(
        site=site, person=holder, system=system, privilege="operate", justification="shift operator",
        requested_by=lead, approved_by=manager,
    )  # fmt: skip
    account = Account.objects.create(
        site=site, system=system, username="op1", person=holder, privilege="operate"
    )
    creator = User.objects.create(username=f"reviewer-of-{site.code}")
    campaign = start_review(creator, site, title="Q1 review", period_start=grant.starts_on,
                            period_end=grant.starts_on)  # fmt: skip
    imported = AccountImport.objects.create(
        site=site, system=system, filename="hmi.csv", format="csv", sha256="0" * 64
    )
    reminder = ReviewReminder.objects.create(
        site=site, campaign=campaign, reviewer=creator, day=timezone.localdate(), pending=1
    )
    document = evidence.create_document(site_id=site.pk, kind="record", title=f"Access review of {site.code}")
    version = evidence.upload_version(document, [b"review,decision\nQ1,confirmed\n"], file_name="review.csv")
    exported = EvidenceExport.objects.create(
        site=site, campaign=campaign, part="review", document=document, version=version
    )
    return {
        "access-review-reminders": reminder.pk,
        "access-evidence-exports": exported.pk,
        "access-policies": AccessPolicy.objects.create(site=site).pk,
        "access-systems": system.pk,
        "accounts": account.pk,
        "access-grants": grant.pk,
        "access-terminations": holder.pk,
        "access-changes": grant.pk,
        "access-reviews": campaign.pk,
        "review-items": campaign.items.get().pk,
        "account-imports": imported.pk,
    }
