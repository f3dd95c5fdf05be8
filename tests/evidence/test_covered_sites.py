"""Documents covering several sites: a group policy owned by site A, covering site B. B's users read it and link it
as evidence of B's records; only A's contributors and approvers write it; a user of an uncovered site C sees
nothing of it anywhere (API, pages, search, downloads, links, completeness, the audit package)."""

from __future__ import annotations

import io
import zipfile

import pytest

from otcsms.assessments import services as assessments
from otcsms.assessments.models import Response
from otcsms.evidence import services
from otcsms.evidence.completeness import audit_site
from otcsms.evidence.models import CoveredSite, Document, EvidenceLink
from otcsms.plant.models import Zone
from otcsms.tenancy.models import Site
from tests.conftest import PASSWORD, audit_count, make_user
from tests.evidence.conftest import approved, upload

pytestmark = pytest.mark.django_db

POLICY = b"# Group remote access policy\nEvery remote session through the jump host, with MFA.\n"


@pytest.fixture
def site_c(org):
    return Site.objects.create(organisation=org, name="Works C", code="works-c", sector="water")


@pytest.fixture
def people(site_a, site_b, site_c, a_contributor):
    return {
        "a": a_contributor,
        "a_approver": make_user("anna", roles={site_a: "approver"}),
        "b": make_user("berta", roles={site_b: "contributor"}),
        "c": make_user("carl", roles={site_c: "contributor"}),
        "ab": make_user("abe", roles={site_a: "contributor", site_b: "contributor"}),
    }


@pytest.fixture
def group_policy(api, site_a, site_b, people):
    """Created through the API by someone who may add documents on both sites, then approved on A."""
    r = api(people["ab"]).post("/documents", {"site_id": site_a.pk, "kind": "policy", "title": "Group remote access",
                                              "tags": "remote access", "covered_site_ids": [site_b.pk]})  # fmt: skip
    assert r.status_code == 201, r.content
    assert r.json()["site_id"] == site_a.pk and r.json()["covered_site_ids"] == [site_b.pk]
    document = Document.objects.get(pk=r.json()["id"])
    approved(document, people["a"], people["a_approver"], POLICY)
    return Document.objects.get(pk=document.pk)


@pytest.fixture
def b_response(library, site_b, people):
    zone = Zone(site=site_b, name="B control", sl_t_reason="substation protection")
    zone.sl_t = (2, 1, 1, 1, 2, 1, 1)
    zone.save()
    assessment = assessments.create_assessment(site=site_b, framework=library["sr"], name="B baseline")
    slot = next(s for s in assessments.slots(assessment) if s.ref == "SR 1.3")
    assessments.set_responses(assessment, [assessments.Answer(slot.requirement_id, slot.zone_id, "met", None, "MFA")],
                              people["b"])  # fmt: skip
    return Response.objects.get(assessment=assessment, requirement_id=slot.requirement_id)


def test_covering_a_site_takes_the_right_to_add_documents_there(api, site_a, site_b, people, org_admin):
    a_only, both, admin = api(people["a"]), api(people["ab"]), api(org_admin)
    before = audit_count()
    body = {"site_id": site_a.pk, "kind": "policy", "title": "Pushed on B", "covered_site_ids": [site_b.pk]}
    r = a_only.post("/documents", body)  # a contributor of A only
    assert r.status_code == 403 and "covered_site_ids" in r.json()["detail"]
    assert audit_count() == before and not Document.objects.filter(title="Pushed on B").exists()
    r = both.post("/documents", dict(body, covered_site_ids=[999_999]))
    assert r.status_code == 403  # a site one may not write on and one that does not exist: the same answer
    r = admin.post("/documents", dict(body, covered_site_ids=[999_999]))
    assert r.status_code == 422 and "no site" in r.json()["detail"]
    assert audit_count() == before


def test_a_covered_sites_users_read_it_and_only_the_owning_site_writes(
    api, group_policy, site_b, people, client
):
    reader = api(people["b"])
    assert [d["id"] for d in reader.get("/documents").json()["items"]] == [group_policy.pk]
    assert [d["id"] for d in reader.get("/documents", site_id=site_b.pk).json()["items"]] == [group_policy.pk]
    assert reader.get(f"/documents/{group_policy.pk}").status_code == 200
    versions = reader.get("/document-versions", document_id=group_policy.pk).json()["items"]
    assert len(versions) == 1
    content = reader.get(f"/document-versions/{versions[0]['id']}/content")
    assert content.status_code == 200 and b"".join(content.streaming_content) == POLICY
    assert len(reader.get("/document-signatures").json()["items"]) == 1
    hits = reader.get("/document-search", q="jump host").json()
    assert [h["id"] for h in hits] == [group_policy.pk]

    before = audit_count()
    assert reader.patch(f"/documents/{group_policy.pk}", {"title": "Mine now"}).status_code == 403
    assert upload(reader, group_policy.pk, b"a B edit\n").status_code == 403
    assert reader.post(f"/document-versions/{versions[0]['id']}/submit").status_code in (403, 409)
    assert reader.post(f"/documents/{group_policy.pk}/retire", {"reason": "not ours"}).status_code == 403
    r = reader.patch(f"/documents/{group_policy.pk}", {"covered_site_ids": []})
    assert r.status_code == 403
    assert audit_count() == before and CoveredSite.objects.filter(document=group_policy).count() == 1

    client.force_login(people["b"])
    page = client.get("/documents/").content.decode()
    assert "Group remote access" in page
    detail = client.get(f"/documents/{group_policy.pk}/")
    assert detail.status_code == 200 and "Substation B" in detail.content.decode()
    assert f'href="/documents/{group_policy.pk}/edit/"' not in detail.content.decode()
    assert client.get(f"/document-versions/{versions[0]['id']}/download/").status_code == 200


