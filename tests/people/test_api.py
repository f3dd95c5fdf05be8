"""Courses, completions, screenings, readiness, the matrix and the LMS import through the API, as the personas
use it: expiry from the site's rule, the audit trail with the actor, site scoping, refusals that change nothing."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from otcsms.core.models import AuditEvent
from otcsms.people.models import Completion, Screening
from tests.conftest import audit_count


def days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


def test_a_contributor_records_a_completion_and_its_expiry_follows_the_site(api, training, a_contributor,
                                                                            org_admin, site_a, site_b):  # fmt: skip
    r = api(a_contributor).post("/completions", {"site_id": site_a.pk, "person_id": training.ann.pk,
                                                 "course_id": training.engineering.pk,
                                                 "completed_on": "2026-01-15", "evidence_reference": "CERT-9"})  # fmt: skip
    assert r.status_code == 201, r.json()
    assert r.json()["expires_on"] == "2028-01-15"  # the course's 24 months: site A has no NERC impact
    event = AuditEvent.objects.get(object_type="people.completion", object_id=str(r.json()["id"]))
    assert event.action == "create" and event.actor_user_id == a_contributor.pk
    r = api(org_admin).post("/completions", {"site_id": site_b.pk, "person_id": training.bea.pk,
                                             "course_id": training.engineering.pk, "completed_on": "2026-01-15"})  # fmt: skip
    assert r.status_code == 201 and r.json()["expires_on"] == "2027-04-15"  # NERC CIP: 15 months


def test_bad_completions_are_refused_and_change_nothing(api, training, a_contributor, site_a, site_b):
    client = api(a_contributor)
    before = audit_count()
    base = {"site_id": site_a.pk, "person_id": training.ann.pk, "course_id": training.awareness.pk,
            "completed_on": "2026-01-15"}  # fmt: skip
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    for body, status in [
        (base | {"completed_on": future}, 422),
        (
            base | {"person_id": training.bea.pk},
            422,
        ),  # a person of site B: not visible to site A's contributor
        (base | {"site_id": site_b.pk}, 403),
        (base | {"course_id": 10**9}, 422),
        (base | {"expires_on": "2025-01-01"}, 422),
        (base | {"score": 101}, 422),
        (base | {"evidence_reference": "x" * 501}, 422),
        (base | {"note": "a\x00b"}, 422),
        (base | {"unknown": 1}, 422),
        (base | {"completed_on": "yesterday"}, 422),
    ]:
        r = client.post("/completions", body)
        assert r.status_code == status, (body, r.json())
        assert "detail" in r.json()
    assert audit_count() == before and not Completion.objects.exists()


def test_courses_are_organisation_data(api, training, a_contributor, org_admin, b_viewer, outsider):
    assert api(a_contributor).post("/courses", {"code": "X-1", "title": "X"}).status_code == 403
    r = api(org_admin).post(
        "/courses", {"code": "CIP-004-TRN", "title": "CIP-004 training", "kind": "role-based"}
    )
    assert r.status_code == 201
    assert api(org_admin).post("/courses", {"code": "CIP-004-TRN", "title": "again"}).status_code == 422
    assert len(api(b_viewer).get("/courses").json()["items"]) == 4
    assert api(outsider).get("/courses").json()["items"] == []


def test_readiness_names_what_is_missing_for_the_privilege(api, training, a_contributor, site_a):
    client = api(a_contributor)
    r = client.get(f"/people/{training.ann.pk}/readiness")
    assert r.status_code == 200
    body = r.json()
    assert body["site_id"] == site_a.pk and not body["ready"] and not body["cip_site"]
    assert {n["subject"] for n in body["needs"]} == {"OT security awareness", "Modbus and DNP3 for operators"}
    Completion.objects.create(
        site=site_a, person=training.ann, course=training.awareness, completed_on=days_ago(30)
    )
    Completion.objects.create(
        site=site_a, person=training.ann, course=training.modbus, completed_on=days_ago(800)
    )
    body = client.get(f"/people/{training.ann.pk}/readiness", privilege="engineer").json()
    assert [(n["subject"], n["status"]) for n in body["needs"]] == [
        ("Modbus and DNP3 for operators", "expired"),
        ("role-based training", "expired"),
        ("personnel screening", "missing"),
    ]
    Completion.objects.create(
        site=site_a, person=training.ann, course=training.modbus, completed_on=days_ago(2)
    )
    Screening.objects.create(site=site_a, person=training.ann, completed_on=days_ago(100))
    assert client.get(f"/people/{training.ann.pk}/readiness", privilege="engineer").json()["ready"]
    assert client.get(f"/people/{training.ann.pk}/readiness", privilege="root").status_code == 422
    assert client.get(f"/people/{training.org_wide.pk}/readiness").status_code == 422  # which site?
    r = client.get(f"/people/{training.org_wide.pk}/readiness", site_id=site_a.pk)
    assert r.status_code == 200


def test_readiness_and_matrix_of_another_site_are_not_found(
    api, training, a_contributor, b_viewer, site_a, site_b
):
    assert api(b_viewer).get(f"/people/{training.ann.pk}/readiness").status_code == 404
    assert api(b_viewer).get(f"/training-matrix/{site_a.pk}").status_code == 404
    # the org-wide person is visible to both, but not at the other's site
    assert (
        api(b_viewer).get(f"/people/{training.org_wide.pk}/readiness", site_id=site_a.pk).status_code == 404
    )
    assert api(a_contributor).get(f"/training-matrix/{site_b.pk}").status_code == 404


def test_the_matrix_shows_each_required_course_per_person(api, training, a_contributor, site_a):
    Completion.objects.create(
        site=site_a, person=training.ann, course=training.awareness, completed_on=days_ago(400)
    )
    r = api(a_contributor).get(f"/training-matrix/{site_a.pk}")
    assert r.status_code == 200
    body = r.json()
    assert [c["code"] for c in body["courses"]] == ["OT-AWR-101", "OT-PRO-310"]
    (row,) = body["rows"]
    assert row["person"] == "Ann Engineer" and not row["compliant"]
    assert [c["status"] for c in row["cells"]] == ["expired", "missing"]
    assert body["percent"] == 0


LMS = (
    "Learner Email,Course Code,Completion Date,Certificate\n"
    "ann@plant-a.test,OT-AWR-101,{d1},CERT-1\n"
    "ann@plant-a.test,Modbus and DNP3 for operators,{d2},\n"
    "olga@hq.test,OT-AWR-101,{d1},\n"
)


def upload(client, site, text: str, name: str = "lms.csv", encoding: str = "utf-8"):
    data = SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")
    return client.client.post(
        f"/api/v1/training-matrix/{site.pk}/import", {"file": data}, headers=client.headers
    )


def test_an_lms_export_is_imported_all_or_nothing(api, training, a_contributor, site_a):
    client = api(a_contributor)
    text = LMS.format(d1=days_ago(10).isoformat(), d2=days_ago(20).isoformat())
    bad = text + "ghost@nowhere.test,OT-AWR-101,2026-01-01,\nann@plant-a.test,NO-SUCH,2026-01-01,\n"
    before = audit_count()
    r = upload(client, site_a, bad)
    assert r.status_code == 422
    assert [p["message"] for p in r.json()["detail"]] == [
        "row 5, column email: 'ghost@nowhere.test' names nobody known at this site",
        "row 6, column course: 'NO-SUCH' is no course code or title known here",
    ]
    assert audit_count() == before and not Completion.objects.exists()
    r = upload(client, site_a, "\ufeff" + text, encoding="utf-16")
    assert r.status_code == 201, r.json()
    assert r.json() == {"site_id": site_a.pk, "rows": 3, "created": 3, "unchanged": 0}
    assert (
        AuditEvent.objects.filter(object_type="people.completion", actor_user_id=a_contributor.pk).count()
        == 3
    )
    assert set(Completion.objects.values_list("source", flat=True)) == {"import"}
    assert upload(client, site_a, text).json()["unchanged"] == 3  # the same file again changes nothing
    assert api(a_contributor).get(f"/people/{training.ann.pk}/readiness").json()["ready"]


def test_the_import_refuses_readers_other_sites_and_files_that_are_not_text(api, training, a_contributor, b_viewer,
                                                                           site_a, site_b):  # fmt: skip
    text = LMS.format(d1="2026-01-01", d2="2026-01-02")
    assert upload(api(b_viewer), site_b, text).status_code == 403
    assert upload(api(b_viewer), site_a, text).status_code == 404
    r = upload(api(a_contributor), site_a, text, encoding="latin-1")
    assert r.status_code == 201  # plain ASCII is UTF-8 too
    r = upload(
        api(a_contributor), site_a, "Email,Course,Completed\nzoë@x,AWR,2026-01-01\n", encoding="latin-1"
    )
    assert r.status_code == 422 and r.json()["detail"][0]["message"].startswith("file: not UTF-8")


def test_screenings_default_to_seven_years(api, training, a_contributor, site_a):
    r = api(a_contributor).post("/screenings", {"site_id": site_a.pk, "person_id": training.ann.pk,
                                                "completed_on": "2024-02-29", "reference": "PRA-77"})  # fmt: skip
    assert r.status_code == 201 and r.json()["next_due"] == "2031-02-28" and r.json()["result"] == "passed"
    r = api(a_contributor).post("/screenings", {"site_id": site_a.pk, "person_id": training.ann.pk,
                                                "completed_on": "2024-02-29", "next_due": "2024-01-01"})  # fmt: skip
    assert r.status_code == 422


def test_a_manager_must_be_of_the_organisation_and_site(api, training, org_admin, site_a):
    client = api(org_admin)
    r = client.patch(f"/people/{training.ann.pk}", {"manager_id": training.org_wide.pk})
    assert r.status_code == 200 and r.json()["manager_id"] == training.org_wide.pk
    assert client.patch(f"/people/{training.ann.pk}", {"manager_id": training.bea.pk}).status_code == 422
    assert client.patch(f"/people/{training.ann.pk}", {"manager_id": training.ann.pk}).status_code == 422
