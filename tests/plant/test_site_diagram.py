"""The zone diagram of real sites, laid out by the real `dot`: the demo operator's plant, scoping, a missing dot."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree
from django.test import Client
from django.urls import reverse

from otcsms.plant import graphviz, services
from otcsms.plant.models import Conduit, SystemUnderConsideration, Zone
from otcsms.tenancy.models import Site

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def groups(root) -> dict[str, object]:
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}


def top(group) -> float:
    """The y of the zone's first line of text (SVG y grows downwards)."""
    return float(next(group.iter(f"{SVG}text")).get("y"))


@pytest.fixture
def demo(db):
    from tests.demo_data import demo_operator

    demo_operator()


@pytest.mark.parametrize("code", ["riverside-wtp", "cedar-ridge-sub", "harbor-pkg"])
def test_demo_site_puts_the_enterprise_zone_above_the_control_zones_and_draws_everything(demo, code, caplog):
    site = Site.objects.get(code=code)
    graphviz._cache.clear()  # dot runs here, so its warnings (if any) are seen
    with caplog.at_level("WARNING", logger="otcsms.plant.graphviz"):
        root = ElementTree.fromstring(services.diagram_for(site))
    assert not caplog.records  # dot laid it out without a warning (a wrong lhead/ltail would give one)
    drawn = groups(root)
    zones = list(Zone.objects.filter(site=site))
    for zone in zones:
        group = drawn[f"zone-{zone.pk}"]
        assert group.find(f"{SVG}title").text == zone.name
        assert {a.get(f"{XLINK}href") for a in group.iter(f"{SVG}a")} == {f"/zones/{zone.pk}/"}
    for conduit in Conduit.objects.filter(site=site):
        links = {a.get(f"{XLINK}href") for a in drawn[f"conduit-{conduit.pk}"].iter(f"{SVG}a")}
        assert links == {f"/conduits/{conduit.pk}/"}
    enterprise = [z for z in zones if z.kind == "enterprise"]
    control = [z for z in zones if z.kind == "control"]
    dmz = [z for z in zones if z.kind == "dmz"]
    assert enterprise and control and dmz
    for upper in enterprise:
        for middle in dmz:
            assert top(drawn[f"zone-{upper.pk}"]) < top(drawn[f"zone-{middle.pk}"])
        for lower in control:
            assert top(drawn[f"zone-{upper.pk}"]) < top(drawn[f"zone-{lower.pk}"])
    for middle in dmz:
        for lower in control:
            assert top(drawn[f"zone-{middle.pk}"]) < top(drawn[f"zone-{lower.pk}"])


def test_demo_child_zones_are_drawn_inside_their_parent(demo):
    site = Site.objects.get(code="riverside-wtp")
    root = ElementTree.fromstring(services.diagram_for(site))
    drawn = groups(root)
    parent = Zone.objects.get(site=site, name="Process control")
    assert "cluster" in drawn[f"zone-{parent.pk}"].get("class").split()
    frame = [float(v) for point in drawn[f"zone-{parent.pk}"].iter(f"{SVG}path") for v in _xs(point)]
    for child in Zone.objects.filter(parent=parent):
        xs = [float(v) for shape in drawn[f"zone-{child.pk}"].iter(f"{SVG}path") for v in _xs(shape)]
        assert min(frame) < min(xs) and max(xs) < max(frame)
        assert top(drawn[f"zone-{parent.pk}"]) < top(drawn[f"zone-{child.pk}"])


def _xs(path) -> list[str]:
    """The x coordinates of a Graphviz path ("M x,y C x,y x,y ...")."""
    return [pair.split(",")[0] for pair in path.get("d").replace("M", " ").replace("C", " ").split()]


def test_diagram_page_and_download_are_the_same_svg(a_contributor, plant_a):
    client = logged_in(a_contributor)
    html = client.get(reverse("web:plant_diagram")).content.decode()
    download = client.get(f"/api/v1/sites/{plant_a.pk}/diagram.svg")
    assert download.status_code == 200 and download["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert download["Content-Disposition"] == 'inline; filename="plant-a-zones.svg"'
    svg = download.content.decode()
    assert svg.startswith("<svg") and svg in html
    assert "data-diagram-tools" in html and "plant/diagram.js" in html


def test_diagram_and_download_are_not_found_for_a_user_without_a_role_on_the_site(
    outsider, b_viewer, a_contributor, plant_a, zone_b
):
    page = f"{reverse('web:plant_diagram')}?site={plant_a.pk}"
    download = f"/api/v1/sites/{plant_a.pk}/diagram.svg"
    for user in (outsider, b_viewer):
        client = logged_in(user)
        assert client.get(page).status_code == 404
        response = client.get(download)
        assert response.status_code == 404 and b"Control" not in response.content
    client = logged_in(a_contributor)
    assert client.get(page).status_code == 200 and client.get(download).status_code == 200
    assert client.get(f"/api/v1/sites/{zone_b.site_id}/diagram.svg").status_code == 404
    assert "B Control" not in client.get(page).content.decode()
    anonymous = Client()
    assert anonymous.get(download).status_code == 401
    assert anonymous.get(page).status_code == 302


def test_without_dot_the_page_says_why_and_the_download_is_503(monkeypatch, tmp_path, a_contributor, plant_a):
    Zone.objects.create(site=plant_a, name="Never drawn before")  # a DOT source the layout cache has not seen
    monkeypatch.setenv("PATH", str(tmp_path))
    client = logged_in(a_contributor)
    response = client.get(reverse("web:plant_diagram"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="diagram-problem"' in html and "Graphviz is not installed on the server" in html
    assert "<svg" not in html and "Download SVG" not in html
    download = client.get(f"/api/v1/sites/{plant_a.pk}/diagram.svg")
    assert download.status_code == 503 and "Graphviz is not installed" in download.json()["detail"]
    system = SystemUnderConsideration.objects.create(site=plant_a, name="Treatment")
    system.zones.add(Zone.objects.get(name="Never drawn before"))
    detail = client.get(reverse("web:system_detail", args=[system.pk]))
    assert detail.status_code == 200 and "Graphviz is not installed" in detail.content.decode()


def test_system_diagram_draws_only_its_zones(a_contributor, plant_a):
    system = SystemUnderConsideration.objects.create(site=plant_a, name="Treatment")
    system.zones.add(*Zone.objects.filter(name__in=["Control", "Safety"]))
    html = logged_in(a_contributor).get(reverse("web:system_detail", args=[system.pk])).content.decode()
    assert "Control to Safety" in html and "DMZ to Control" not in html and "Plant DMZ" not in html
