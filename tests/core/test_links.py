"""Object links through the API and the object pages: one site, visible ends, the kinds that may point at
organisation-wide requirements, and a deleted record taking its links with it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.catalogs.models import Framework, Requirement
from otcsms.core.models import AuditEvent
from otcsms.links.models import ObjectLink
from otcsms.plant.models import Asset, Zone
from tests.conftest import audit_count


@pytest.fixture
def plant(site_a, site_b):
    return {
        "zone": Zone.objects.create(site=site_a, name="Control", sl_t=2, sl_t_reason="why"),
        "asset": Asset.objects.create(site=site_a, name="PLC-1"),
        "foreign": Zone.objects.create(site=site_b, name="Station bus"),
    }


@pytest.fixture
def requirement(db):
    framework = Framework.objects.create(key="iec62443-3-3", version="1", name="3-3", edition="1", publisher="t",
                                         licence="t", origin="shipped", content_hash="t")  # fmt: skip
    return Requirement.objects.create(framework=framework, ref="SR 5.1", title="Segmentation", assessable=True,
                                      kind="SR")  # fmt: skip


def body(site, source, target, kind="relates-to", **extra) -> dict:
    return {"site_id": site.pk, "source_type": source._meta.label_lower, "source_id": source.pk,
            "target_type": target._meta.label_lower, "target_id": target.pk, "kind": kind, **extra}  # fmt: skip


def test_contributor_links_two_records_and_lists_them_by_either_end(api, a_contributor, site_a, plant):
    client = api(a_contributor)
    r = client.post("/links", body(site_a, plant["asset"], plant["zone"], note="in the control cabinet"))
    assert r.status_code == 201, r.content
    link = r.json()
    assert (link["source_type"], link["target_type"], link["target_repr"]) == (
        "plant.asset",
        "plant.zone",
        "Control",
    )
    from_asset = client.get("/links", source_type="plant.asset", source_id=plant["asset"].pk).json()
    to_zone = client.get("/links", target_type="plant.zone", target_id=plant["zone"].pk).json()
    assert [i["id"] for i in from_asset["items"]] == [i["id"] for i in to_zone["items"]] == [link["id"]]
    assert client.get("/links", source_type="plant.zone", source_id=plant["asset"].pk).json()["count"] == 0
    event = AuditEvent.objects.get(object_type="links.objectlink", object_id=str(link["id"]))
    assert (event.action, event.actor_kind, event.actor_user_id) == ("create", "token", a_contributor.pk)


def test_links_never_join_two_sites_nor_reach_what_the_caller_cannot_see(api, org_admin, a_contributor, site_a,
                                                                         plant):  # fmt: skip
    alice, olivia = api(a_contributor), api(org_admin)
    before = audit_count()
    # alice cannot see site B: its zone is "not found", whether or not it exists
    r = alice.post("/links", body(site_a, plant["asset"], plant["foreign"]))
    assert r.status_code == 422 and "no zone with id" in r.json()["detail"]
    # an org admin sees both, and is refused for the reason itself
    r = olivia.post("/links", body(site_a, plant["asset"], plant["foreign"]))
    assert r.status_code == 422 and "another site" in r.json()["detail"]
    r = olivia.post("/links", body(site_a, plant["foreign"], plant["asset"]))
    assert r.status_code == 422 and "another site" in r.json()["detail"]
    r = alice.post("/links", body(site_a, plant["zone"], plant["zone"]))
    assert r.status_code == 422 and "itself" in r.json()["detail"]
    assert audit_count() == before


def test_requirements_are_targets_of_evidence_and_relates_to_only(
    api, a_contributor, site_a, plant, requirement
):
    client = api(a_contributor)
    assert client.post("/links", body(site_a, plant["zone"], requirement, kind="evidence")).status_code == 201
    r = client.post("/links", body(site_a, plant["zone"], requirement, kind="journal"))
    assert r.status_code == 422 and "organisation-wide" in r.json()["detail"]
    # and a requirement never starts a link: links belong to the site of their source
    r = client.post("/links", body(site_a, requirement, plant["zone"]))
    assert r.status_code == 422 and "record of a site" in r.json()["detail"]
    again = client.post("/links", body(site_a, plant["zone"], requirement, kind="evidence"))
    assert again.status_code == 409 and "already linked" in again.json()["detail"]


@pytest.mark.parametrize(
    "change",
    [
        {"source_type": "../../etc/passwd"},
        {"source_type": "core.user"},
        {"target_type": "core.apitoken"},
        {"target_type": "nosuch.model"},
        {"kind": "owns"},
        {"note": "a\u202eb"},
        {"note": "x" * 501},
        {"target_id": 2**63},
        {"extra": 1},
    ],
)
def test_hostile_link_input_is_refused_with_a_reason(api, a_contributor, site_a, plant, change):
    client = api(a_contributor)
    before = audit_count()
    r = client.post("/links", {**body(site_a, plant["asset"], plant["zone"]), **change})
    assert r.status_code == 422 and r.json()["detail"]
    assert audit_count() == before


def test_viewers_cannot_link_and_outsiders_see_nothing(api, a_contributor, b_viewer, outsider, site_a, site_b,
                                                       plant):  # fmt: skip
    link = api(a_contributor).post("/links", body(site_a, plant["asset"], plant["zone"])).json()
    other = Zone.objects.create(site=site_b, name="Other")
    r = api(b_viewer).post("/links", body(site_b, plant["foreign"], other))
    assert r.status_code == 403
    for user in (b_viewer, outsider):
        assert api(user).get("/links").json()["count"] == 0
        assert api(user).get(f"/links/{link['id']}").status_code == 404


def test_a_deleted_record_takes_its_links_with_it_in_the_trail(api, a_contributor, site_a, plant):
    link = api(a_contributor).post("/links", body(site_a, plant["asset"], plant["zone"])).json()
    asset_id = plant["asset"].pk
    plant["asset"].delete()
    assert not ObjectLink.objects.filter(pk=link["id"]).exists()
    event = AuditEvent.objects.filter(object_type="links.objectlink", object_id=str(link["id"])).first()
    assert event.action == "delete" and event.payload["reason"] == f"plant.asset {asset_id} was deleted"


def test_the_note_changes_and_removal_keeps_the_reason(api, a_contributor, site_a, plant):
    client = api(a_contributor)
    link = client.post("/links", body(site_a, plant["asset"], plant["zone"])).json()
    assert (
        client.patch(f"/links/{link['id']}", {"note": "moved to cabinet 4"}).json()["note"]
        == "moved to cabinet 4"
    )
    assert client.patch(f"/links/{link['id']}", {"kind": "journal"}).status_code == 422
    assert client.delete(f"/links/{link['id']}", reason="wrong asset").status_code == 204
    event = AuditEvent.objects.filter(object_type="links.objectlink", object_id=str(link["id"])).first()
    assert (event.action, event.payload["reason"]) == ("delete", "wrong asset")


# --- the panel on object pages ----------------------------------------------------------------------


def test_object_pages_show_links_and_findings_and_link_by_name(
    a_contributor, b_viewer, site_a, plant, requirement
):
    from otcsms.checks.engine import run_checks

    Zone.objects.create(site=site_a, name="No reason", sl_t=3)
    run_checks(site_a)
    client = Client()
    client.force_login(a_contributor)
    zone_page = reverse("web:zone_detail", args=[plant["zone"].pk])
    r = client.post(reverse("web:link_add"), {
        "source_type": "plant.zone", "source_id": plant["zone"].pk, "kind": "evidence",
        "target_type": "catalogs.requirement", "target": "sr 5.1", "note": "segmentation drawing", "next": zone_page,
    })  # fmt: skip
    assert r.status_code == 302 and r["Location"] == zone_page
    link = ObjectLink.objects.get()
    assert (link.target_id, link.created_by) == (requirement.pk, a_contributor)
    page = client.get(zone_page).content.decode()
    assert "segmentation drawing" in page and "Link this record" in page
    # the requirement's page shows the evidence linked to it
    assert (
        "segmentation drawing"
        in client.get(reverse("web:requirement_detail", args=[requirement.pk])).content.decode()
    )
    # the zone without a reason shows its open finding on its own page
    no_reason = Zone.objects.get(name="No reason")
    assert (
        "no reason recorded" in client.get(reverse("web:zone_detail", args=[no_reason.pk])).content.decode()
    )
    # a name on another site, or nothing at all, is refused with the reason and links nothing
    r = client.post(reverse("web:link_add"), {
        "source_type": "plant.zone", "source_id": plant["zone"].pk, "kind": "relates-to",
        "target_type": "plant.zone", "target": "Station bus", "next": zone_page,
    }, follow=True)  # fmt: skip
    assert "Not linked" in r.content.decode() and ObjectLink.objects.count() == 1
    r = client.post(reverse("web:link_remove", args=[link.pk]), {"reason": "superseded", "next": zone_page})
    assert r.status_code == 302 and not ObjectLink.objects.exists()


def test_viewers_get_no_link_form_and_cannot_post_one(b_viewer, site_b):
    zone = Zone.objects.create(site=site_b, name="Bus")
    other = Zone.objects.create(site=site_b, name="Yard")
    client = Client()
    client.force_login(b_viewer)
    assert "Link this record" not in client.get(reverse("web:zone_detail", args=[zone.pk])).content.decode()
    r = client.post(reverse("web:link_add"), {"source_type": "plant.zone", "source_id": zone.pk, "kind": "journal",
                                              "target_type": "plant.zone", "target": str(other.pk)})  # fmt: skip
    assert r.status_code == 403 and not ObjectLink.objects.exists()
