"""Management reviews (inputs, decisions -> roadmap actions), nonconformities (corrective action -> roadmap), the
review calendar across apps, through the services, the API and the pages; site scoping and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from otcsms.core.models import AuditEvent
from otcsms.evidence.models import Document
from otcsms.improvement import services
from otcsms.improvement.models import Decision, KpiSnapshot, ManagementReview, Nonconformity
from otcsms.links.models import ObjectLink
from otcsms.org.models import Person
from otcsms.risk.models import ThreatModelReview
from otcsms.roadmap.models import Action
from tests.conftest import audit_count

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def review(site, **extra) -> ManagementReview:
    return ManagementReview.objects.create(site=site, title=extra.pop("title", "Q3 review"), planned_on=TODAY,
                                           **extra)  # fmt: skip


def test_a_decision_becomes_a_proposed_roadmap_action_with_its_source_kept(api, a_contributor, site_a):
    held = review(site_a)
    r = api(a_contributor).post("/review-decisions", {"review_id": held.pk, "text": "Test backups every quarter",
                                                      "due_on": str(TODAY + dt.timedelta(days=90))})  # fmt: skip
    assert r.status_code == 201, r.json()
    decision = Decision.objects.get(pk=r.json()["id"])
    action = Action.objects.get(pk=r.json()["action_id"])
    assert (action.title, action.status, action.site_id) == (
        "Test backups every quarter",
        "proposed",
        site_a.pk,
    )
    assert action.due_on == TODAY + dt.timedelta(days=90)
    link = ObjectLink.objects.get(kind="source", source_id=action.pk)
    assert link.target() == decision
    for label in ("improvement.decision", "roadmap.action"):
        event = AuditEvent.objects.filter(object_type=label).latest("seq")
        assert event.actor_user_id == a_contributor.pk


def test_gathering_inputs_records_kpis_findings_threat_changes_and_holding_keeps_them(site_a, a_contributor):
    KpiSnapshot.objects.create(site=site_a, kpi="findings.open", series="high", value=2)
    person = Person.objects.create(organisation=site_a.organisation, site=site_a, name="Tom")
    ThreatModelReview.objects.create(site=site_a, reviewer=person, changes="New OPC UA server in the cell")
    Nonconformity.objects.create(site=site_a, title="Firewall changes not reviewed", description="d")
    held = review(site_a)
    services.hold(held, a_contributor)
    held.refresh_from_db()
    assert held.status == "held" and held.held_on == TODAY and held.inputs_gathered_at is not None
    inputs = held.inputs
    assert {"key": "findings.open", "title": "Open findings by severity", "unit": "count",
            "values": {"high": 2.0}} in inputs["kpis"]  # fmt: skip
    assert inputs["threat_model_reviews"][0]["changes"] == "New OPC UA server in the cell"
    assert inputs["nonconformities"][0]["title"] == "Firewall changes not reviewed"
    with pytest.raises(services.ImprovementStateError):
        services.hold(held, a_contributor)


def test_a_nonconformity_puts_its_corrective_action_on_the_roadmap_and_closes_with_a_root_cause(
    api, a_contributor, a_approver, site_a
):
    client = api(a_contributor)
    r = client.post("/nonconformities", {"site_id": site_a.pk, "title": "Firewall changes not reviewed",
                                         "description": "Three changes without review", "grade": "minor"})  # fmt: skip
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    refused = client.post(f"/nonconformities/{pk}/corrective-action")
    assert refused.status_code == 422 and "corrective_action" in refused.json()["detail"]
    client.patch(f"/nonconformities/{pk}", {"corrective_action": "Name the reviewer in the change procedure"})
    done = client.post(f"/nonconformities/{pk}/corrective-action")
    assert done.status_code == 200 and done.json()["status"] == "action"
    action = Action.objects.get(pk=done.json()["action_id"])
    assert action.source_kind == "nonconformity" and action.title.startswith("Corrective action:")
    assert client.post(f"/nonconformities/{pk}/corrective-action").status_code == 409
    assert client.post(f"/nonconformities/{pk}/close").status_code == 403  # approvers close
    approver = api(a_approver)
    assert approver.post(f"/nonconformities/{pk}/close").status_code == 422  # no root cause yet
    approver.patch(f"/nonconformities/{pk}", {"root_cause": "No named reviewer"})
    closed = approver.post(f"/nonconformities/{pk}/close")
    assert closed.status_code == 200 and closed.json()["closed_on"] == str(TODAY)
    action.refresh_from_db()  # its source closed: the corrective action is done with it, in the same request
    assert action.status == "done" and action.completed_on == TODAY
    event = AuditEvent.objects.filter(object_type="roadmap.action", object_id=str(action.pk)).order_by(
        "-seq"
    )[0]
    assert event.actor_user_id == a_approver.pk and '"source closed: nonconformity closed"' in event.data


@pytest.mark.parametrize("body, message", [
    ({"title": "x" * 201}, "at most 200"),
    ({"planned_on": "not a day"}, "date"),
    ({"status": "held"}, "xtra"),
    ({"title": "a\u202eb"}, ""),
    ({"inputs": {"kpis": []}}, "xtra"),
])  # fmt: skip
def test_bad_review_input_is_refused_and_nothing_is_written(api, a_contributor, site_a, body, message):
    client = api(a_contributor)
    before = audit_count()
    r = client.post("/management-reviews", {"site_id": site_a.pk, "title": "Q3", "planned_on":
                                                        str(TODAY)} | body)  # fmt: skip
    assert r.status_code == 422 and message in str(r.json()["detail"])
    assert audit_count() == before


def test_other_sites_and_outsiders_get_nothing(api, site_a, b_viewer, outsider, a_contributor):
    held = review(site_a)
    Nonconformity.objects.create(site=site_a, title="NC", description="d", due_on=TODAY)
    for user in (b_viewer, outsider):
        client = api(user)
        assert client.get(f"/management-reviews/{held.pk}").status_code == 404
        assert client.post("/review-decisions", {"review_id": held.pk, "text": "x"}).status_code in (
            403,
            404,
            422,
        )
        assert client.get("/review-calendar").json() == []
        assert client.post("/kpis/capture", {"site_id": site_a.pk}).status_code == 404
    assert api(outsider).get("/kpis").status_code == 403
    assert Decision.objects.count() == 0
    assert (
        len(api(a_contributor).get("/review-calendar").json()) == 2
    )  # the planned review, the NC's due date


def test_the_calendar_shows_what_every_app_has_due(api, site_a, site_b, a_contributor, org_admin):
    Document.objects.create(site=site_a, kind="policy", title="OT security policy",
                            next_review=TODAY - dt.timedelta(days=3))  # fmt: skip
    Document.objects.create(site=site_b, kind="policy", title="Site B policy", next_review=TODAY)
    review(site_a, title="Q4 review")
    rows = api(a_contributor).get("/review-calendar").json()
    assert [(r["kind"], r["title"], r["overdue"]) for r in rows] == [
        ("Policy", "OT security policy", True), ("Management review", "Q4 review", False)]  # fmt: skip
    assert {r["title"] for r in api(org_admin).get("/review-calendar").json()} >= {"Site B policy"}
    assert services.overdue_reviews(site_a) == 1.0
    page = Client()
    page.force_login(a_contributor)
    html = page.get(reverse("web:improvement_calendar"), {"overdue": "1"}).content.decode()
    assert "OT security policy" in html and "Q4 review" not in html and "Site B policy" not in html


def test_pages_record_decisions_and_capture_kpis(site_a, a_contributor, site_b):
    held = review(site_a)
    page = Client()
    page.force_login(a_contributor)
    r = page.post(reverse("web:managementreview_decide", args=[held.pk]), {"text": "Train the engineers"})
    assert r.status_code == 302
    assert Decision.objects.get(review=held).action.title == "Train the engineers"
    r = page.post(reverse("web:managementreview_decide", args=[held.pk]), {"text": ""})
    assert Decision.objects.filter(review=held).count() == 1  # refused, with a message
    detail = page.get(reverse("web:managementreview_detail", args=[held.pk])).content.decode()
    assert "Train the engineers" in detail and "Record decision" in detail
    assert page.post(reverse("web:improvement_capture"), {"site": site_a.pk}).status_code == 302
    assert (
        KpiSnapshot.objects.filter(site=site_a).exists()
        and not KpiSnapshot.objects.filter(site=site_b).exists()
    )
    health = page.get(reverse("web:improvement_health")).content.decode()
    assert "Open findings by severity" in health and "Capture KPIs now" in health
    other = review(site_b, title="B review")
    assert page.get(reverse("web:managementreview_detail", args=[other.pk])).status_code == 404
    assert (
        page.post(reverse("web:managementreview_decide", args=[other.pk]), {"text": "x"}).status_code == 404
    )
    assert page.post(reverse("web:improvement_capture"), {"site": site_b.pk}).status_code == 403
