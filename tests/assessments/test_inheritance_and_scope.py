"""Answer once, apply to many (site and parent-zone answers inherited by the zones below), the scope snapshot
with its rescope, owners of responses, and coverage counted per requirement."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import audit_count, make_user

from otcsms.assessments import gapexport, inheritance, services, signoff, snapshot
from otcsms.assessments.models import Assessment, Response
from otcsms.assessments.results import combined_status
from otcsms.core.models import AuditEvent

IA_2 = ("nist-sp800-53r5", "IA-2")


def req(fw, ref):
    return fw.requirements.get(ref=ref)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def plant(parent_zone):
    return parent_zone


@pytest.fixture
def assessment(site_a, library, zones, plant, a_contributor):
    return services.create_assessment(
        site=site_a, framework=library["sr"], name="Inherited", assessor=a_contributor
    )


# --- the rule, in plain Python --------------------------------------------------------------------


def test_own_answer_then_nearest_ancestor_then_site():
    parents = {1: None, 2: 1, 3: 2}
    answered = {("R", None): "site", ("R", 1): "top", ("R", 3): "own", ("S", None): "site-only"}
    found = inheritance.effective([("R", 3), ("R", 2), ("S", 3), ("T", 3), ("R", None)], answered, parents)
    assert (found[("R", 3)].answer, found[("R", 3)].inherited) == ("own", False)
    assert (found[("R", 2)].answer, found[("R", 2)].source) == ("top", 1)
    assert (found[("S", 3)].answer, found[("S", 3)].source, found[("S", 3)].inherited) == (
        "site-only",
        None,
        True,
    )
    assert ("T", 3) not in found
    assert found[("R", None)].inherited is False  # the site's own row
    # a loop in the tree (never stored, but never an endless walk either)
    assert inheritance.effective([("S", 5)], answered, {5: 6, 6: 5})[("S", 5)].source is None


def test_where_one_answer_can_serve_many_zones():
    scopes = inheritance.answer_scopes([("R", 3), ("Q", 1)], {1: None, 2: 1, 3: 2}, in_scope=[1, 3])
    # the site always; zone 1 (in scope, above 3); zone 2 is above 3 but not in the assessment
    assert scopes == {("R", None), ("R", 1), ("Q", None)}


@pytest.mark.parametrize(
    ("statuses", "combined"),
    [
        (["met", "met"], "met"),
        (["met", "not_applicable"], "met"),
        (["not_applicable"], "not_applicable"),
        (["met", "not_met"], "partially_met"),
        (["met", "not_assessed"], "partially_met"),
        (["not_met", "not_assessed"], "not_met"),
        (["not_assessed", "not_assessed"], "not_assessed"),
        ([], "not_assessed"),
    ],
)
def test_a_requirement_is_met_only_when_met_in_every_zone(statuses, combined):
    assert combined_status(statuses) == combined


# --- answering for the site or a parent zone ------------------------------------------------------


def test_a_site_answer_is_inherited_by_every_zone_until_one_overrides_it(
    api, a_contributor, assessment, library, zones, plant
):
    client = api(a_contributor)
    control, dmz = zones["control"].pk, zones["dmz"].pk
    sr11 = req(library["sr"], "SR 1.1")
    before = services.progress(assessment)["answered"]
    r = client.post(f"/assessments/{assessment.pk}/answers", {"answers": [
        {"requirement_id": sr11.pk, "zone_id": None, "status": "met", "comment": "One IdP for the plant"},
    ]})  # fmt: skip
    assert r.status_code == 200, r.content
    effective = {
        (row["requirement"], row["zone_id"]): row
        for row in client.get(f"/assessments/{assessment.pk}/effective-answers", limit=500).json()["items"]
    }
    for zone in (control, dmz, plant.pk):
        row = effective[("SR 1.1", zone)]
        assert (row["status"], row["inherited_from"], row["comment"]) == (
            "met", {"zone_id": None, "name": "site"}, "One IdP for the plant",
        )  # fmt: skip
    assert services.progress(assessment)["answered"] == before + 3  # counted in each zone
    assert services.inferred_for(assessment, control, IA_2).status == "met"  # and inference sees it
    # Control overrides: its own answer wins there, the others still inherit
    r = client.post(f"/assessments/{assessment.pk}/answers", {"answers": [
        {"requirement_id": sr11.pk, "zone_id": control, "status": "not_met", "comment": "Local accounts"},
    ]})  # fmt: skip
    assert r.status_code == 200, r.content
    assert services.inferred_for(assessment, control, IA_2).status == "not_met"
    assert services.inferred_for(assessment, dmz, IA_2).status == "met"
    gaps = client.get(f"/assessments/{assessment.pk}/gaps").json()["items"]
    assert [(g["requirement"], g["zone_id"], g["inherited_from"]) for g in gaps] == [
        ("SR 1.1", control, None)
    ]
    # back to "not assessed": the zone inherits again
    services.set_response(assessment, services.Answer(sr11.pk, control, "not_assessed"), a_contributor)
    assert services.inferred_for(assessment, control, IA_2).status == "met"
    assert services.gaps(assessment) == []


def test_a_parent_zone_answers_for_the_zones_below_with_comment_and_owner_in_the_gap_list(
    api, a_contributor, assessment, library, zones, plant
):
    re1 = req(library["sr"], "SR 1.1 RE 1")  # selected at SL 2: in Control only, not in Plant itself
    control = zones["control"].pk
    r = api(a_contributor).post(f"/assessments/{assessment.pk}/answers", {"answers": [
        {"requirement_id": re1.pk, "zone_id": plant.pk, "status": "not_met", "comment": "Shared operator login",
         "owner_id": a_contributor.pk},
    ]})  # fmt: skip
    assert r.status_code == 200, r.content
    [gap] = gapexport.gap_rows(assessment)
    assert (gap.zone, gap.requirement, gap.inherited_from, gap.owner, gap.comment, gap.sl_required) == (
        "Control", "SR 1.1 RE 1", "Plant", a_contributor.username, "Shared operator login", 2,
    )  # fmt: skip
    [api_gap] = api(a_contributor).get(f"/assessments/{assessment.pk}/gaps").json()["items"]
    assert api_gap["zone_id"] == control and api_gap["inherited_from"] == {
        "zone_id": plant.pk,
        "name": "Plant",
    }
    assert api_gap["owner_id"] == a_contributor.pk and api_gap["zone_sl_t"] == 2
    document = json.loads(gapexport.write(assessment, gapexport.gap_rows(assessment), "json"))
    assert document["gaps"][0]["inherited_from"] == "Plant" and document["gaps"][0]["owner"] == "alice"
    # the DMZ does not select RE 1, so nothing is inherited there; the DMZ has no zones below to answer for
    r = api(a_contributor).post(f"/assessments/{assessment.pk}/answers", {"answers": [
        {"requirement_id": re1.pk, "zone_id": zones["dmz"].pk, "status": "met"},
    ]})  # fmt: skip
    assert r.status_code == 422 and "not in this assessment's scope" in r.json()["detail"]


def test_the_answer_page_shows_inheritance_and_override_copies_the_inherited_answer(
    a_contributor, assessment, library, zones
):
    sr13 = req(library["sr"], "SR 1.3")
    services.set_response(
        assessment, services.Answer(sr13.pk, None, "met", comment="Central AD"), a_contributor
    )
    client = logged_in(a_contributor)
    page = client.get(reverse("web:assessment_answer", args=[assessment.pk]), {"zone": zones["dmz"].pk})
    html = page.content.decode()
    assert "inherited from site" in html and 'class="override"' in html and 'placeholder="Central AD"' in html
    why = client.get(
        reverse("web:assessment_inferred", args=[assessment.pk]),
        {"framework": "iec62443-3-3", "requirement": "SR 1.3", "zone": zones["dmz"].pk},
    ).content.decode()
    assert (
        'the answer given for <strong id="why-inherited">the site</strong>, which this zone inherits' in why
    )
    site_rows = client.get(reverse("web:assessment_answer", args=[assessment.pk]), {"zone": "site"}).content
    assert b"for every zone without its own answer" in site_rows
    before = audit_count()
    r = client.post(
        reverse("web:assessment_answer_override", args=[assessment.pk]),
        {"slot": f"{sr13.pk}:{zones['dmz'].pk}"},
    )
    assert r.status_code == 302
    own = Response.objects.get(assessment=assessment, requirement=sr13, zone=zones["dmz"])
    assert (own.status, own.comment, own.assessor_id) == ("met", "Central AD", a_contributor.pk)
    event = (
        AuditEvent.objects.filter(object_type="assessments.response", action="create").order_by("pk").last()
    )
    assert audit_count() == before + 1 and event.actor_user_id == a_contributor.pk
    # nothing left to override on that row
    again = client.post(
        reverse("web:assessment_answer_override", args=[assessment.pk]),
        {"slot": f"{sr13.pk}:{zones['dmz'].pk}"},
    )
    assert again.status_code == 422 and audit_count() == before + 1


# --- owners ---------------------------------------------------------------------------------------


def test_owner_is_a_member_of_the_site_set_and_cleared_through_the_api_and_the_page(
    api, a_contributor, b_viewer, org_admin, assessment, library, zones
):
    sr11 = req(library["sr"], "SR 1.1")
    response = services.set_response(
        assessment, services.Answer(sr11.pk, zones["control"].pk, "not_met"), a_contributor
    )
    client = api(a_contributor)
    r = client.patch(f"/responses/{response.pk}", {"owner_id": a_contributor.pk})
    assert r.status_code == 200 and r.json()["owner_id"] == a_contributor.pk
    admin = api(org_admin)  # sees every user, so the membership rule is what refuses bob
    before = audit_count()
    r = admin.patch(f"/responses/{response.pk}", {"owner_id": b_viewer.pk})  # bob has no role at site A
    assert r.status_code == 422 and "not a member" in r.json()["detail"] and audit_count() == before
    r = client.patch(f"/responses/{response.pk}", {"owner_id": b_viewer.pk})  # a user alice cannot even see
    assert r.status_code == 422 and r.json()["detail"] and audit_count() == before
    r = client.patch(f"/responses/{response.pk}", {"owner_id": None})
    assert r.status_code == 200 and r.json()["owner_id"] is None
    page = logged_in(a_contributor)
    saved = page.post(
        reverse("web:assessment_answer_save", args=[assessment.pk]),
        {"slot": f"{sr11.pk}:{zones['control'].pk}", "owner": str(a_contributor.pk)},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    response.refresh_from_db()
    assert response.owner_id == a_contributor.pk and response.status == "not_met"  # only the owner changed
    bad = page.post(
        reverse("web:assessment_answer_save", args=[assessment.pk]),
        {"slot": f"{sr11.pk}:{zones['control'].pk}", "owner": "x1"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 400


# --- the scope snapshot ---------------------------------------------------------------------------


def test_a_changed_sl_t_is_listed_and_kept_out_until_rescoped(
    api, a_contributor, auditor, b_viewer, assessment, library, zones
):
    dmz = zones["dmz"]
    re1 = req(library["sr"], "SR 1.1 RE 1")
    assert (re1.pk, dmz.pk) not in {(s.requirement_id, s.zone_id) for s in services.slots(assessment)}
    dmz.sl_t = (2, 1, 1, 1, 1, 1, 1)
    dmz.save()
    assessment.refresh_from_db()
    # the assessment still follows its snapshot
    assert (re1.pk, dmz.pk) not in {(s.requirement_id, s.zone_id) for s in services.slots(assessment)}
    client = api(a_contributor)
    changes = client.get(f"/assessments/{assessment.pk}/scope-changes").json()
    assert changes["changed"] and changes["levels"] == [
        {"zone_id": dmz.pk, "zone": "OT DMZ", "fr": 1, "old": 1, "new": 2}
    ]
    assert changes["added"] == [{"zone": "OT DMZ", "requirement": "SR 1.1 RE 1"}] and changes["removed"] == []
    page = (
        logged_in(a_contributor).get(reverse("web:assessment_detail", args=[assessment.pk])).content.decode()
    )
    assert "Scope changed" in page and "Rescope to the current SL-T" in page and "SR 1.1 RE 1" in page
    # who may not: an auditor of the site (403), someone of another site (404); nothing is written
    as_auditor, as_other_site = api(auditor), api(b_viewer)
    before = audit_count()
    assert as_auditor.post(f"/assessments/{assessment.pk}/rescope", {}).status_code == 403
    assert as_other_site.post(f"/assessments/{assessment.pk}/rescope", {}).status_code == 404
    assert audit_count() == before
    r = client.post(f"/assessments/{assessment.pk}/rescope", {})
    assert r.status_code == 200, r.content
    assert r.json()["sl_t_snapshot"][str(dmz.pk)] == [2, 1, 1, 1, 1, 1, 1]
    assessment.refresh_from_db()
    assert (re1.pk, dmz.pk) in {(s.requirement_id, s.zone_id) for s in services.slots(assessment)}
    assert client.get(f"/assessments/{assessment.pk}/scope-changes").json()["changed"] is False
    event = (
        AuditEvent.objects.filter(object_type="assessments.assessment", action="update").order_by("pk").last()
    )
    assert event.actor_user_id == a_contributor.pk and "sl_t_snapshot" in event.data


def test_rescope_from_the_page_and_never_on_a_completed_assessment(
    a_contributor, org_admin, assessment, zones
):
    zones["control"].sl_t = (1, 1, 1, 1, 1, 1, 1)
    zones["control"].save()
    r = logged_in(a_contributor).post(reverse("web:assessment_rescope", args=[assessment.pk]))
    assert r.status_code == 302
    assessment.refresh_from_db()
    assert assessment.sl_t_snapshot[str(zones["control"].pk)] == [1, 1, 1, 1, 1, 1, 1]
    zones["control"].sl_t = (3, 1, 1, 1, 1, 1, 1)
    zones["control"].save()
    other = make_user("approver-x", roles={assessment.site: "approver"})
    services.set_response(
        assessment,
        services.Answer(
            services.slots(assessment)[0].requirement_id, services.slots(assessment)[0].zone_id, "met"
        ),
        a_contributor,
    )
    signoff.complete_assessment(assessment, other)
    assessment.refresh_from_db()
    with pytest.raises(services.AssessmentStateError):
        snapshot.rescope(assessment, org_admin)


# --- coverage per requirement ---------------------------------------------------------------------


def test_coverage_counts_each_requirement_once_with_labeled_segments(a_contributor, site_a, library, zones):
    assessment = services.create_assessment(site=site_a, framework=library["sr"], name="Two zones")
    control, dmz = zones["control"].pk, zones["dmz"].pk
    sr = library["sr"]
    services.set_responses(assessment, [
        services.Answer(req(sr, "SR 1.1").pk, control, "met"), services.Answer(req(sr, "SR 1.1").pk, dmz, "met"),
        services.Answer(req(sr, "SR 1.3").pk, control, "met"), services.Answer(req(sr, "SR 1.3").pk, dmz, "not_met"),
        services.Answer(req(sr, "SR 5.1").pk, control, "not_met"),
    ], a_contributor)  # fmt: skip
    own = services.coverage_report(assessment)[0].overall
    # 5 requirements (not 8 requirement x zone rows): SR 1.1 met everywhere, SR 1.3 mixed, SR 5.1 not met in one
    # zone and unanswered in the other, both REs unanswered
    assert (own.total, own.met, own.partially_met, own.not_met, own.not_assessed) == (5, 1, 1, 1, 2)
    page = (
        logged_in(a_contributor).get(reverse("web:assessment_detail", args=[assessment.pk])).content.decode()
    )
    bar = page[page.index('class="stack labeled"') :]
    assert ">1 met<" in bar and ">1 partially<" in bar and ">1 not met<" in bar and ">2 not assessed<" in bar


def test_the_migration_gives_earlier_assessments_the_sl_t_of_their_zones(site_a, library, zones):
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    name = "0005_owner_and_sl_t_snapshot"
    migration = importlib.import_module(f"otcsms.assessments.migrations.{name}")
    historical = MigrationLoader(connection).project_state(("assessments", name)).apps  # as `migrate` runs it
    earlier = Assessment.objects.create(site=site_a, framework=library["sr"], name="Before snapshots")
    assert earlier.sl_t_snapshot is None
    migration.snapshot_current_sl_t(historical, None)
    earlier.refresh_from_db()
    assert earlier.sl_t_snapshot == {
        str(zones["control"].pk): [2, 1, 1, 1, 2, 1, 1],
        str(zones["dmz"].pk): [1, 1, 1, 1, 1, 1, 1],
    }
