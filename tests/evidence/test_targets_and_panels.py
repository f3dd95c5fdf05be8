"""What evidence may point at comes from the registry (any app declares its models), and an object's page lists
the evidence that covers it through the generic ``object_panels`` hook."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from otcsms.core import registry
from otcsms.evidence import services
from otcsms.installed_apps import OTCSMS_APPS
from otcsms.plant.models import Asset, Zone
from tests.conftest import audit_count
from tests.evidence.conftest import approved, set_next_review

pytestmark = pytest.mark.django_db


def _outside_target(site):
    """A record of a model that an app outside the product declared as an evidence target in its own registry
    (the test session's toy app; never named here): its label, and one record of ``site``."""
    from django.apps import apps

    for app_name, declared in registry.registered().items():
        if app_name not in OTCSMS_APPS and declared.evidence_targets and declared.access_objects:
            label = declared.evidence_targets[0]
            registry.resolve(declared.access_objects)(site)
            return label, apps.get_model(label)._default_manager.filter(site=site).first()
    raise AssertionError("the test session installs an app that declares an evidence target")


def test_targets_are_what_the_apps_declare():
    targets = registry.evidence_targets()
    assert {"assessments.response", "catalogs.requirement", "plant.zone", "plant.asset"} <= set(targets)
    assert services.evidence_targets() == targets


def test_a_record_of_an_app_that_declared_it_can_be_evidenced(
    api, a_contributor, a_approver, policy, site_a, site_b
):
    label, record = _outside_target(site_a)
    approved(policy, a_contributor, a_approver)
    client = api(a_contributor)
    r = client.post(
        "/evidence-links", {"document_id": policy.pk, "target_type": label, "target_id": record.pk}
    )
    assert r.status_code == 201, r.content
    assert r.json()["target_type"] == label and r.json()["current"] is True
    # a record of another site: refused, nothing written
    _, elsewhere = _outside_target(site_b)
    before = audit_count()
    r = client.post(
        "/evidence-links", {"document_id": policy.pk, "target_type": label, "target_id": elsewhere.pk}
    )
    assert r.status_code == 422 and audit_count() == before
    # a model nobody declared: refused by the schema (the OpenAPI document lists the declared ones)
    r = client.post(
        "/evidence-links", {"document_id": policy.pk, "target_type": "tenancy.site", "target_id": site_a.pk}
    )
    assert r.status_code == 422
    with pytest.raises(services.EvidenceInputError, match="target_type: one of"):
        services.link_evidence(policy, target_type="core.user", target_id=a_contributor.pk, by=a_contributor)
    schema = client.client.get("/api/v1/openapi.json").json()["components"]["schemas"]["LinkCreate"]
    assert label in str(schema["properties"]["target_type"])


def test_zone_and_asset_pages_list_the_evidence_that_covers_them(
    client, site_a, a_contributor, a_approver, b_viewer
):
    zone = Zone.objects.create(site=site_a, name="Filtration")
    asset = Asset.objects.create(site=site_a, zone=zone, name="PLC-7")
    diagram = services.create_document(site_id=site_a.pk, kind="network-diagram", title="Filtration diagram",
                                       zone_ids=[zone.pk], by=a_contributor)  # fmt: skip
    approved(diagram, a_contributor, a_approver)
    config = services.create_document(site_id=site_a.pk, kind="configuration", title="PLC-7 running config",
                                      by=a_contributor)  # fmt: skip
    approved(config, a_contributor, a_approver)
    services.link_evidence(config, target_type="plant.asset", target_id=asset.pk, by=a_contributor)
    set_next_review(config, timezone.localdate() - dt.timedelta(days=2))

    client.force_login(a_contributor)
    zone_page = client.get(f"/zones/{zone.pk}/").content.decode()
    assert 'data-panel="evidence"' in zone_page
    assert "Filtration diagram" in zone_page and "covers it (network diagram): current" in zone_page
    asset_page = client.get(f"/assets/{asset.pk}/").content.decode()
    assert "PLC-7 running config" in asset_page and "stale, the document was due for review" in asset_page

    other = Zone.objects.create(site=site_a, name="Intake")
    assert "No document evidences or covers this yet" in client.get(f"/zones/{other.pk}/").content.decode()


def test_a_generic_detail_page_shows_the_panel_for_a_declared_model(
    client, site_a, a_contributor, a_approver, policy
):
    from django.urls import reverse

    label, record = _outside_target(site_a)
    approved(policy, a_contributor, a_approver)
    services.link_evidence(policy, target_type=label, target_id=record.pk, by=a_contributor)
    client.force_login(a_contributor)
    page = client.get(reverse(f"web:{record._meta.model_name}_detail", args=[record.pk])).content.decode()
    assert (
        'data-panel="evidence"' in page and "Remote access policy" in page and "evidences it: current" in page
    )


def test_the_panel_shows_only_what_the_reader_may_see(
    client, site_a, site_b, a_contributor, a_approver, org_admin
):
    from otcsms.evidence.models import Document
    from otcsms.evidence.object_panels import evidence_panel
    from tests.conftest import make_user

    zone = Zone.objects.create(site=site_a, name="Filtration")
    services.create_document(site_id=site_a.pk, kind="network-diagram", title="Filtration diagram",
                             zone_ids=[zone.pk], by=a_contributor)  # fmt: skip
    assert Document.objects.count() == 1
    stranger = make_user("sid", roles={site_b: "viewer"})
    panel = evidence_panel(stranger, zone)
    assert panel is not None and panel.items == () and panel.count == 0
    assert evidence_panel(org_admin, zone).count == 1
    assert evidence_panel(org_admin, site_a) is None  # not an evidence target: no panel
