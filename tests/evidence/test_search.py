"""Full-text search: the database's own index (SQLite FTS5 or PostgreSQL tsvector), ranked, scoped to the
user's sites in the query, and the substring fallback where there is no index."""

from __future__ import annotations

import pytest
from django.db import connection

from otcsms.evidence import fulltext, services
from otcsms.evidence.search import index_available, search_documents

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(site_a, site_b, a_contributor, org_admin):
    make = services.create_document
    firewall = make(site_id=site_a.pk, kind="policy", title="Firewall management policy", tags="network, sr-5.1",
                    by=a_contributor)  # fmt: skip
    backup = make(site_id=site_a.pk, kind="procedure", title="Backup procedure",
                  description="Restoring the historian after a ransomware incident.", by=a_contributor)  # fmt: skip
    ruleset = make(site_id=site_a.pk, kind="configuration", title="Edge router export", by=a_contributor)
    services.upload_version(ruleset, [b"! deny all inbound\naccess-list 101 permit tcp any host 10.0.0.5\n"
                                      b"firewalls between the levels drop Modbus writes\n"],
                            file_name="router.cfg", change_summary="quarterly export", by=a_contributor)  # fmt: skip
    other = make(site_id=site_b.pk, kind="policy", title="Firewall policy of the other plant", by=org_admin)
    return {"firewall": firewall, "backup": backup, "ruleset": ruleset, "other": other}


def test_the_index_exists_on_this_database():
    assert index_available()
    if connection.vendor == "sqlite":  # a table rebuild by a later migration would drop them silently
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'evidence_fts_%'"
            )
            assert {row[0] for row in cursor.fetchall()} == set(fulltext.SQLITE_TRIGGERS)


def test_search_is_ranked_stemmed_and_covers_titles_text_and_descriptions(library, a_contributor):
    hits = search_documents(a_contributor, "firewall")
    ids = [h.document.pk for h in hits]
    # the title match ranks above the match in a version's text ("firewalls", stemmed); site B is not seen
    assert ids == [library["firewall"].pk, library["ruleset"].pk]
    assert hits[0].rank > hits[1].rank > 0
    text_hit = hits[1]
    assert text_hit.version is not None and "firewalls" in text_hit.snippet.lower()
    assert [h.document.pk for h in search_documents(a_contributor, "ransomware historian")] == [
        library["backup"].pk
    ]
    assert [h.document.pk for h in search_documents(a_contributor, "quarterly")] == [library["ruleset"].pk]
    assert search_documents(a_contributor, "firewall ransomware") == []  # every word must match


def test_edits_reach_the_index(library, a_contributor):
    services.update_document(
        library["backup"], title="Backup and restore procedure", tags="recovery", by=a_contributor
    )
    assert [h.document.pk for h in search_documents(a_contributor, "recovery")] == [library["backup"].pk]
    assert [h.document.pk for h in search_documents(a_contributor, "restore")] == [library["backup"].pk]


def test_site_scoping_is_part_of_the_query(library, a_contributor, b_viewer, org_admin, outsider, site_a):
    assert [h.document.pk for h in search_documents(b_viewer, "firewall")] == [library["other"].pk]
    assert search_documents(outsider, "firewall") == []
    assert {h.document.pk for h in search_documents(org_admin, "firewall")} == {
        library["firewall"].pk, library["ruleset"].pk, library["other"].pk}  # fmt: skip
    narrowed = search_documents(org_admin, "firewall", site_id=site_a.pk)
    assert {h.document.pk for h in narrowed} == {library["firewall"].pk, library["ruleset"].pk}
    # the limit applies after scoping: a user of one site gets their hits even when others have more
    for n in range(5):
        services.create_document(site_id=library["other"].site_id, kind="record", title=f"Firewall log {n}",
                                 by=org_admin)  # fmt: skip
    assert [h.document.pk for h in search_documents(a_contributor, "firewall", limit=2)] == [
        library["firewall"].pk, library["ruleset"].pk]  # fmt: skip


def test_hostile_queries_are_words_not_syntax(library, a_contributor):
    for query in ['"', "firewall OR backup", "NEAR(firewall backup)", "title:firewall", "fire*", "'; DROP TABLE x; --",
                  "-firewall", "(", "\x00", "firewall" * 100]:  # fmt: skip
        search_documents(a_contributor, query)  # never an error
    assert [h.document.pk for h in search_documents(a_contributor, "management:firewall")] == [
        library["firewall"].pk
    ]


def test_api_search_and_list_filter(api, library, a_contributor, b_viewer):
    hits = api(a_contributor).get("/document-search", q="firewall").json()
    assert [h["id"] for h in hits] == [library["firewall"].pk, library["ruleset"].pk]
    assert hits[1]["version_id"] is not None and hits[0]["rank"] >= hits[1]["rank"]
    listed = api(a_contributor).get("/documents", q="firewalls").json()
    assert {d["id"] for d in listed["items"]} == {library["firewall"].pk, library["ruleset"].pk}
    assert api(b_viewer).get("/documents", q="ransomware").json()["items"] == []
    assert api(a_contributor).get("/document-search", q="x" * 201).status_code == 422


def test_the_documents_page_searches_with_the_index(client, library, a_contributor):
    client.force_login(a_contributor)
    page = client.get("/documents/", {"q": "firewalls"}).content.decode()
    assert "Firewall management policy" in page and "Edge router export" in page
    assert "Backup procedure" not in page and "other plant" not in page
    assert 'name="q"' in page


def test_without_the_index_search_falls_back_to_substrings(library, a_contributor):
    from django.db import transaction

    with transaction.atomic():  # the removal is rolled back with the test's transaction
        removal = fulltext.SQLITE_REMOVE if connection.vendor == "sqlite" else fulltext.POSTGRESQL_REMOVE
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # the deferred foreign key checks of the fixtures run now
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in removal:
                cursor.execute(statement)
        assert not index_available()
        hits = search_documents(a_contributor, "firewall")
        # substring matching: no stemming needed for "firewalls" in the text; newest first
        assert {h.document.pk for h in hits} == {library["firewall"].pk, library["ruleset"].pk}
        assert all(h.rank == 0.0 for h in hits)
        assert search_documents(a_contributor, "ransomware historian") == []  # the phrase, not the words
        assert [h.document.pk for h in search_documents(a_contributor, "historian after")] == [
            library["backup"].pk
        ]
        transaction.set_rollback(True)
    assert index_available()


def test_a_query_without_words_uses_the_fallback(library, a_contributor):
    assert search_documents(a_contributor, "!!!") == []
    assert search_documents(a_contributor, "   ") == []
