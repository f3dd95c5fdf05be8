"""Issue 12's 'Done when', end to end through the REST API as the people involved use it: a site security lead
(site admin) imports the HMI server's account export, sees two unknown accounts and a shared account with no
owner, runs a quarterly review in which the system owner revokes one grant, terminates a person and sees every
grant revoked with its time, and exports the whole record as evidence linked to CIP-004 and SR 1.3."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from otcsms.access.models import AccessGrant, AccessSystem
from otcsms.checks.engine import run_checks
from otcsms.checks.models import Finding
from otcsms.evidence.blobstore import open_blob
from otcsms.evidence.models import DocumentVersion, EvidenceLink
from otcsms.org.models import Person
from otcsms.people.models import Completion, Course, Screening
from tests.conftest import make_user

EXPORT = (
    "username,person,kind,privilege,last_logon\n"
    "ann,Ann,human,operate,2026-11-30T07:00:00Z\n"
    "eve,Eve,human,engineer,2026-11-29T15:00:00Z\n"
    "dan,Dan,human,view,2026-11-20T10:00:00Z\n"
    "svc_backup,,human,administer,2026-11-30T01:00:00Z\n"
    "temp01,,human,view,2026-10-02T09:00:00Z\n"
    "operator,,shared,operate,2026-12-01T06:00:00Z\n"
)


def test_the_issue_scenario(shipped_library, api, hmi, site_a, a_admin):
    lead = api(a_admin)
    owner = make_user("cat", roles={site_a: "viewer"})  # Cat owns the HMI: she reviews its grants
    hmi.cat.user = owner
    hmi.cat.save()
    eve = Person.objects.create(
        organisation=site_a.organisation, site=site_a, name="Eve", email="eve@plant-a.test"
    )
    # Eve's engineering access needs role-based training and a current screening (issue 15's readiness)
    course = Course.objects.create(code="OT-ENG-201", title="Secure engineering", kind="role-based")
    Completion.objects.create(site=site_a, person=eve, course=course, completed_on=date(2026, 3, 2))
    Screening.objects.create(site=site_a, person=eve, completed_on=date(2024, 5, 6))
    door = AccessSystem.objects.create(site=site_a, name="Control room door", kind="physical")
    for person, system, privilege, kind in ((hmi.ann, hmi.system, "operate", "electronic"),
                                            (hmi.dan, hmi.system, "view", "electronic"),
                                            (eve, hmi.system, "engineer", "electronic"),
                                            (eve, door, "operate", "physical")):  # fmt: skip
        r = lead.post("/access-grants", {"person_id": person.pk, "system_id": system.pk, "privilege": privilege,
                                         "access_type": kind, "justification": "shift work",
                                         "requested_by_id": hmi.ben.pk, "approved_by_id": hmi.cat.pk})  # fmt: skip
        assert r.status_code == 201, r.json()

    # 1. The HMI server's account export, and what the reconciliation finds in it.
    upload = SimpleUploadedFile("hmi-accounts.csv", EXPORT.encode(), content_type="text/csv")
    r = lead.client.post(f"/api/v1/access-systems/{hmi.system.pk}/account-imports", {"file": upload},
                         headers=lead.headers)  # fmt: skip
    assert r.status_code == 201 and r.json()["created"] == 6
    report = lead.get(f"/access-systems/{hmi.system.pk}/reconciliation").json()
    assert report["counts"]["unknown"] == 2 and report["counts"]["shared-without-owner"] == 1
    unknown = {d["message"].split()[1] for d in report["discrepancies"] if d["category"] == "unknown"}
    assert unknown == {"svc_backup", "temp01"}
    run_checks(site_a)
    assert Finding.objects.filter(check_id="access.unknown", status="open").count() == 2
    assert Finding.objects.filter(check_id="access.shared-without-owner", status="open").count() == 1

    # 2. The quarterly review: the HMI's owner decides its grants, and revokes Dan's.
    r = lead.post("/access-reviews", {"site_id": site_a.pk, "title": "Q4 2026 access review",
                                      "period_start": "2026-10-01", "period_end": "2026-12-31",
                                      "due_on": "2026-12-20"})  # fmt: skip
    review = r.json()["id"]
    items = lead.get("/review-items", campaign_id=review).json()["items"]
    grants = {g.pk: g for g in AccessGrant.objects.select_related("person", "system")}
    reviewer = api(owner)
    for item in items:
        g = grants[item["grant_id"]]
        who = reviewer if item["reviewer_id"] == owner.pk else lead
        body = ({"decision": "revoked", "comment": "Dan moved to the lab"} if g.person == hmi.dan
                else {"decision": "confirmed", "comment": "still on shift"})  # fmt: skip
        assert who.post(f"/review-items/{item['id']}/decide", body).status_code == 200
    assert {r["reviewer_id"] for r in lead.get(f"/access-reviews/{review}/progress").json()["reviewers"]} == {
        owner.pk, a_admin.pk,
    }  # fmt: skip
    assert (
        lead.post(f"/access-reviews/{review}/sign-off", {"note": "Q4 done"}).json()["status"] == "signed-off"
    )
    assert AccessGrant.objects.get(person=hmi.dan).status == "revoked"

    # 3. Eve leaves: one action revokes every grant she holds, each with its time.
    r = lead.post("/access-terminations", {"person_id": eve.pk, "reason": "resigned"})
    assert r.status_code == 200, r.json()
    revoked = r.json()["revoked"]
    assert {x["system"] for x in revoked} == {"HMI-1", "Control room door"}
    assert all(x["revoked_at"] and not x["over_limit"] and x["limit_hours"] == 24 for x in revoked)
    assert not AccessGrant.objects.filter(person=eve, status="active").exists()

    # 4. The whole record as evidence, linked to CIP-004 and SR 1.3.
    r = lead.post(f"/access-reviews/{review}/evidence", {})
    assert r.status_code == 201, r.json()
    exported = r.json()["exports"]
    assert {e["part"] for e in exported} == {"review", "changes", "reconciliation"}
    for e in exported:
        refs = {(key, ref) for key, ref in e["requirements"]}
        assert ("iec62443-3-3", "SR 1.3") in refs
        assert any(key == "nerc-cip" and ref.startswith("CIP-004-7 R") for key, ref in refs)
        assert EvidenceLink.objects.filter(document_id=e["document_id"]).count() == len(refs)
    by_part = {e["part"]: DocumentVersion.objects.get(pk=e["version_id"]) for e in exported}
    with open_blob(by_part["changes"].sha256) as blob:
        log = blob.read().decode("utf-8-sig")
    assert "termination: resigned" in log and "Dan moved to the lab" in log
    with open_blob(by_part["reconciliation"].sha256) as blob:
        reconciliation = blob.read().decode("utf-8-sig")
    assert "svc_backup" in reconciliation and "shared-without-owner" in reconciliation
