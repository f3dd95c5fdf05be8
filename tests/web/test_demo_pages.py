"""Every page renders on the demo operator, for an org admin and for a single-site contributor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from otcsms.checks.models import Finding
from otcsms.core.models import AuditEvent, User
from otcsms.demo.operator import load_demo
from otcsms.links.models import ObjectLink
from otcsms.org.models import CsmsActivity, CsmsRole, Person, RoleAssignment
from otcsms.plant.models import Zone
from otcsms.tenancy.models import Site, SiteMembership


@pytest.fixture
def demo(db):
    from tests.demo_data import demo_operator

    return demo_operator()


def page_urls() -> list[str]:
    site = Site.objects.get(code="riverside-wtp")
    person = Person.objects.filter(site=site).first()
    urls = [reverse(n) for n in ("web:dashboard", "web:audit", "web:tokens")]
    for base, obj in [("site", site), ("person", person), ("csmsrole", CsmsRole.objects.first()),
                      ("csmsactivity", CsmsActivity.objects.first()),
                      ("roleassignment", RoleAssignment.objects.filter(site=site).first()),
                      ("membership", SiteMembership.objects.filter(site=site).first())]:  # fmt: skip
        urls += [reverse(f"web:{base}_list"), reverse(f"web:{base}_detail", args=[obj.pk])]
        urls.append(reverse("web:history", args=[obj._meta.label_lower, obj.pk]))
    urls += [reverse("web:raci", args=[site.pk]), reverse("web:scope", args=[site.pk])]
    finding = Finding.objects.filter(site=site).first()
    zone = Zone.objects.get(site=site, name="Chemical dosing")  # linked to a requirement by the demo
    urls += [reverse("web:finding_list"), reverse("web:finding_detail", args=[finding.pk]),
             reverse("web:zone_detail", args=[zone.pk])]  # fmt: skip
    return urls


def test_demo_loads_three_sectors_and_is_idempotent(demo):
    assert set(Site.objects.values_list("sector", flat=True)) == {
        "water",
        "electric-transmission",
        "manufacturing",
    }
    assert Site.objects.get(code="cedar-ridge-sub").nerc_impact == "medium"
    assert {"high", "medium"} <= set(Finding.objects.values_list("severity", flat=True))
    assert ObjectLink.objects.count() >= 2
    # A second run changes nothing, in any table of any app (asked here once for every app's demo step).
    # The only rows it adds are the record of its own check run per site, each with its audit event.
    before, last_event = row_counts(), AuditEvent.objects.order_by("-seq").values_list("seq", flat=True)[0]
    again = load_demo(password="demo-password-for-tests")
    assert not again.created
    after = row_counts()
    changed = {label: after[label] - n for label, n in before.items() if after[label] != n}
    assert changed == {"checks.CheckRun": Site.objects.count(), "core.AuditEvent": Site.objects.count()}
    new_events = AuditEvent.objects.filter(seq__gt=last_event).values_list("object_type", "action")
    assert set(new_events) == {("checks.checkrun", "create")}


def row_counts() -> dict[str, int]:
    from django.apps import apps
    from django.db import models

    return {model._meta.label: models.QuerySet(model).count() for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy}  # fmt: skip


@pytest.mark.parametrize("username", ["admin", "tom.baker", "audra.auditor"])
def test_every_page_renders(demo, username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    for url in page_urls():
        r = client.get(url)
        assert r.status_code == 200, f"{username} {url} -> {r.status_code}"


def test_edit_forms_render_for_admin(demo):
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    site = Site.objects.get(code="riverside-wtp")
    for name, obj in [("site", site), ("person", Person.objects.filter(site=site).first()),
                      ("roleassignment", RoleAssignment.objects.filter(site=site).first())]:  # fmt: skip
        for kind in ("edit", "delete"):
            assert client.get(reverse(f"web:{name}_{kind}", args=[obj.pk])).status_code == 200
        assert client.get(reverse(f"web:{name}_create")).status_code == 200
    assert client.get(reverse("web:scope_revise", args=[site.pk])).status_code == 200
    assert client.get(reverse("web:users")).status_code == 200
