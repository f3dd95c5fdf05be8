"""Organisation, sites and memberships moved from org to tenancy (issue 8): rows, history and scoping intact.

The upgrade test migrates the test database back to the migrations of the release before the move, writes
rows there with the models of that time, and migrates forward again: every row must come through unchanged,
behind the new models, and a site's history must show the events recorded under ``org.site`` before the move
together with those recorded under ``tenancy.site`` after it.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from otcsms.core import audit, scoping
from otcsms.core.audit import verify_chain
from otcsms.core.history import object_history
from otcsms.org.models import Person
from otcsms.plant.models import Zone
from otcsms.tenancy.models import Organisation, Site, SiteMembership

# The latest migration of each app touched by the move, as released before it (tenancy did not exist).
BEFORE_MOVE = [
    ("org", "0002_scope_lifecycle"),
    ("plant", "0001_initial"),
    ("assessments", "0002_assessment_completed_by"),
    ("tenancy", None),
]


def migrate(targets: list[tuple[str, str | None]] | None = None):
    """Migrate the test database to ``targets`` (None: every app's latest); the state's apps at the end."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()  # the applied set changed: read it again for the state below
    state_nodes = [node for node in targets if node[1] is not None]
    return executor.loader.project_state(
        [*state_nodes, ("contenttypes", "0002_remove_content_type_name")]
    ).apps


def record_before_move(site_pk: int, name: str) -> None:
    """An event as the release before the move recorded it: object type ``org.site``."""
    with transaction.atomic():
        audit.append_event(
            object_type="org.site", object_id=str(site_pk), object_repr=name, site_id=site_pk,
            action="create", before=None, after={"name": name},
        )  # fmt: skip


@pytest.fixture
def before_the_move(transactional_db):
    """The test database as the release before the move left it; forward again afterwards, whatever happens."""
    try:
        yield migrate(BEFORE_MOVE)
    finally:
        migrate()


def test_upgrade_keeps_every_row_and_the_history_before_the_move(before_the_move):
    old = before_the_move
    site_type_id = old.get_model("contenttypes", "ContentType").objects.get(app_label="org", model="site").pk
    old_org = old.get_model("org", "Organisation").objects.create(name="Utility")
    old_site = old.get_model("org", "Site").objects.create(
        organisation=old_org, name="Riverside", code="riverside", sector="water", nerc_impact="low"
    )
    user = old.get_model("core", "User").objects.create(username="ann", is_org_admin=True)
    old.get_model("org", "SiteMembership").objects.create(user=user, site=old_site, role="auditor")
    old.get_model("org", "Person").objects.create(organisation=old_org, site=old_site, name="Ben")
    old.get_model("plant", "Zone").objects.create(site=old_site, name="Control")
    record_before_move(old_site.pk, "Riverside")

    migrate()

    site = Site.objects.get(pk=old_site.pk)
    assert (site.name, site.code, site.sector, site.nerc_impact) == ("Riverside", "riverside", "water", "low")
    assert site.organisation == Organisation.objects.get(pk=old_org.pk)
    membership = SiteMembership.objects.get(site=site)
    assert (membership.user.username, membership.role) == ("ann", "auditor")
    assert Person.objects.get(name="Ben").site == site
    assert Zone.objects.get(name="Control").site == site
    assert ContentType.objects.get_for_model(Site).pk == site_type_id  # the same row, relabelled

    site.location = "Upstream"
    site.save()
    history = list(object_history(membership.user, site))
    assert [(e.object_type, e.action) for e in history] == [
        ("tenancy.site", "update"),
        ("org.site", "create"),
    ]
    assert verify_chain().ok


def test_history_of_a_site_shows_events_from_before_and_after_the_move(org_admin, site_a, api):
    record_before_move(site_a.pk, site_a.name)
    site_a.location = "North"
    site_a.save()
    expected = [("tenancy.site", "update"), ("org.site", "create"), ("tenancy.site", "create")]

    assert [(e.object_type, e.action) for e in object_history(org_admin, site_a)] == expected
    client = api(org_admin)
    items = client.get(f"/sites/{site_a.pk}/history").json()["items"]
    assert [(e["object_type"], e["action"]) for e in items] == expected
    for label in ("org.site", "tenancy.site"):  # either name finds all of them
        found = client.get("/audit/events", object_type=label, object_id=str(site_a.pk)).json()["items"]
        assert [(e["object_type"], e["action"]) for e in found] == expected


def test_pages_follow_a_former_label(client, org_admin, site_a):
    record_before_move(site_a.pk, site_a.name)
    client.force_login(org_admin)
    # Links in older events carry the former label: they still lead to the object's history.
    page = client.get(reverse("web:history", args=["org.site", site_a.pk])).content.decode()
    assert page.count("org.site") >= 1 and "tenancy.site" in page
    audit_page = client.get(reverse("web:audit"), {"type": "tenancy.site"}).content.decode()
    assert "org.site" in audit_page


def test_scoping_reads_tenancys_memberships():
    assert scoping.membership_model() is SiteMembership
    assert Site._meta.db_table == "org_site" and Site._meta.label_lower == "tenancy.site"
