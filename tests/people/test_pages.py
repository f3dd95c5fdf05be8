"""The pages: the training matrix with its colours, a person's readiness (page and panel on the person's page), the
LMS import page with its reasons, the generic pages, and what another site's user gets."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from otcsms.people.models import Completion, Screening
from tests.conftest import audit_count


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


def test_the_matrix_colours_each_required_course(training, a_contributor, site_a):
    Completion.objects.create(
        site=site_a, person=training.ann, course=training.awareness, completed_on=days_ago(400)
    )
    page = logged_in(a_contributor).get(f"/training/?site={site_a.pk}").content.decode()
    assert 'id="matrix"' in page and "OT-AWR-101" in page and "OT-PRO-310" in page
    assert 'class="cell st-expired"' in page and 'class="cell st-missing"' in page
    Completion.objects.create(
        site=site_a, person=training.ann, course=training.awareness, completed_on=days_ago(1)
    )
    Completion.objects.create(
        site=site_a, person=training.ann, course=training.modbus, completed_on=days_ago(700)
    )
    page = logged_in(a_contributor).get(f"/training/?site={site_a.pk}").content.decode()
    assert 'class="cell st-ok"' in page and 'class="cell st-expiring"' in page
    assert 'id="compliance">100%' in page
    page = logged_in(a_contributor).get(f"/training/?site={site_a.pk}&q=nobody").content.decode()
    assert "Nobody matches" in page


def test_the_matrix_of_a_site_without_requirements_says_what_to_do(training, org_admin, site_b):
    from otcsms.people.models import CourseRequirement

    CourseRequirement.objects.filter(site=site_b).delete()
    page = logged_in(org_admin).get(f"/training/?site={site_b.pk}").content.decode()
    assert "This site requires no course yet" in page


def test_the_readiness_page_and_the_person_panel(training, a_contributor, site_a):
    client = logged_in(a_contributor)
    page = client.get(f"/training/people/{training.ann.pk}/?privilege=engineer").content.decode()
    assert "Not ready for engineer access at Plant A" in page
    assert "no personnel risk assessment" in page and "no role-based training" in page
    page = client.get(f"/people/{training.ann.pk}/").content.decode()
    assert "Training and screening at Plant A: 3 missing or expired" in page
    page = client.get(f"/people/{training.org_wide.pk}/").content.decode()
    assert "Readiness at a site of your choice" in page
    page = client.get(f"/training/people/{training.org_wide.pk}/").content.decode()
    assert "What Plant A requires" in page  # the reader's only site
    Completion.objects.create(
        site=site_a, person=training.ann, course=training.awareness, completed_on=days_ago(3)
    )
    Completion.objects.create(
        site=site_a, person=training.ann, course=training.modbus, completed_on=days_ago(3)
    )
    Screening.objects.create(site=site_a, person=training.ann, completed_on=days_ago(3))
    page = client.get(f"/training/people/{training.ann.pk}/?privilege=engineer").content.decode()
    assert "Ready for engineer access at Plant A" in page
    assert (
        "Training and screening at Plant A: nothing missing"
        in client.get(f"/people/{training.ann.pk}/").content.decode()
    )


def test_another_sites_user_sees_nothing(training, b_viewer, site_a):
    client = logged_in(b_viewer)
    assert client.get(f"/training/people/{training.ann.pk}/").status_code == 404
    page = client.get(f"/training/?site={site_a.pk}").content.decode()
    assert "Ann Engineer" not in page  # falls back to the viewer's own site
    assert "Plant A" not in page


def test_the_import_page_lists_every_reason_and_writes_nothing(training, a_contributor, site_a):
    client = logged_in(a_contributor)
    assert client.get("/training/import/").status_code == 200
    before = audit_count()
    bad = SimpleUploadedFile("lms.csv", b"email,course,completed_on\nghost@x.test,OT-AWR-101,2026-01-01\n"
                                        b"ann@plant-a.test,NOPE,2026-01-01\n")  # fmt: skip
    r = client.post("/training/import/", {"site": site_a.pk, "file": bad})
    assert r.status_code == 422
    page = r.content.decode()
    assert "Nothing was imported: 2 problem(s)" in page and "names nobody known at this site" in page
    assert audit_count() == before
    good = SimpleUploadedFile(
        "lms.csv", f"email,course,completed_on\nann@plant-a.test,OT-AWR-101,{days_ago(2)}\n".encode()
    )
    r = client.post("/training/import/", {"site": site_a.pk, "file": good}, follow=True)
    assert "1 completions read for Plant A: 1 recorded" in r.content.decode()
    assert Completion.objects.get().source == "import"


def test_the_import_page_refuses_a_site_the_user_may_not_write(training, b_viewer, site_b):
    good = SimpleUploadedFile("lms.csv", b"email,course,completed_on\nbea@sub-b.test,OT-AWR-101,2026-01-01\n")
    r = logged_in(b_viewer).post("/training/import/", {"site": site_b.pk, "file": good})
    assert r.status_code == 422 and "choose a site where you may record completions" in r.content.decode()
    assert not Completion.objects.exists()


def test_the_generic_pages_work(training, a_contributor, org_admin, site_a):
    client = logged_in(a_contributor)
    for url in ("/training/courses/", "/training/requirements/", "/training/assignments/", "/training/completions/",
                "/training/screenings/", f"/training/courses/{training.awareness.pk}/"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    r = client.post("/training/completions/new/", {"site": site_a.pk, "person": training.ann.pk,
                                                   "course": training.awareness.pk,
                                                   "completed_on": days_ago(5).isoformat()})  # fmt: skip
    assert r.status_code == 302
    completion = Completion.objects.get()
    assert completion.expires_on is not None
    r = client.post(f"/training/completions/{completion.pk}/edit/", {"site": site_a.pk, "person": training.org_wide.pk,
                                                                    "course": training.awareness.pk,
                                                                    "completed_on": days_ago(5).isoformat()})  # fmt: skip
    assert r.status_code == 200 and "does not change" in r.content.decode()
    assert client.get("/training/courses/new/").status_code == 403  # organisation data: org admins
    assert logged_in(org_admin).get("/training/courses/new/").status_code == 200
