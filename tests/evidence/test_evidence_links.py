"""Evidence links, their staleness, the answer page's evidence cell, the completeness audit, its checks, search
and the review reminders: the issue's "done when" walked through the API and the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from otcsms.assessments import services as assessments
from otcsms.assessments.models import Response
from otcsms.catalogs.models import Requirement
from otcsms.checks.engine import run_checks
from otcsms.checks.models import Finding
from otcsms.evidence import services
from otcsms.evidence.completeness import audit_site
from otcsms.evidence.models import CompletenessSnapshot, ReviewReminder
from otcsms.evidence.tasks import remind_due_reviews, snapshot_completeness
from otcsms.plant.models import Asset, Zone
from tests.conftest import audit_count, make_user
from tests.evidence.conftest import approved, set_next_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def zones(site_a):
    made = []
    for name in ("Control", "Safety"):
        zone = Zone(site=site_a, name=name, sl_t_reason="dosing and safety functions")
        zone.sl_t = (2, 1, 1, 1, 2, 1, 1)
        zone.save()
        made.append(zone)
    return made


@pytest.fixture
def sr13_responses(library, site_a, zones, a_contributor):
    """An assessment of the small 62443-3-3 library with SR 1.3 answered 'met' in both zones."""
    from otcsms.catalogs.models import Framework

    framework = Framework.objects.get(key="iec62443-3-3", is_current=True)
    assessment = assessments.create_assessment(
        site=site_a, framework=framework, name="Baseline", zone_ids=[z.pk for z in zones]
    )
    requirement = Requirement.objects.get(framework=framework, ref="SR 1.3")
    answers = [
        assessments.Answer(requirement.pk, z.pk, "met", None, "MFA on every remote path") for z in zones
    ]
    assessments.set_responses(assessment, answers, a_contributor)
    return list(
        Response.objects.filter(assessment=assessment, requirement=requirement).order_by("zone__name")
    )


def test_done_when_a_policy_goes_stale_and_the_score_drops(
    api, client, site_a, a_contributor, a_approver, policy, sr13_responses
):
    approved(policy, a_contributor, a_approver, b"# Remote access\nMFA on every session.\n")
    contributor = api(a_contributor)
    for response in sr13_responses:
        r = contributor.post("/evidence-links", {"document_id": policy.pk, "target_type": "assessments.response",
                                                 "target_id": response.pk})  # fmt: skip
        assert r.status_code == 201, r.content
        assert r.json()["current"] is True and r.json()["site_id"] == site_a.pk
    fresh = audit_site(site_a)
    client.force_login(a_contributor)
    page = client.get(f"/assessments/{sr13_responses[0].assessment_id}/answer/").content.decode()
    assert page.count('class="evidence-cell"') == 2 and "&lt;div" not in page  # HTML, not escaped text
    assert page.count("Remote access policy</a>") == 2 and "(stale)" not in page

    set_next_review(policy, timezone.localdate() - dt.timedelta(days=1))  # the review date passes
    links = contributor.get(
        "/evidence-links", target_type="assessments.response", target_id=sr13_responses[0].pk
    ).json()["items"]
    assert links[0]["current"] is False and "due for review" in links[0]["stale_because"]
    page = client.get(f"/assessments/{sr13_responses[0].assessment_id}/answer/").content.decode()
    assert page.count("(stale)") == 2
    stale = audit_site(site_a)
    assert stale.score < fresh.score
    assert stale.in_order["requirements"] == fresh.in_order["requirements"] - 2
    api_view = contributor.get("/evidence-completeness", site_id=site_a.pk).json()
    assert api_view[0]["score"] == stale.score


def test_a_superseded_pinned_version_is_stale_and_a_document_link_follows_the_new_one(
    site_a, a_contributor, a_approver, policy, zones
):
    first = approved(policy, a_contributor, a_approver, b"v1\n")
    pinned = services.link_evidence(
        policy, target_type="plant.zone", target_id=zones[0].pk, version_id=first.pk, by=a_contributor
    )
    following = services.link_evidence(
        policy, target_type="plant.zone", target_id=zones[1].pk, by=a_contributor
    )
    approved(policy, a_contributor, a_approver, b"v2\n")
    from otcsms.evidence.freshness import state_of
    from otcsms.evidence.models import EvidenceLink

    pinned, following = EvidenceLink.objects.get(pk=pinned.pk), EvidenceLink.objects.get(pk=following.pk)
    assert state_of(pinned).why == "version 1 is superseded" and state_of(following).current


def test_validity_date_expires_evidence(site_a, a_contributor, a_approver, policy, zones):
    approved(policy, a_contributor, a_approver)
    from otcsms.evidence.freshness import state_of

    link = services.link_evidence(policy, target_type="plant.zone", target_id=zones[0].pk,
                                  valid_until=timezone.localdate() - dt.timedelta(days=1), by=a_contributor)  # fmt: skip
    assert not state_of(link).current and "valid until" in state_of(link).why


def test_links_never_join_two_sites_and_refusals_change_nothing(
    api, a_contributor, policy, site_b, org_admin
):
    foreign = Zone.objects.create(site=site_b, name="B zone")
    client, contributor = api(org_admin), api(a_contributor)
    before = audit_count()
    r = client.post(
        "/evidence-links", {"document_id": policy.pk, "target_type": "plant.zone", "target_id": foreign.pk}
    )
    assert r.status_code == 422 and "another site" in r.json()["detail"]
    r = contributor.post(
        "/evidence-links", {"document_id": policy.pk, "target_type": "plant.zone", "target_id": foreign.pk}
    )
    assert r.status_code == 422  # cannot see it: the same answer as "does not exist"
    r = client.post("/evidence-links", {"document_id": policy.pk, "target_type": "core.user", "target_id": 1})
    assert r.status_code == 422
    assert audit_count() == before


def test_a_requirement_link_evidences_every_response_of_it_on_the_site(
    site_a, a_contributor, a_approver, policy, sr13_responses
):
    approved(policy, a_contributor, a_approver)
    services.link_evidence(
        policy,
        target_type="catalogs.requirement",
        target_id=sr13_responses[0].requirement_id,
        by=a_contributor,
    )
    from otcsms.evidence.cells import evidence_states

    states = evidence_states(a_contributor, [r.pk for r in sr13_responses])
    assert all(len(found) == 1 and found[0].current for found in states.values())


def test_the_answer_cell_attaches_a_document_without_leaving_the_page(
    client, a_contributor, a_approver, policy, sr13_responses
):
    approved(policy, a_contributor, a_approver)
    client.force_login(a_contributor)
    response = sr13_responses[0]
    form = client.get(f"/evidence/attach/?response={response.pk}", headers={"HX-Request": "true"})
    assert form.status_code == 200 and "Remote access policy" in form.content.decode()
    r = client.post("/evidence/links/add/", {"document": policy.pk, "target_type": "assessments.response",
                                             "target_id": response.pk}, headers={"HX-Request": "true"})  # fmt: skip
    assert r.status_code == 200 and f'id="evidence-{response.pk}"' in r.content.decode()
    assert "Remote access policy" in r.content.decode()


def test_other_sites_see_no_evidence_cell_no_attach_form_and_no_search_hit(
    client, b_viewer, a_contributor, policy, sr13_responses, api
):
    services.upload_version(policy, [b"the secret word is halibut\n"], file_name="p.txt", by=a_contributor)
    client.force_login(b_viewer)
    assert client.get(f"/evidence/attach/?response={sr13_responses[0].pk}").status_code == 404
    assert client.get(f"/documents/{policy.pk}/").status_code == 404
    assert "Remote access policy" not in client.get("/documents/?q=halibut").content.decode()
    assert api(b_viewer).get("/document-search", q="halibut").json() == []
    hits = api(a_contributor).get("/document-search", q="halibut").json()
    assert [h["id"] for h in hits] == [policy.pk] and "halibut" in hits[0]["snippet"]
    assert [h["id"] for h in api(a_contributor).get("/document-search", q="sr-1.3").json()] == [
        policy.pk
    ]  # a tag


def test_completeness_counts_diagrams_configurations_and_policy_owners(
    site_a, a_contributor, a_approver, zones
):
    asset = Asset.objects.create(site=site_a, name="PLC-1", zone=zones[0])
    orphan = services.create_document(
        site_id=site_a.pk, kind="policy", title="Orphan policy", by=a_contributor
    )
    before = audit_site(site_a)
    assert before.counted["zones"] == 2 and before.in_order["zones"] == 0
    assert (before.in_order["policies"], before.counted["policies"]) == (0, 1)
    diagram = services.create_document(site_id=site_a.pk, kind="network-diagram", title="Control diagram",
                                       zone_ids=[zones[0].pk], by=a_contributor)  # fmt: skip
    config = services.create_document(site_id=site_a.pk, kind="configuration", title="PLC-1 config",
                                      asset_ids=[asset.pk], by=a_contributor)  # fmt: skip
    assert audit_site(site_a).in_order["zones"] == 0  # not approved yet: no credit
    approved(diagram, a_contributor, a_approver, b"<svg></svg>")
    approved(config, a_contributor, a_approver, b"hostname plc-1\n")
    services.update_document(orphan, owner_id=a_contributor.pk, by=a_contributor)
    after = audit_site(site_a)
    assert after.in_order["zones"] == 1 and after.in_order["assets"] == 1 and after.in_order["policies"] == 1
    assert after.score > before.score


def test_the_checks_open_findings_and_close_them_when_fixed(site_a, a_contributor, a_approver, zones):
    orphan = services.create_document(
        site_id=site_a.pk, kind="policy", title="Orphan policy", by=a_contributor
    )
    run_checks(site_a)
    open_checks = set(Finding.objects.filter(site=site_a, status="open").values_list("check_id", flat=True))
    assert {"evidence.policy-without-owner", "evidence.zone-without-diagram"} <= open_checks
    services.update_document(orphan, owner_id=a_contributor.pk, by=a_contributor)
    run_checks(site_a)
    assert not Finding.objects.filter(
        site=site_a, status="open", check_id="evidence.policy-without-owner"
    ).exists()


def test_the_job_reminds_owners_once_and_records_the_trend(site_a, a_contributor, a_approver, policy):
    approved(policy, a_contributor, a_approver)
    set_next_review(policy, timezone.localdate() - dt.timedelta(days=3))
    today = timezone.localdate()
    assert remind_due_reviews(today) == 1 and remind_due_reviews(today) == 0
    reminder = ReviewReminder.objects.get()
    assert reminder.recipient_id == a_contributor.pk and reminder.site_id == site_a.pk
    snapshot_completeness(today)
    snapshot_completeness(today)
    assert CompletenessSnapshot.objects.filter(site=site_a, taken_on=today).count() == 1


def test_pages_render_for_a_member_and_refuse_others(
    client, site_a, a_contributor, a_approver, policy, b_viewer
):
    first = approved(policy, a_contributor, a_approver, b"one\ntwo\n")
    second = services.upload_version(policy, [b"one\nthree\n"], file_name="p.txt", by=a_contributor)
    set_next_review(policy, timezone.localdate() - dt.timedelta(days=1))
    client.force_login(a_contributor)
    detail = client.get(f"/documents/{policy.pk}/").content.decode()
    assert "v1" in detail and "v2" in detail and "Submit for review" in detail and first.sha256[:12] in detail
    diff = client.get(f"/document-versions/{second.pk}/diff/").content.decode()
    assert "<del>-two</del>" in diff and "<ins>+three</ins>" in diff
    assert "Remote access policy" in client.get("/documents/?state=overdue").content.decode()
    assert "Remote access policy" not in client.get("/documents/?state=retired").content.decode()
    assert "Remote access policy" in client.get("/evidence/reviews/").content.decode()
    assert client.get("/evidence/completeness/").status_code == 200
    client.force_login(b_viewer)
    assert "Remote access policy" not in client.get("/evidence/reviews/").content.decode()
    assert client.get(f"/document-versions/{second.pk}/download/").status_code == 404


def test_page_upload_refuses_an_oversized_file_and_a_viewer(client, site_a, a_contributor, policy, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.EVIDENCE_MAX_UPLOAD_BYTES = 2048
    client.force_login(a_contributor)
    r = client.post(f"/documents/{policy.pk}/upload/", {"file": SimpleUploadedFile("big.bin", b"z" * 4096)})
    assert r.status_code == 302 and not policy.versions.exists()
    r = client.post(
        f"/documents/{policy.pk}/upload/",
        {"file": SimpleUploadedFile("ok.txt", b"fits\n"), "change_summary": "first"},
    )
    assert r.status_code == 302 and policy.versions.count() == 1
    viewer = make_user("vic", roles={site_a: "viewer"})
    client.force_login(viewer)
    assert (
        client.post(
            f"/documents/{policy.pk}/upload/", {"file": SimpleUploadedFile("v.txt", b"no\n")}
        ).status_code
        == 403
    )


def test_the_sites_page_lists_its_documents_to_its_members_only(
    client, site_a, a_contributor, b_viewer, policy
):
    client.force_login(a_contributor)
    page = client.get(f"/sites/{site_a.pk}/").content.decode()
    assert "Remote access policy" in page and f"/documents/{policy.pk}/" in page
    client.force_login(b_viewer)
    assert client.get(f"/sites/{site_a.pk}/").status_code == 404


def test_the_document_page_links_a_requirement_or_zone_by_name(
    client, a_contributor, policy, zones, library, site_b
):
    client.force_login(a_contributor)
    r = client.post("/evidence/links/add/", {"document": policy.pk, "target_type": "catalogs.requirement",
                                             "target_name": "SR 1.3"})  # fmt: skip
    assert r.status_code == 302
    r = client.post(
        "/evidence/links/add/", {"document": policy.pk, "target_type": "plant.zone", "target_name": "safety"}
    )
    from otcsms.evidence.models import EvidenceLink

    assert sorted(EvidenceLink.objects.filter(document=policy).values_list("target_repr", flat=True))[
        0
    ].startswith("SR 1.3")
    assert EvidenceLink.objects.filter(document=policy).count() == 2
    Zone.objects.create(site=site_b, name="Other plant zone")
    before = audit_count()
    client.post(
        "/evidence/links/add/",
        {"document": policy.pk, "target_type": "plant.zone", "target_name": "Other plant zone"},
    )
    client.post(
        "/evidence/links/add/", {"document": policy.pk, "target_type": "core.user", "target_name": "alice"}
    )
    assert audit_count() == before
