"""The framework library through the REST API: browse, search, crosswalk, coverage and gaps, OSCAL, import,
and who may do what."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from otcsms.catalogs.models import Framework, Requirement
from otcsms.core.models import ApiToken
from tests.catalogs.conftest import licensed_62443_3_3, row_counts
from tests.conftest import audit_count


def items(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["items"]


def fw_id(key: str) -> int:
    return Framework.objects.get(key=key, is_current=True).pk


def req_id(key: str, ref: str) -> int:
    return Requirement.objects.get(framework__key=key, framework__is_current=True, ref=ref).pk


def uploader(user):
    """upload(name, content, **form fields) as `user` (the token is issued now, not during the upload)."""
    _token, secret = ApiToken.issue(user, "upload")

    def upload(name: str, content: bytes, **fields):
        return Client().post(
            "/api/v1/frameworks/import",
            {"file": _named(name, content), **fields},
            headers={"Authorization": f"Bearer {secret}"},
        )

    return upload


def _named(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_sr_1_3_crosswalk_reaches_800_53_csf_nerc_cip_and_4_2(api, library, b_viewer):
    client = api(b_viewer)  # any member reads the library
    r = client.get(f"/requirements/{req_id('iec62443-3-3', 'SR 1.3')}/crosswalk")
    assert r.status_code == 200
    answer = r.json()
    assert (answer["framework"], answer["requirement"], answer["max_hops"]) == ("iec62443-3-3", "SR 1.3", 3)
    mapped, related = answer["mapped"], answer["related"]
    assert answer["counts"] == {"mapped": len(mapped), "related": len(related)}
    assert mapped and related
    direct = {(row["framework"], row["requirement"]): row for row in mapped if row["hops"] == 1}
    assert direct[("iec62443-4-2", "CR 1.3")]["relationship"] == "superset"
    for pair in [("nist-sp800-53r5", "AC-2"), ("nist-csf-1-1", "PR.AC-1"), ("nerc-cip", "CIP-004-7 R4")]:
        assert pair in direct
    row = direct[("nerc-cip", "CIP-004-7 R4")]
    assert row["path"] == ["iec62443-3-3:SR 1.3", "nerc-cip:CIP-004-7 R4"]
    assert row["steps"][0]["rationale"] and row["steps"][0]["source_ref"] == "otcsms expert mapping"
    assert row["requirement_id"] == req_id("nerc-cip", "CIP-004-7 R4")
    # Strongest first (the expert mapping's SR 1.3 = AC-2 leads); a path never returns to the start's own
    # framework; related apart and only related.
    assert (mapped[0]["relationship"], mapped[0]["framework"], mapped[0]["requirement"]) == (
        "equal", "nist-sp800-53r5", "AC-2"
    )  # fmt: skip
    assert all(row["framework"] != "iec62443-3-3" for row in mapped + related)
    assert {row["relationship"] for row in related} == {"related"}
    assert "related" not in {row["relationship"] for row in mapped}
    # equal then equal stays equal: SR 1.3 reaches the overlay's AC-2 through SP 800-53 AC-2, as a mapping
    overlay = next(
        row
        for row in mapped
        if row["framework"] == "nist-sp800-82r3-overlay" and row["requirement"] == "AC-2"
    )
    assert [step["relationship"] for step in overlay["steps"]] == ["equal", "equal"]
    assert all(len(row["path"]) == row["hops"] + 1 == len(row["steps"]) + 1 for row in mapped + related)
    one_hop = client.get(f"/requirements/{req_id('iec62443-3-3', 'SR 1.3')}/crosswalk", max_hops=1).json()
    assert {x["hops"] for x in one_hop["mapped"]} == {1} and one_hop["related"] == []
    assert set(direct) <= {(x["framework"], x["requirement"]) for x in one_hop["mapped"]}
    assert (
        client.get(f"/requirements/{req_id('iec62443-3-3', 'SR 1.3')}/crosswalk", max_hops=9).status_code
        == 422
    )


def test_cip_004_r4_3_shows_its_direct_mapping_to_sr_1_3(api, library, b_viewer):
    """Regression: the direct intersect 5 was hidden behind a three-hop path reported with strength 6."""
    answer = api(b_viewer).get(f"/requirements/{req_id('nerc-cip', 'CIP-004-7 R4.3')}/crosswalk").json()
    sr13 = next(row for row in answer["mapped"] if row["requirement"] == "SR 1.3")
    assert (sr13["relationship"], sr13["strength"], sr13["hops"]) == ("intersect", 5, 1)
    assert sr13["path"] == ["nerc-cip:CIP-004-7 R4.3", "iec62443-3-3:SR 1.3"]


def test_requirement_detail_has_mappings_with_reasons_and_provenance(api, mini_library, a_contributor):
    r = api(a_contributor).get(f"/requirements/{req_id('iec62443-3-3', 'SR 1.3')}")
    assert r.status_code == 200
    data = r.json()
    assert data["ref"] == "SR 1.3" and data["parent"]["ref"] == "FR 1" and data["parent_ref"] == "FR 1"
    assert [c["ref"] for c in data["children"]] == ["SR 1.3 RE 1"]
    assert data["attributes"]["sl_selection"] == [1, 2, 3, 4]
    assert data["provenance"]["verified"] is False and data["provenance"]["note"]
    assert data["framework"]["key"] == "iec62443-3-3" and data["framework"]["is_current"]
    mappings = {(m["framework"]["key"], m["requirement"]["ref"]): m for m in data["mappings"]}
    nerc = mappings[("nerc-cip", "CIP-004-7 R4")]
    assert nerc["direction"] == "outgoing" and nerc["rationale"] and nerc["source_ref"]
    assert nerc["mapping_set"]["key"] == "iec62443-3-3_to_nerc-cip"
    csf = mappings[("nist-csf-1-1", "PR.AC-1")]
    assert csf["direction"] == "incoming"  # CSF -> 3-3 read from SR 1.3's side


def test_requirements_list_is_in_tree_order_with_search_and_filters(api, mini_library, b_viewer):
    client = api(b_viewer)
    fw = fw_id("iec62443-3-3")
    first = items(client.get(f"/frameworks/{fw}/requirements", limit=5))
    assert [r["ref"] for r in first] == ["FR 1", "SR 1.1", "SR 1.1 RE 1", "SR 1.1 RE 2", "SR 1.1 RE 3"]
    assert [r["depth"] for r in first] == [0, 1, 2, 2, 2] and first[1]["parent_ref"] == "FR 1"
    found = items(client.get(f"/frameworks/{fw}/requirements", q="account"))
    assert "SR 1.3" in {r["ref"] for r in found}
    res = client.get(f"/frameworks/{fw}/requirements", kind="RE", limit=500).json()
    assert res["count"] == 49 and {r["kind"] for r in res["items"]} == {"RE"}
    assert client.get(f"/frameworks/{fw}/requirements", assessable="false").json()["count"] == 7
    assert client.get(f"/frameworks/{fw}/requirements", kind="bogus").status_code == 422
    assert client.get(f"/frameworks/{fw}/requirements", q="x" * 201).status_code == 422
    assert client.get(f"/frameworks/{fw}/requirements", limit=501).status_code == 422


def test_coverage_and_gaps_are_consistent(api, mini_library, a_contributor):
    client = api(a_contributor)
    a, b = fw_id("nerc-cip"), fw_id("iec62443-3-3")
    r = client.get(f"/frameworks/{a}/coverage", against=b)
    assert r.status_code == 200
    cov = r.json()
    assert cov["assessable"] == Framework.objects.get(pk=a).assessable_count == 148
    assert cov["covered"] + cov["gaps"] == cov["assessable"] and 0 < cov["covered"] < cov["assessable"]
    assert cov["full"] <= cov["covered"] and cov["direct"] <= cov["covered"]
    assert sum(g["assessable"] for g in cov["groups"]) == cov["assessable"]
    assert sum(g["covered"] for g in cov["groups"]) == cov["covered"]
    assert {g["ref"] for g in cov["groups"]} <= {f"CIP-0{n:02d}" for n in range(2, 16)} | {
        r.ref for r in Requirement.objects.filter(framework_id=a, depth=0)
    }
    gaps = client.get(f"/frameworks/{a}/gaps", against=b, limit=500).json()
    assert gaps["count"] == cov["gaps"] == len(gaps["items"])
    # A gap is mapped to nothing in B (it may be related to something there); a covered requirement is.
    gap = gaps["items"][0]
    reach = client.get(f"/requirements/{gap['id']}/crosswalk").json()
    assert not [x for x in reach["mapped"] if x["framework"] == "iec62443-3-3"]
    gap_refs = {g["ref"] for g in gaps["items"]}
    covered = Requirement.objects.filter(framework_id=a, assessable=True).exclude(ref__in=gap_refs).first()
    reach = client.get(f"/requirements/{covered.pk}/crosswalk").json()
    assert [x for x in reach["mapped"] if x["framework"] == "iec62443-3-3"]
    assert client.get(f"/frameworks/{a}/coverage").status_code == 422
    assert client.get(f"/frameworks/{a}/coverage", against=a).status_code == 422
    assert client.get(f"/frameworks/{a}/coverage", against=999999).status_code == 404


def test_oscal_export_through_the_api_loads_in_trestle(api, mini_library, b_viewer):
    from trestle.oscal.catalog import Catalog

    r = api(b_viewer).get(f"/frameworks/{fw_id('iec62443-3-3')}/oscal")
    assert r.status_code == 200
    catalog = Catalog.model_validate(r.json()["catalog"])
    assert catalog.metadata.version == "2013-r2" and len(catalog.groups) == 7


def test_frameworks_and_mapping_sets_are_listed_and_read_only(api, mini_library, org_admin):
    client = api(org_admin)
    listed = items(client.get("/frameworks", limit=500))
    assert {f["key"] for f in listed} == {"iec62443-3-3", "iec62443-4-2", "nerc-cip", "nist-csf-1-1"}
    assert all(f["is_current"] and f["requirements_count"] > 0 for f in listed)
    assert [f["key"] for f in items(client.get("/frameworks", q="nerc"))] == ["nerc-cip"]
    sets = items(client.get("/mapping-sets", framework_id=fw_id("iec62443-4-2")))
    assert [s["key"] for s in sets] == ["iec62443-3-3_to_iec62443-4-2"]
    assert sets[0]["source_framework"]["key"] == "iec62443-3-3" and sets[0]["mappings_count"] == 63
    pk = fw_id("nerc-cip")
    assert client.get(f"/frameworks/{pk}/history").status_code == 200
    before = audit_count()
    assert client.patch(f"/frameworks/{pk}", {"name": "x"}).status_code == 405
    assert client.delete(f"/frameworks/{pk}").status_code == 405
    assert client.post("/frameworks", {"key": "x"}).status_code == 405
    assert audit_count() == before


# Queries per request, pinned (NetBox's query_counts idea): auth (token, membership), count, page, and for the
# crosswalk routes the graph's revision check. The same for one row as for five hundred: no N+1.
QUERY_BUDGET = {
    "/frameworks": 4,
    "/mapping-sets": 4,
    "/frameworks/{nerc}/requirements": 5,
    "/requirements/{sr13}": 5,
    "/frameworks/{nerc}/coverage?against={iec33}": 8,
    "/frameworks/{nerc}/gaps?against={iec33}": 8,
    "/requirements/{sr13}/crosswalk": 6,
}


@pytest.mark.parametrize("route", QUERY_BUDGET)
def test_query_counts_are_pinned(api, mini_library, b_viewer, django_assert_max_num_queries, route):
    client = api(b_viewer)
    ids = {
        "nerc": fw_id("nerc-cip"),
        "iec33": fw_id("iec62443-3-3"),
        "sr13": req_id("iec62443-3-3", "SR 1.3"),
    }
    path = route.format(**ids)
    client.get("/me")  # the token's first use records itself once
    client.get(path)  # builds the crosswalk graph, once per process and library revision
    for limit in (1, 500):
        with django_assert_max_num_queries(QUERY_BUDGET[route]):
            r = client.get(path + ("&" if "?" in path else "?") + f"limit={limit}")
        assert r.status_code == 200


def test_outsider_gets_nothing_of_the_library(api, mini_library, outsider):
    client = api(outsider)
    assert items(client.get("/frameworks")) == [] and items(client.get("/mapping-sets")) == []
    fw, req = fw_id("iec62443-3-3"), req_id("iec62443-3-3", "SR 1.3")
    for path in [f"/frameworks/{fw}", f"/frameworks/{fw}/requirements", f"/frameworks/{fw}/oscal",
                 f"/frameworks/{fw}/coverage?against={fw}", f"/frameworks/{fw}/gaps?against={fw}",
                 f"/frameworks/{fw}/diff?against={fw}", f"/requirements/{req}", f"/requirements/{req}/crosswalk"]:  # fmt: skip
        assert client.get(path).status_code == 404, path


def test_only_org_admins_import_and_a_refusal_changes_nothing(
    mini_library, frameworks, a_contributor, org_admin
):
    content = json.dumps(licensed_62443_3_3(frameworks)).encode()
    as_contributor, as_admin = uploader(a_contributor), uploader(org_admin)
    before = row_counts()
    r = as_contributor("licensed.json", content)
    assert r.status_code == 403 and "organisation admins" in r.json()["detail"]
    assert row_counts() == before
    r = as_admin("licensed.json", content)
    assert r.status_code == 201, r.content
    result = r.json()
    assert result["kind"] == "library" and result["frameworks"][0]["status"] == "created"
    assert result["frameworks"][0]["diff"]["counts"]["added"] == 1
    again = as_admin("licensed.json", content)
    assert again.status_code == 200 and not again.json()["changed"]
    new_sr13 = req_id("iec62443-3-3", "SR 1.3")
    assert Client().get(f"/api/v1/requirements/{new_sr13}").status_code == 401


def test_import_problems_come_back_as_a_list(mini_library, org_admin):
    bad = {"format": "otcsms-library", "format_version": 1, "kind": "framework",
           "framework": {"id": "x", "name": "X", "version": "1", "publisher": "P", "licence": "L",
                         "requirements": [{"id": "A", "parent": "B", "title": "A", "kind": "group", "assessable": False}]}}  # fmt: skip
    upload = uploader(org_admin)
    before = row_counts()
    r = upload("bad.json", json.dumps(bad).encode())
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {"file": "bad.json", "path": "/framework/requirements/0/parent", "reason": "unknown parent 'B'"}
    ]
    assert row_counts() == before
    assert upload("x.json", b"{}", framework="Not A Slug!").status_code == 422


def test_oversized_upload_is_refused_before_it_is_read(mini_library, org_admin, monkeypatch):
    from otcsms.catalogs import api as catalogs_api

    monkeypatch.setattr(catalogs_api, "MAX_IMPORT_BYTES", 1000)
    r = uploader(org_admin)("big.json", b"{" + b" " * 200_000 + b"}")
    assert r.status_code == 413 and "limited" in r.json()["detail"]


def test_session_import_needs_the_csrf_token(session_api, mini_library, org_admin):
    client = session_api(org_admin)
    r = client.client.post("/api/v1/frameworks/import", {"file": _named("x.json", b"{}")})
    assert r.status_code == 403


def test_diff_between_versions_through_the_api(api, mini_library, frameworks, org_admin):
    old = fw_id("iec62443-3-3")
    uploader(org_admin)("licensed.json", json.dumps(licensed_62443_3_3(frameworks)).encode())
    new = fw_id("iec62443-3-3")
    client = api(org_admin)
    diff = client.get(f"/frameworks/{new}/diff", against=old).json()
    assert diff["added"] == ["SR 7.9"] and diff["removed"] == ["SR 7.3 RE 1"]
    assert diff["retitled"][0]["ref"] == "SR 1.1"
    assert client.get(f"/frameworks/{new}/diff", against=fw_id("nerc-cip")).status_code == 422
    old_sr13 = Requirement.objects.get(framework_id=old, ref="SR 1.3").pk
    r = client.get(f"/requirements/{old_sr13}/crosswalk")
    assert r.status_code == 422 and "not the current version" in r.json()["detail"]
    assert (
        client.get(f"/requirements/{req_id('iec62443-3-3', 'SR 1.3')}").json()["text"].startswith("Licensed")
    )


def test_every_library_route_has_a_complete_openapi_description():
    # Only this app's routes (the document as a whole also depends on the other apps).
    from otcsms.catalogs.api import router

    for view in router.path_operations.values():
        for op in view.operations:
            for model in op.models:
                assert model.model_json_schema()["properties"] is not None
            for status, response in op.response_models.items():
                assert response is None or response.model_json_schema(), status
            names = {type(auth).__name__ for auth in op.auth_callbacks}
            assert names <= {"BearerToken", "SessionAuth"}, names
