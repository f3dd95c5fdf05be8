"""A site's page lists what the site holds: its zones, assets and gap assessments, as the reader may see them."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.assessments.models import Assessment
from otcsms.org.views import site_sections
from otcsms.plant.models import Asset, Zone
from otcsms.ui.site_sections import SHOWN


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def holdings(site_a, site_b, library):
    control = Zone.objects.create(site=site_a, name="Control", sl_t=2)
    Zone.objects.create(site=site_b, name="B Zone")
    Asset.objects.create(site=site_a, name="PLC-101", zone=control)
    Asset.objects.create(site=site_b, name="B RTU")
    assessment = Assessment.objects.create(site=site_a, framework=library["sr"], name="Baseline 2025")
    Assessment.objects.create(site=site_b, framework=library["sr"], name="B Baseline")
    return {"zone": control, "assessment": assessment}


def section(html: str, title: str) -> str:
    found = re.search(
        rf'<section class="card site-section" id="site-section-{title}">(.*?)</section>', html, re.S
    )
    assert found, title
    return found.group(1)


def test_the_site_page_lists_its_zones_assets_and_assessments(a_contributor, site_a, holdings):
    html = logged_in(a_contributor).get(reverse("web:site_detail", args=[site_a.pk])).content.decode()
    zones = section(html, "zones")
    assert '<span class="count">1</span>' in zones and "SL-T 2" in zones
    assert f'href="{reverse("web:zone_detail", args=[holdings["zone"].pk])}"' in zones
    assert f'href="{reverse("web:zone_create")}?site={site_a.pk}">Add' in zones
    assert f'href="{reverse("web:zone_list")}?site={site_a.pk}"' in zones
    assets = section(html, "assets")
    assert "PLC-101" in assets and "Control" in assets and "B RTU" not in assets
    assessments = section(html, "gap-assessments")
    assert "Baseline 2025" in assessments and "B Baseline" not in assessments and "In progress" in assessments
    assert f'href="{reverse("web:assessment_detail", args=[holdings["assessment"].pk])}"' in assessments


def test_readers_see_the_lists_without_add_buttons(auditor, site_a, holdings):
    html = logged_in(auditor).get(reverse("web:site_detail", args=[site_a.pk])).content.decode()
    for title in ("zones", "assets", "gap-assessments"):
        assert ">Add</a>" not in section(html, title)
    assert "PLC-101" in html


def test_the_sections_are_empty_but_helpful_on_a_new_site(org_admin, site_b):
    html = logged_in(org_admin).get(reverse("web:site_detail", args=[site_b.pk])).content.decode()
    assert "No zones yet: import them from a template" in section(html, "zones")


def test_a_long_list_shows_the_first_rows_and_links_to_all(a_contributor, site_a, db):
    for n in range(SHOWN + 3):
        Zone.objects.create(site=site_a, name=f"Zone {n:02}")
    (zones,) = [s for s in site_sections(a_contributor, site_a) if s.title == "Zones"]
    assert (zones.count, len(zones.items), zones.more) == (SHOWN + 3, SHOWN, 3)
    html = logged_in(a_contributor).get(reverse("web:site_detail", args=[site_a.pk])).content.decode()
    assert f"All {SHOWN + 3} zones" in section(html, "zones")


def test_a_list_narrowed_to_a_site_never_shows_another_sites_rows(a_contributor, b_viewer, site_a, holdings):
    html = logged_in(a_contributor).get(reverse("web:zone_list"), {"site": site_a.pk}).content.decode()
    assert "Control" in html and "B Zone" not in html
    assert '<span class="muted">at Plant A</span>' in html and f'name="site" value="{site_a.pk}"' in html
    # someone without a role at site A asking for its list gets nothing of it
    html = logged_in(b_viewer).get(reverse("web:zone_list"), {"site": site_a.pk}).content.decode()
    assert ">Control<" not in html and "B Zone" not in html and "Plant A" not in html
    html = logged_in(b_viewer).get(reverse("web:assessment_list"), {"site": site_a.pk}).content.decode()
    assert "Baseline 2025" not in html


def test_the_site_page_of_another_site_is_not_found(b_viewer, site_a, holdings):
    assert logged_in(b_viewer).get(reverse("web:site_detail", args=[site_a.pk])).status_code == 404
