"""The CSMS scope lifecycle (org.scope_lifecycle): every transition, per persona, through the API and the UI.

    (none) -revise-> draft -edit-> draft -approve-> approved -supersede-> superseded;  draft -discard-> discarded

Four eyes: whoever drafted or edited a draft may not approve it, organisation admins included. Every refusal
changes nothing: the audit trail and every version's state are as they were.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.org import scope_lifecycle as lifecycle
from otcsms.org import services
from otcsms.org.models import ScopeStatement
from tests.conftest import audit_count, make_user

PERSONAS = ["ann", "ben", "a_contributor", "b_viewer", "auditor", "outsider", "org_admin"]
# Who may do what on site A. ann and ben are approvers on A; the draft under test was written by a_contributor.
MAY_CHANGE = {"ann", "ben", "a_contributor", "org_admin"}
MAY_APPROVE = {"ann", "ben", "org_admin"}
SEES_SITE_A = {"ann", "ben", "a_contributor", "auditor", "org_admin"}


@pytest.fixture
def ann(site_a):
    return make_user("ann", roles={site_a: "approver"})


@pytest.fixture
def ben(site_a):
    return make_user("ben", roles={site_a: "approver"})


@pytest.fixture
def approved(site_a, org_admin):
    """Version 1, approved: drafted by the system, approved by the organisation admin."""
    v1 = services.revise_scope(site_a, statement="Process control network of the plant")
    return services.approve_scope(v1, org_admin)


@pytest.fixture
def draft(approved, site_a, a_contributor):
    """Version 2, a draft written by the contributor."""
    return services.revise_scope(site_a, by=a_contributor, statement="Process control and safety systems")


def versions() -> tuple:
    rows = ScopeStatement.objects.order_by("version").values_list(
        "version", "status", "statement", "edited_by_id", "approved_by_id", "discarded_by_id"
    )
    return (audit_count(), tuple(rows))


def expected(persona: str, allowed: set[str], ok: int, forbidden: int = 403, hidden: int = 404) -> int:
    if persona in allowed:
        return ok
    return forbidden if persona in SEES_SITE_A else hidden


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the table itself --------------------------------------------------------------------------------


def test_the_lifecycle_table():
    assert [t.name for t in lifecycle.available(lifecycle.DRAFT)] == ["edit", "approve", "discard"]
    for final in (lifecycle.APPROVED, lifecycle.SUPERSEDED, lifecycle.DISCARDED):
        assert lifecycle.available(final) == []
        assert "only a draft" in lifecycle.state_problem(lifecycle.APPROVE, final, 3)
    assert lifecycle.four_eyes_problem(7, {7, 8}) and lifecycle.four_eyes_problem(9, {7, 8}) is None
    assert (
        lifecycle.reason_problem(lifecycle.DISCARD, "  ")
        and lifecycle.reason_problem(lifecycle.EDIT, "") is None
    )
    assert lifecycle.stale_problem(2, 3) and lifecycle.stale_problem(4, 3) is None


# --- every transition per persona, through the API -----------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_revise_through_the_api(request, api, persona, approved, site_a):
    client = api(request.getfixturevalue(persona))
    before = versions()
    r = client.post("/scope-statements", {"site_id": site_a.pk, "statement": "Wider scope"})
    # A site the caller cannot see: refused for the right (403) or named like one that does not exist (422).
    if persona in SEES_SITE_A:
        assert r.status_code == expected(persona, MAY_CHANGE, 201), r.content
    else:
        assert r.status_code in (403, 422), r.content
    if r.status_code == 201:
        user = request.getfixturevalue(persona)
        assert r.json()["version"] == 2 and r.json()["status"] == "draft"
        assert r.json()["drafted_by_id"] == user.pk
    else:
        assert "detail" in r.json() and versions() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_edit_through_the_api(request, api, persona, draft):
    user = request.getfixturevalue(persona)
    client = api(user)
    before = versions()
    r = client.patch(f"/scope-statements/{draft.pk}", {"statement": "Rewritten"})
    assert r.status_code == expected(persona, MAY_CHANGE, 200), r.content
    if r.status_code == 200:
        assert r.json()["statement"] == "Rewritten" and r.json()["edited_by_id"] == user.pk
    else:
        assert versions() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_approve_through_the_api(request, api, persona, draft, approved):
    user = request.getfixturevalue(persona)
    client = api(user)
    before = versions()
    r = client.post(f"/scope-statements/{draft.pk}/approve")
    assert r.status_code == expected(persona, MAY_APPROVE, 200), r.content
    if r.status_code == 200:
        assert r.json()["status"] == "approved" and r.json()["approved_by_id"] == user.pk
        approved.refresh_from_db()
        assert approved.status == "superseded"
    else:
        assert versions() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_discard_through_the_api(request, api, persona, draft):
    user = request.getfixturevalue(persona)
    client = api(user)
    before = versions()
    r = client.post(f"/scope-statements/{draft.pk}/discard", {"reason": "Superseded by the site merger"})
    assert r.status_code == expected(persona, MAY_CHANGE, 200), r.content
    if r.status_code == 200:
        body = r.json()
        assert (body["status"], body["discarded_by_id"]) == ("discarded", user.pk)
        assert body["discard_reason"] == "Superseded by the site merger"
    else:
        assert versions() == before


# --- four eyes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("author", ["ann", "org_admin"])
def test_the_author_of_a_draft_cannot_approve_it(request, api, author, approved, site_a, ben):
    user = request.getfixturevalue(author)
    client = api(user)
    r = client.post("/scope-statements", {"site_id": site_a.pk, "statement": "Written by an approver"})
    assert r.status_code == 201
    pk = r.json()["id"]
    before = versions()
    r = client.post(f"/scope-statements/{pk}/approve")
    assert r.status_code == 403 and "second pair of eyes" in r.json()["detail"]
    assert versions() == before
    assert api(ben).post(f"/scope-statements/{pk}/approve").json()["status"] == "approved"


def test_whoever_edited_a_draft_cannot_approve_it(api, draft, ann, ben, org_admin, a_contributor):
    ann_client, ben_client = api(ann), api(ben)
    assert ann_client.patch(f"/scope-statements/{draft.pk}", {"boundaries": "Zones 1-4"}).status_code == 200
    assert ben_client.patch(f"/scope-statements/{draft.pk}", {"exclusions": "Office IT"}).status_code == 200
    before = versions()
    # ben edited last, ann edited before him (the trail remembers), a_contributor drafted it
    for client in (ben_client, ann_client, api(a_contributor)):
        assert client.post(f"/scope-statements/{draft.pk}/approve").status_code == 403
    assert versions()[1] == before[1]
    assert api(org_admin).post(f"/scope-statements/{draft.pk}/approve").status_code == 200


# --- the states --------------------------------------------------------------------------------------


def test_one_draft_at_a_time(api, draft, site_a, a_contributor, ann):
    client = api(a_contributor)
    before = versions()
    r = client.post("/scope-statements", {"site_id": site_a.pk, "statement": "Another one"})
    assert r.status_code == 409 and "still a draft" in r.json()["detail"]
    assert versions() == before
    client.post(f"/scope-statements/{draft.pk}/discard", {"reason": "Start again"})
    r = client.post("/scope-statements", {"site_id": site_a.pk, "statement": "Another one"})
    assert r.status_code == 201 and r.json()["version"] == 3


def test_final_states_take_no_transition(api, draft, approved, ann, a_contributor):
    client, author = api(ann), api(a_contributor)
    author.post(f"/scope-statements/{draft.pk}/discard", {"reason": "Not needed"})
    before = versions()
    for scope in (approved, draft):  # approved and discarded
        assert client.post(f"/scope-statements/{scope.pk}/approve").status_code == 409
        assert client.post(f"/scope-statements/{scope.pk}/discard", {"reason": "x"}).status_code == 409
        assert client.patch(f"/scope-statements/{scope.pk}", {"statement": "Changed"}).status_code == 409
    assert versions() == before


def test_a_superseded_version_stays_superseded(api, draft, approved, ann, site_a, a_contributor):
    client = api(ann)
    assert client.post(f"/scope-statements/{draft.pk}/approve").status_code == 200
    before = versions()
    assert client.post(f"/scope-statements/{approved.pk}/approve").status_code == 409
    assert versions() == before
    assert dict(ScopeStatement.objects.values_list("version", "status")) == {1: "superseded", 2: "approved"}


def test_an_older_draft_never_replaces_a_newer_approved_version(ann, site_a, a_contributor, org_admin):
    # Several drafts per site were possible before one-draft-at-a-time: such a leftover stays unapprovable.
    old = ScopeStatement.objects.create(site=site_a, version=1, statement="Old draft")
    newer = services.approve_scope(
        ScopeStatement.objects.create(site=site_a, version=2, statement="Newer"), org_admin
    )
    before = versions()
    with pytest.raises(services.ScopeStateError, match="newer than this draft"):
        services.approve_scope(old, ann)
    assert versions() == before and newer.status == "approved"


def test_a_discard_needs_a_reason(api, draft, a_contributor):
    client = api(a_contributor)
    before = versions()
    assert client.post(f"/scope-statements/{draft.pk}/discard", {"reason": ""}).status_code == 422
    assert client.post(f"/scope-statements/{draft.pk}/discard", {}).status_code == 422
    with pytest.raises(services.ScopeInputError):
        services.discard_draft(draft, by=a_contributor, reason="   ")
    assert versions() == before


# --- the same transitions through the UI --------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_revise_in_the_ui(request, persona, approved, site_a):
    user = request.getfixturevalue(persona)
    before = versions()
    r = logged_in(user).post(reverse("web:scope_revise", args=[site_a.pk]), {"statement": "Wider scope"})
    assert r.status_code == expected(persona, MAY_CHANGE, 302)
    if r.status_code == 302:
        assert ScopeStatement.objects.get(version=2).drafted_by == user
    else:
        assert versions() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_edit_in_the_ui(request, persona, draft, site_a):
    user = request.getfixturevalue(persona)
    before = versions()
    r = logged_in(user).post(reverse("web:scope_revise", args=[site_a.pk]), {"statement": "Edited"})
    assert r.status_code == expected(persona, MAY_CHANGE, 302)
    if r.status_code == 302:  # the open draft is edited, no version is added
        draft.refresh_from_db()
        assert (draft.statement, draft.edited_by, ScopeStatement.objects.count()) == ("Edited", user, 2)
    else:
        assert versions() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_approve_in_the_ui(request, persona, draft):
    user = request.getfixturevalue(persona)
    before = versions()
    r = logged_in(user).post(reverse("web:scope_approve", args=[draft.pk]))
    assert r.status_code == expected(persona, MAY_APPROVE, 302)
    draft.refresh_from_db()
    if r.status_code == 302:
        assert (draft.status, draft.approved_by) == ("approved", user)
    else:
        assert versions() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_discard_in_the_ui(request, persona, draft):
    user = request.getfixturevalue(persona)
    before = versions()
    r = logged_in(user).post(reverse("web:scope_discard", args=[draft.pk]), {"reason": "Not what we need"})
    assert r.status_code == expected(persona, MAY_CHANGE, 302)
    draft.refresh_from_db()
    if r.status_code == 302:
        assert (draft.status, draft.discarded_by, draft.discard_reason) == (
            "discarded",
            user,
            "Not what we need",
        )
    else:
        assert versions() == before


def test_the_ui_refuses_the_author_and_a_discard_without_reason(ann, ben, approved, site_a):
    client = logged_in(ann)
    client.post(reverse("web:scope_revise", args=[site_a.pk]), {"statement": "Ann's version"})
    draft = ScopeStatement.objects.get(version=2)
    page = client.get(reverse("web:scope", args=[site_a.pk])).content.decode()
    assert "second pair of eyes" in page and reverse("web:scope_approve", args=[draft.pk]) not in page
    before = versions()
    assert client.post(reverse("web:scope_approve", args=[draft.pk])).status_code == 403
    assert client.post(reverse("web:scope_discard", args=[draft.pk]), {"reason": ""}).status_code == 302
    assert versions() == before
    page = logged_in(ben).get(reverse("web:scope", args=[site_a.pk])).content.decode()
    assert reverse("web:scope_approve", args=[draft.pk]) in page and "Edit draft version 2" in page
    assert logged_in(ben).post(reverse("web:scope_approve", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "approved"


def test_the_scope_page_shows_who_did_what(draft, ann, site_a):
    services.discard_draft(draft, by=ann, reason="Merged into the site plan")
    page = logged_in(ann).get(reverse("web:scope", args=[site_a.pk])).content.decode()
    assert "by alice" in page and "discarded by ann" in page and "Merged into the site plan" in page
