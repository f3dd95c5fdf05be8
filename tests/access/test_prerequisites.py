"""Issue 12's prerequisites, with issue 15's readiness: a grant for a person who is not ready is refused with the
reason unless a documented exception says why; reviews route grants to the grantee's manager; the check of access
held without current training or screening."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from otcsms.access.checks import access_without_readiness
from otcsms.access.models import AccessGrant
from otcsms.access.services import start_review
from otcsms.checks.engine import run_checks
from otcsms.checks.models import Finding
from otcsms.core.models import AuditEvent
from otcsms.org.models import Person
from otcsms.people.models import Completion, Course, Screening
from tests.access.conftest import grant
from tests.conftest import audit_count, make_user


def days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


def body(hmi, privilege="engineer", **extra):
    return {"person_id": hmi.ann.pk, "system_id": hmi.system.pk, "privilege": privilege,
            "justification": "PLC logic changes", "requested_by_id": hmi.ben.pk, "approved_by_id": hmi.cat.pk} | extra  # fmt: skip


def trained(person, site, *, days=30, screening_days=100):
    course = Course.objects.get_or_create(code="OT-ENG-201", defaults={"title": "Secure engineering",
                                                                        "kind": "role-based", "validity_months": 24})[0]  # fmt: skip
    Completion.objects.create(site=site, person=person, course=course, completed_on=days_ago(days))
    Screening.objects.create(site=site, person=person, completed_on=days_ago(screening_days))


def test_engineering_access_for_someone_not_ready_is_refused_with_the_reason(api, hmi, a_approver, site_a):
    client = api(a_approver)
    before = audit_count()
    r = client.post("/access-grants", body(hmi))
    assert r.status_code == 422
    detail = str(r.json()["detail"])
    assert "Ann is not ready for engineer access at Plant A" in detail
    assert "no role-based training" in detail and "no personnel risk assessment" in detail
    assert (
        client.post("/access-grants", body(hmi, prerequisite_exception="ok")).status_code == 422
    )  # too short
    assert audit_count() == before and not AccessGrant.objects.exists()
    # operating needs nothing by default at a site without NERC impact
    assert client.post("/access-grants", body(hmi, "operate")).status_code == 201


def test_a_documented_exception_grants_it_and_is_kept(api, hmi, a_approver):
    why = "Commissioning week: vendor-led training booked for the 14th; access supervised by Cat until then."
    r = api(a_approver).post("/access-grants", body(hmi, prerequisite_exception=why))
    assert r.status_code == 201, r.json()
    assert r.json()["prerequisite_exception"] == why
    event = AuditEvent.objects.get(object_type="access.accessgrant", object_id=str(r.json()["id"]))
    assert event.actor_user_id == a_approver.pk and why in event.data


def test_once_trained_and_screened_the_grant_goes_through(api, hmi, a_approver, site_a):
    trained(hmi.ann, site_a, screening_days=365 * 8)
    r = api(a_approver).post("/access-grants", body(hmi))
    assert r.status_code == 422 and "personnel risk assessment due since" in str(r.json()["detail"])
    Screening.objects.create(site=site_a, person=hmi.ann, completed_on=days_ago(10))
    assert api(a_approver).post("/access-grants", body(hmi)).status_code == 201


def test_a_nerc_cip_site_needs_training_and_screening_for_any_access(api, site_b, org_admin):
    org = site_b.organisation
    p1, p2, p3 = (Person.objects.create(organisation=org, site=site_b, name=n) for n in ("Rae", "Sid", "Tim"))
    from otcsms.access.models import AccessSystem

    rtu = AccessSystem.objects.create(site=site_b, name="RTU-1", kind="controller")
    r = api(org_admin).post("/access-grants", {"person_id": p1.pk, "system_id": rtu.pk, "privilege": "view",
                                               "justification": "monitoring", "requested_by_id": p2.pk,
                                               "approved_by_id": p3.pk})  # fmt: skip
    assert r.status_code == 422 and "NERC CIP site" in str(r.json()["detail"])


def test_the_grant_form_refuses_too(client, hmi, a_approver, site_a):
    client.force_login(a_approver)
    form = {"site": site_a.pk, "person": hmi.ann.pk, "system": hmi.system.pk, "privilege": "administer",
            "access_type": "electronic", "justification": "x", "requested_by": hmi.ben.pk,
            "approved_by": hmi.cat.pk, "starts_on": timezone.localdate().isoformat()}  # fmt: skip
    r = client.post("/access/grants/new/", form)
    assert r.status_code == 200 and "is not ready for administer access" in r.content.decode()
    assert not AccessGrant.objects.exists()
    form["prerequisite_exception"] = "Emergency restore after the flood: documented in incident IR-12."
    r = client.post("/access/grants/new/", form)
    assert r.status_code == 302 and AccessGrant.objects.get().prerequisite_exception.startswith("Emergency")


def test_access_held_with_lapsed_training_is_a_finding_per_grant(hmi, site_a, shipped_library):
    trained(hmi.ann, site_a, days=800)  # 24-month course, done 800 days ago: lapsed
    g1 = grant(hmi, hmi.ann, "engineer")
    grant(hmi, hmi.ann, "view")  # view needs nothing: no finding
    g3 = grant(hmi, hmi.dan, "administer", expires_on=days_ago(1))  # expired grant: not held any more
    g3.refresh_from_db()
    problems = list(access_without_readiness(site_a))
    assert [p.object for p in problems] == [g1]
    assert "Ann holds engineer access on HMI-1 but: role-based training expired on" in problems[0].message
    run_checks(site_a)
    finding = Finding.objects.get(check_id="access.training-lapsed", status="open")
    assert finding.severity == "high"
    Completion.objects.create(
        site=site_a, person=hmi.ann, course=Course.objects.get(), completed_on=days_ago(1)
    )
    run_checks(site_a)
    assert not Finding.objects.filter(check_id="access.training-lapsed", status="open").exists()


def test_reviews_route_each_grant_to_the_grantees_manager(hmi, site_a):
    creator = make_user("lead", roles={site_a: "approver"})
    manager_login = make_user("mgr", roles={site_a: "viewer"})
    owner_login = make_user("own", roles={site_a: "viewer"})
    no_role = make_user("far")  # a manager without a role at the site cannot see the grant: passed over
    boss = Person.objects.create(
        organisation=site_a.organisation, site=site_a, name="Boss", user=manager_login
    )
    far = Person.objects.create(organisation=site_a.organisation, name="Far Boss", user=no_role)
    hmi.cat.user = owner_login
    hmi.cat.save()
    hmi.ann.manager = boss
    hmi.ann.save()
    hmi.dan.manager = far
    hmi.dan.save()
    g_ann, g_dan, g_ben = (
        grant(hmi, hmi.ann),
        grant(hmi, hmi.dan),
        AccessGrant.objects.create(
            site=site_a,
            system=hmi.system,
            person=hmi.ben,
            privilege="operate",
            justification="x",
            requested_by=hmi.dan,
            approved_by=hmi.ann,
        ),
    )
    today = timezone.localdate()
    review = start_review(creator, site_a, title="Q4", period_start=today, period_end=today)
    reviewers = {i.grant_id: i.reviewer_id for i in review.items.all()}
    assert reviewers == {g_ann.pk: manager_login.pk, g_dan.pk: owner_login.pk, g_ben.pk: owner_login.pk}
    by_owner = start_review(creator, site_a, title="Q4 by owner", period_start=today, period_end=today,
                            routing="owner")  # fmt: skip
    assert {i.reviewer_id for i in by_owner.items.all()} == {owner_login.pk}


def test_the_review_api_takes_the_routing(api, hmi, a_approver, site_a):
    grant(hmi, hmi.ann)
    r = api(a_approver).post("/access-reviews", {"site_id": site_a.pk, "title": "Q1", "period_start": "2026-01-01",
                                                 "period_end": "2026-03-31", "routing": "owner"})  # fmt: skip
    assert r.status_code == 201 and r.json()["routing"] == "owner"
    r = api(a_approver).post("/access-reviews", {"site_id": site_a.pk, "title": "Q2", "period_start": "2026-01-01",
                                                 "period_end": "2026-03-31", "routing": "nobody"})  # fmt: skip
    assert r.status_code == 422


def test_the_check_reads_a_constant_number_of_queries_per_site(hmi, site_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            list(access_without_readiness(site_a))
        return len(captured)

    grant(hmi, hmi.ann, "engineer")
    few = queries()
    for i in range(12):
        person = Person.objects.create(organisation=site_a.organisation, site=site_a, name=f"Engineer {i}")
        trained(person, site_a, days=900 if i % 2 else 10)
        grant(hmi, person, "administer")
    assert queries() == few
    assert len(list(access_without_readiness(site_a))) == 7  # Ann and the six whose training lapsed
