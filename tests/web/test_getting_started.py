"""The dashboard of a new instance: the getting-started checklist ticks itself off from the data, and the
recent changes show what people did (the system's housekeeping one click away, fields by their labels)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.assessments.models import Assessment, Response
from otcsms.core.actor import Actor, acting_as, cli_actor, system_actor
from otcsms.plant.models import Asset, Zone
from otcsms.tenancy.defaults import DEFAULT_ORGANISATION_NAME
from otcsms.tenancy.models import Organisation, Site
from otcsms.web.onboarding import checklist_for
from tests.conftest import make_user

STEPS = ["organisation", "sites", "plant", "sl_t", "assessment", "answers", "roadmap"]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dashboard(client: Client, **params) -> str:
    response = client.get(reverse("web:dashboard"), params)
    assert response.status_code == 200
    return response.content.decode()


def steps(html: str) -> dict[str, bool]:
    """Each step of the checklist on the page and whether it is ticked."""
    return {key: done == "true" for key, done in re.findall(r'id="step-(\w+)" data-done="(\w+)"', html)}


def step_links(html: str) -> list[str]:
    block = re.search(r'<section class="card checklist.*?</section>', html, re.S).group(0)
    return re.findall(r'href="([^"]+)"', block)


@pytest.fixture
def empty_instance(db):
    """What `otcsms init` leaves: an organisation not yet named, its first admin, nothing else."""
    Organisation.objects.create(name=DEFAULT_ORGANISATION_NAME)
    return make_user("root", org_admin=True)


def test_an_empty_instance_shows_every_step_to_do_and_no_dead_link(empty_instance):
    client = logged_in(empty_instance)
    html = dashboard(client)
    assert steps(html) == dict.fromkeys(STEPS, False)
    assert "0 of 6 done" in html
    assert "coming" in re.search(r'id="step-roadmap".*?</li>', html, re.S).group(0)
    for url in step_links(html):
        assert client.get(url).status_code == 200, url
    assert "Ask an organisation admin" not in html and "Create the first site" in html


def test_the_checklist_ticks_itself_off_as_the_data_appears(empty_instance, library):
    client = logged_in(empty_instance)
    organisation = Organisation.objects.get()
    client.post(reverse("web:organisation_edit"), {"name": "Tri-County Water", "description": ""})
    assert Organisation.objects.get().name == "Tri-County Water"
    assert steps(dashboard(client))["organisation"] is True

    site = Site.objects.create(organisation=organisation, name="North WTP", code="north-wtp", sector="water")
    zone = Zone.objects.create(site=site, name="Control")
    assert steps(dashboard(client))["sites"] is True and steps(dashboard(client))["plant"] is False
    Asset.objects.create(site=site, name="PLC-101", zone=zone)
    html = dashboard(client)
    assert steps(html)["plant"] is True and steps(html)["sl_t"] is False
    assert f'href="{reverse("web:zone_edit", args=[zone.pk])}">Set the SL-T of Control' in html

    zone.sl_t = 2
    zone.save()
    assessment = Assessment.objects.create(site=site, framework=library["sr"], name="Baseline")
    html = dashboard(client)
    assert (
        steps(html)["sl_t"] is True and steps(html)["assessment"] is True and steps(html)["answers"] is False
    )
    assert f'href="{reverse("web:assessment_answer", args=[assessment.pk])}"' in html

    requirement = library["sr"].requirements.get(ref="SR 1.1")
    Response.objects.create(
        site=site, assessment=assessment, requirement=requirement, zone=zone, status="not_met"
    )
    html = dashboard(client)
    assert steps(html) == dict.fromkeys(STEPS, True) | {"roadmap": False}
    assert "1 answers, 1 gap." in html and "6 of 6 done" in html

    # complete: it may be hidden, and comes back when a step comes undone
    assert client.post(reverse("web:checklist_hide")).status_code == 302
    assert 'id="getting-started"' not in dashboard(client)
    Zone.objects.create(site=site, name="DMZ")
    assert steps(dashboard(client))["sl_t"] is False


def test_it_cannot_be_hidden_before_it_is_complete(empty_instance):
    client = logged_in(empty_instance)
    r = client.post(reverse("web:checklist_hide"))
    assert r.status_code == 409 and "once every step is done" in r.content.decode()
    assert "otcsms_checklist_hidden" not in client.session
    assert 'id="getting-started"' in dashboard(client)


def test_a_hidden_checklist_can_be_shown_again(empty_instance, monkeypatch):
    client = logged_in(empty_instance)
    monkeypatch.setattr("otcsms.web.onboarding.Checklist.complete", property(lambda self: True))
    client.post(reverse("web:checklist_hide"))
    html = dashboard(client)
    assert 'id="getting-started"' not in html and "Show the getting-started checklist" in html
    assert 'id="getting-started"' in dashboard(client, checklist="show")


def test_a_site_admin_gets_the_site_steps_of_their_sites(site_a, site_b):
    admin = make_user("sam", roles={site_a: "site-admin", site_b: "viewer"})
    Zone.objects.create(site=site_b, name="B Control", sl_t=1)
    checklist = checklist_for(admin)
    assert [step.key for step in checklist.steps] == STEPS[2:]
    sl_t = next(step for step in checklist.steps if step.key == "sl_t")
    # site B's zone is not theirs to set: for them there is no zone yet
    assert sl_t.done is False and sl_t.detail == "Each zone needs its SL-T (FR1..FR7) and the reason for it."
    Zone.objects.create(site=site_a, name="A Control", sl_t=2)
    assert next(s for s in checklist_for(admin).steps if s.key == "sl_t").detail == (
        "1 of 1 zones have a target security level."
    )


def test_contributors_viewers_and_outsiders_get_no_checklist(a_contributor, b_viewer, outsider):
    for user in (a_contributor, b_viewer, outsider):
        assert checklist_for(user) is None
        assert 'id="getting-started"' not in dashboard(logged_in(user))
    assert "Ask an organisation admin" in dashboard(logged_in(outsider))


def test_only_org_admins_name_the_organisation(org_admin, a_contributor):
    r = logged_in(a_contributor).post(reverse("web:organisation_edit"), {"name": "Mine now"})
    assert r.status_code == 403 and Organisation.objects.get().name == "Test Utility"
    r = logged_in(org_admin).post(reverse("web:organisation_edit"), {"name": "bad\u202ename"})
    assert r.status_code == 200 and "bidirectional" in str(r.context["form"].errors["name"])
    assert Organisation.objects.get().name == "Test Utility"


# ------------------------------------------------------------------------------------------- recent changes


def test_system_events_are_hidden_from_recent_changes_until_asked_for(empty_instance):
    with acting_as(system_actor("shipped library", on_behalf_of=cli_actor())):
        for n in range(12):
            Site.objects.create(
                organisation=Organisation.objects.get(), name=f"Library row {n}", code=f"lib-{n}"
            )
    with acting_as(Actor(kind="user", label="root", user_id=empty_instance.pk)):
        Site.objects.create(organisation=Organisation.objects.get(), name="North WTP", code="north-wtp")
    client = logged_in(empty_instance)
    html = dashboard(client)
    recent = html[html.index("Recent changes") :]
    assert "North WTP" in recent and "Library row" not in recent
    assert f'href="{reverse("web:dashboard")}?events=all"' in recent
    recent = dashboard(client, events="all")
    assert "Library row 11" in recent and "system:shipped library (cli:" in recent
    assert "Hide system events" in recent


def test_recent_changes_name_fields_by_their_labels(empty_instance):
    with acting_as(Actor(kind="user", label="root", user_id=empty_instance.pk)):
        Site.objects.create(organisation=Organisation.objects.get(), name="Grid", code="grid", nerc_impact="medium",
                            nerc_registration="NCR01234")  # fmt: skip
    html = dashboard(logged_in(empty_instance))
    recent = html[html.index("Recent changes") :]
    assert '<span class="field" title="nerc_impact">NERC impact</span>' in recent
    assert '<span class="field" title="nerc_registration">NERC registration</span>' in recent
    assert '<span class="field" title="organisation_id">Organisation</span>' in recent
    assert '<span class="muted" title="tenancy.site">site</span>' in recent
    assert "<code>nerc_impact</code>" not in recent