def test_a_covered_site_links_it_as_its_own_evidence(
    api, group_policy, b_response, site_a, site_b, people, client
):
    r = api(people["b"]).post("/evidence-links", {"document_id": group_policy.pk,
                                                  "target_type": "assessments.response", "target_id": b_response.pk})  # fmt: skip
    assert r.status_code == 201, r.content
    assert r.json()["site_id"] == site_b.pk and r.json()["current"] is True
    link = EvidenceLink.objects.get(pk=r.json()["id"])
    assert link.audit_site_id() == site_b.pk
    result = audit_site(site_b)
    assert result.in_order["requirements"] == 1  # SR 1.3 in the B control zone

    # the owning site's users see the document, not site B's record it evidences
    owner = api(people["a"])
    assert owner.get("/evidence-links").json()["items"] == []
    client.force_login(people["a"])
    page = client.get(f"/documents/{group_policy.pk}/").content.decode()
    assert link.target_repr not in page

    # the answer page's picker on B offers the covering document
    client.force_login(people["b"])
    picker = client.get("/evidence/attach/", {"response": b_response.pk}).content.decode()
    assert "Group remote access" in picker


def test_a_requirement_is_evidenced_for_a_covered_site_only_when_asked_and_allowed(
    api, group_policy, b_response, site_a, site_b, site_c, people
):
    requirement_id = b_response.requirement_id
    body = {
        "document_id": group_policy.pk,
        "target_type": "catalogs.requirement",
        "target_id": requirement_id,
    }
    b, ab = api(people["b"]), api(people["ab"])
    before = audit_count()
    assert b.post("/evidence-links", dict(body, site_id=site_c.pk)).status_code == 403
    r = ab.post("/evidence-links", dict(body, site_id=site_c.pk))
    assert r.status_code == 403  # no role on C
    assert audit_count() == before
    r = b.post("/evidence-links", dict(body, site_id=site_b.pk))
    assert r.status_code == 201 and r.json()["site_id"] == site_b.pk
    assert audit_site(site_b).in_order["requirements"] == 1
    assert audit_site(site_a).in_order.get("requirements", 0) == 0


def test_an_uncovered_sites_user_sees_nothing_of_it_anywhere(
    api, group_policy, b_response, site_c, people, client
):
    services.link_evidence(
        group_policy, target_type="assessments.response", target_id=b_response.pk, by=people["b"]
    )
    version = group_policy.current_version
    outsider = api(people["c"])
    assert outsider.get("/documents").json()["items"] == []
    assert outsider.get("/documents", q="remote").json()["items"] == []
    assert outsider.get(f"/documents/{group_policy.pk}").status_code == 404
    assert outsider.get(f"/documents/{group_policy.pk}/history").status_code == 404
    assert outsider.get("/document-versions").json()["items"] == []
    assert outsider.get(f"/document-versions/{version.pk}").status_code == 404
    assert outsider.get(f"/document-versions/{version.pk}/content").status_code == 404
    assert outsider.get(f"/document-versions/{version.pk}/diff").status_code == 404
    assert outsider.get("/document-signatures").json()["items"] == []
    assert outsider.get("/document-reviews").json()["items"] == []
    assert outsider.get("/evidence-links").json()["items"] == []
    assert outsider.get("/document-search", q="jump host").json() == []
    completeness = outsider.get("/evidence-completeness").content.decode()
    assert "Group remote access" not in completeness and "B control" not in completeness
    before = audit_count()
    r = outsider.post("/evidence-links", {"document_id": group_policy.pk, "target_type": "assessments.response",
                                          "target_id": b_response.pk})  # fmt: skip
    assert r.status_code == 422
    r = outsider.post(f"/document-versions/{version.pk}/approve", {"password": PASSWORD})
    assert r.status_code == 404
    assert audit_count() == before

    client.force_login(people["c"])
    for url in ("/documents/", "/documents/?q=remote", "/evidence/completeness/", "/evidence/reviews/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Group remote access" not in page.content.decode(), url
    assert client.get(f"/documents/{group_policy.pk}/").status_code == 404
    assert client.get(f"/document-versions/{version.pk}/download/").status_code == 404
    assert client.get(f"/document-versions/{version.pk}/diff/").status_code == 404
    assert client.get("/evidence/attach/", {"response": b_response.pk}).status_code == 404


def test_the_audit_package_of_a_covered_site_carries_it_and_an_uncovered_ones_does_not(
    api, group_policy, site_b, site_c, people
):
    def evidence_files(user, site):
        r = api(user).get("/reports/audit-package", site=site.code)
        assert r.status_code == 200, r.content[:300]
        with zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content))) as zf:
            return {n: zf.read(n) for n in zf.namelist() if n.startswith("evidence/")}

    assert list(evidence_files(people["b"], site_b).values()) == [POLICY]
    assert evidence_files(people["c"], site_c) == {}


def test_coverage_changes_are_audited_on_the_covered_site(api, group_policy, site_b, people):
    from otcsms.core.models import AuditEvent

    r = api(people["ab"]).patch(f"/documents/{group_policy.pk}", {"covered_site_ids": []})
    assert r.status_code == 200 and r.json()["covered_site_ids"] == []
    event = AuditEvent.objects.filter(object_type="evidence.coveredsite").order_by("-seq").first()
    assert event is not None and event.action == "delete" and event.site_id == site_b.pk
    assert event.actor_user_id == people["ab"].pk
    assert api(people["b"]).get(f"/documents/{group_policy.pk}").status_code == 404
