"""The review queue: what the shipped catalogs and crosswalks carry without having been checked, and where an
imported copy of a standard disagrees with the shipped catalog (API and pages)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from otcsms.catalogs.libformat import framework_to_document
from otcsms.catalogs.loader import import_library_bytes
from otcsms.catalogs.models import Framework, Mapping, MappingSet
from tests.catalogs.conftest import row_counts

DOUBTFUL = {"SR 2.5", "SR 2.11", "SR 2.11 RE 1", "SR 5.4", "SR 5.2 RE 3"}


def current(key: str) -> Framework:
    return Framework.objects.get(key=key, is_current=True)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_shipped_rows_say_whether_they_were_checked(shipped):
    by_id = {ms.id: ms for ms in shipped.mapping_sets}
    transcribed = by_id["nist-csf-1-1_to_iec62443-3-3"].mappings
    assert transcribed and all(m.verified and "NIST CSF 1.1" in m.reviewer for m in transcribed)
    inferred = by_id["iec62443-3-3_to_nist-sp800-53r5"].mappings  # co-citation: an inference
    assert inferred and not any(m.verified or m.reviewer for m in inferred)
    sl_rows = {r.id: r for r in next(f for f in shipped.frameworks if f.id == "iec62443-3-3").requirements}
    for ref in DOUBTFUL:
        assert not sl_rows[ref].provenance.verified and sl_rows[ref].provenance.note.startswith("doubtful"), (
            ref
        )


def test_review_queue_lists_doubtful_cells_first_and_unverified_mappings(mini_library, api, b_viewer):
    fw = current("iec62443-3-3")
    client = api(b_viewer)
    cells = client.get(f"/frameworks/{fw.pk}/review/requirements?limit=500").json()
    refs = [row["ref"] for row in cells["items"]]
    assert set(refs[: len(DOUBTFUL)]) == DOUBTFUL and all(row["doubtful"] for row in cells["items"][:5])
    assert not any(row["doubtful"] for row in cells["items"][5:]) and cells["count"] > len(DOUBTFUL)
    assert all(row["provenance"]["verified"] is False for row in cells["items"])

    rows = client.get(f"/frameworks/{fw.pk}/review/mappings?limit=500").json()
    expected = Mapping.objects.filter(
        verified=False, mapping_set__is_current=True, source__framework=fw
    ).count()
    expected += Mapping.objects.filter(
        verified=False, mapping_set__is_current=True, target__framework=fw
    ).count()
    assert rows["count"] == expected > 0
    assert all(not row["verified"] for row in rows["items"])
    csf = MappingSet.objects.get(key="nist-csf-1-1_to_iec62443-3-3", is_current=True)
    assert csf.mappings.exists() and not csf.mappings.filter(verified=False).exists()  # transcribed: verified

    nerc = MappingSet.objects.get(key="iec62443-3-3_to_nerc-cip", is_current=True)
    only = client.get(f"/frameworks/{fw.pk}/review/mappings?mapping_set={nerc.pk}&q=SR 1.3").json()
    assert only["count"] and {r["mapping_set"]["id"] for r in only["items"]} == {nerc.pk}
    assert all("SR 1.3" in r["source"] for r in only["items"])
    assert only["items"][0]["source_framework"] == "iec62443-3-3" and only["items"][0]["rationale"]


@pytest.mark.parametrize(
    "query", ["mapping_set=0", "mapping_set=abc", "mapping_set=99999999999999999999", "q=" + "x" * 201]
)
def test_review_queue_refuses_bad_filters(mini_library, api, b_viewer, query):
    fw = current("iec62443-3-3")
    r = api(b_viewer).get(f"/frameworks/{fw.pk}/review/mappings?{query}")
    assert r.status_code == 422 and r.json()["detail"]


def test_requirement_api_and_page_say_which_mappings_are_verified(mini_library, api, b_viewer):
    fw = current("iec62443-3-3")
    req = fw.requirements.get(ref="SR 1.1")
    mappings = api(b_viewer).get(f"/requirements/{req.pk}").json()["mappings"]
    by_set = {(m["mapping_set"]["key"], m["verified"]) for m in mappings}
    assert ("nist-csf-1-1_to_iec62443-3-3", True) in by_set and ("iec62443-3-3_to_nerc-cip", False) in by_set
    assert all(m["reviewer"] for m in mappings if m["verified"])
    html = logged_in(b_viewer).get(f"/requirements/{req.pk}/").content.decode()
    assert ">verified</span>" in html and ">unverified</span>" in html


def test_review_page_and_framework_page(mini_library, b_viewer):
    fw = current("iec62443-3-3")
    client = logged_in(b_viewer)
    detail = client.get(f"/frameworks/{fw.pk}/").content.decode()
    assert f'href="/frameworks/{fw.pk}/review/"' in detail and "5 doubtful" in detail
    html = client.get(f"/frameworks/{fw.pk}/review/").content.decode()
    assert html.index("SR 2.5") < html.index("SR 1.2")  # doubtful first, then reading order
    assert 'class="badge bad">doubtful' in html and "Crosswalk rows not verified" in html
    filtered = client.get(f"/frameworks/{fw.pk}/review/", {"q": "no-such-id"}).content.decode()
    assert "No unverified row matches." in filtered
    assert client.get(f"/frameworks/{fw.pk}/review/", {"page": "x", "set": "abc"}).status_code == 200


def test_an_imported_copy_shows_which_cells_differ_from_the_shipped_catalog(
    mini_library, frameworks, org_admin
):
    # the mini library is imported from the shipped files; mark its 3-3 as `otcsms init` would have loaded it
    loaded = Framework.objects.get(key="iec62443-3-3")
    loaded.origin = "shipped"
    loaded.save()
    document = framework_to_document(frameworks["iec62443-3-3"])
    document["framework"]["version"] = "2013.1"
    for row in document["framework"]["requirements"]:
        if row["id"] == "SR 2.5":  # a licensed holder corrects a doubtful cell from their copy
            row["attributes"]["sl_selection"] = [1, 2, 3, 4]
            row["provenance"] = {"source": "IEC 62443-3-3:2013 licensed copy, Table B.1", "verified": True}
    import_library_bytes("licensed-3-3.json", json.dumps(document).encode())
    imported, shipped = current("iec62443-3-3"), Framework.objects.get(key="iec62443-3-3", version="2013-r2")
    client = logged_in(org_admin)
    detail = client.get(f"/frameworks/{imported.pk}/").content.decode()
    assert "differs from the version otcsms ships in 1 place" in detail
    assert f"?against={shipped.pk}" in detail
    diff = client.get(f"/frameworks/{imported.pk}/diff/", {"against": shipped.pk}).content.decode()
    assert "Values changed" in diff and "sl_selection: 2, 3, 4" in diff and "sl_selection: 1, 2, 3, 4" in diff
    assert "differs from the version" not in client.get(f"/frameworks/{shipped.pk}/").content.decode()


def test_a_reviewer_line_with_a_line_break_is_refused(mini_library, frameworks):
    from otcsms.catalogs.libformat import LibraryError

    before = row_counts()
    document = {
        "format": "otcsms-library", "format_version": 1, "kind": "mapping_set",
        "mapping_set": {
            "id": "my-review", "name": "Mine", "version": "1", "source_framework": "iec62443-3-3",
            "target_framework": "nerc-cip", "licence": "internal",
            "mappings": [{"source": "SR 1.1", "target": "CIP-004-7 R4.1", "relationship": "intersect",
                          "strength": 5, "rationale": "r", "source_ref": "s", "verified": True,
                          "reviewer": "J. Doe\\nGICSP"}],
        },
    }  # fmt: skip
    text = json.dumps(document).replace("\\\\n", "\\n")
    with pytest.raises(LibraryError) as refused:
        import_library_bytes("my-review.json", text.encode())
    assert "reviewer" in str(refused.value)
    assert row_counts() == before
