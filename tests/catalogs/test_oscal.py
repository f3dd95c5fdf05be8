"""OSCAL export loads in compliance-trestle and comes back unchanged; NIST-style catalogs and profiles import."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trestle.oscal.catalog import Catalog
from trestle.oscal.profile import Profile

from otcsms.catalogs.libformat import LibraryError
from otcsms.catalogs.oscal import (
    apply_profile_baseline,
    framework_to_oscal_catalog,
    oscal_catalog_to_framework,
    oscal_profile_to_selection,
    oscal_token,
    profile_baseline_name,
)

TOKEN = re.compile(r"^[_A-Za-z][_A-Za-z0-9.\-]*$")
FIXED_TIME = datetime(2025, 1, 1, tzinfo=UTC)
OSCAL_KEYS = [
    "id",
    "title",
    "class",
    "props",
    "name",
    "value",
    "ns",
    "parts",
    "prose",
    "controls",
    "groups",
    "params",
    "label",
    "select",
    "choice",
    "how-many",
    "values",
]


def through_trestle(document: dict) -> dict:
    """Validate with trestle's OSCAL model and return what trestle writes back out."""
    catalog = Catalog.model_validate(document["catalog"])
    return json.loads(catalog.oscal_serialize_json())


def comparable(fw) -> dict:
    return {
        r.id: (r.title, r.parent, r.kind, r.assessable, r.text, dict(r.attributes), r.provenance, r.guidance)
        for r in fw.requirements
    }


@pytest.mark.parametrize(
    "framework_id",
    [
        "nist-sp800-53r5",
        "iec62443-3-3",
        "iec62443-2-1-2010",
        "iec62443-4-2",
        "nerc-cip",
        "nist-csf-1-1",
        "nist-csf-2-0",
    ],
)
def test_export_loads_in_trestle_and_round_trips(frameworks, framework_id):
    fw = frameworks[framework_id]
    exported = framework_to_oscal_catalog(fw, last_modified=FIXED_TIME)
    back = oscal_catalog_to_framework(through_trestle(exported))
    assert (back.id, back.name, back.version) == (fw.id, fw.name, fw.version)
    assert comparable(back) == comparable(fw)


def test_export_uses_valid_unique_tokens_and_keeps_ids_as_labels(frameworks):
    catalog = framework_to_oscal_catalog(frameworks["nist-sp800-53r5"], last_modified=FIXED_TIME)["catalog"]
    controls, stack = [], [*catalog["groups"]]
    while stack:
        node = stack.pop()
        controls.append(node)
        stack.extend(node.get("controls", []))
    ids = [c["id"] for c in controls]
    assert all(TOKEN.match(i) for i in ids) and len(set(ids)) == len(ids)
    by_label = {next(p["value"] for p in c["props"] if p["name"] == "label"): c for c in controls}
    assert by_label["AC-2(1)"]["id"] == "ac-2.1"  # the same token NIST uses
    assert by_label["AC-2"]["parts"][0]["name"] == "statement"
    assert {"name": "status", "value": "withdrawn"} in by_label["AC-2(10)"]["props"]


def test_catalog_uuid_is_stable_per_framework_version(frameworks):
    fw = frameworks["iec62443-3-3"]
    first = framework_to_oscal_catalog(fw, last_modified=FIXED_TIME)
    second = framework_to_oscal_catalog(fw, last_modified=FIXED_TIME)
    assert first == second
    other = framework_to_oscal_catalog(frameworks["iec62443-4-2"], last_modified=FIXED_TIME)
    assert first["catalog"]["uuid"] != other["catalog"]["uuid"]
    assert first["catalog"]["metadata"]["oscal-version"].startswith("1.1")


@pytest.mark.parametrize(
    ("identifier", "token"),
    [
        ("IA-2(1)", "ia-2.1"),
        ("SR 1.1 RE 1", "sr-1.1-re-1"),
        ("CIP-004-7 R4.1", "cip-004-7-r4.1"),
        ("4.2.3", "_4.2.3"),
    ],
)
def test_tokens(identifier, token):
    assert oscal_token(identifier) == token


NIST_STYLE_CATALOG = {
    "catalog": {
        "uuid": "11111111-2222-4333-8444-555555555555",
        "metadata": {
            "title": "Mini 800-53",
            "last-modified": "2024-01-01T00:00:00Z",
            "version": "5.1.1",
            "oscal-version": "1.1.2",
            "parties": [
                {"uuid": "11111111-2222-4333-8444-666666666666", "type": "organization", "name": "NIST"}
            ],
        },
        "groups": [
            {
                "id": "ac",
                "class": "family",
                "title": "Access Control",
                "controls": [
                    {
                        "id": "ac-7",
                        "class": "SP800-53",
                        "title": "Unsuccessful Logon Attempts",
                        "params": [
                            {"id": "ac-07_odp.01", "label": "number"},
                            {"id": "ac-07_odp.02", "label": "time period"},
                            {
                                "id": "ac-07_odp.03",
                                "select": {
                                    "how-many": "one-or-more",
                                    "choice": [
                                        "lock the account for {{ insert: param, ac-07_odp.02 }} ",
                                        "notify",
                                    ],
                                },
                            },
                        ],
                        "props": [
                            {"name": "label", "value": "AC-7"},
                            {"name": "label", "value": "AC-07", "class": "zero-padded"},
                        ],
                        "parts": [
                            {
                                "id": "ac-7_smt",
                                "name": "statement",
                                "parts": [
                                    {
                                        "id": "ac-7_smt.a",
                                        "name": "item",
                                        "props": [{"name": "label", "value": "a."}],
                                        "prose": "Enforce a limit of {{ insert: param, ac-07_odp.01 }} attempts; and",
                                    },
                                    {
                                        "id": "ac-7_smt.b",
                                        "name": "item",
                                        "props": [{"name": "label", "value": "b."}],
                                        "prose": "Automatically {{ insert: param, ac-07_odp.03 }} when exceeded.",
                                    },
                                ],
                            },
                            {"id": "ac-7_gdn", "name": "guidance", "prose": "Not part of the statement."},
                        ],
                        "controls": [
                            {
                                "id": "ac-7.1",
                                "class": "SP800-53-enhancement",
                                "title": "Automatic Account Lock",
                                "props": [
                                    {"name": "label", "value": "AC-7(1)"},
                                    {"name": "status", "value": "withdrawn"},
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }
}


def test_nist_style_catalog_imports_with_labels_and_flattened_statements():
    Catalog.model_validate(NIST_STYLE_CATALOG["catalog"])  # the fixture itself is valid OSCAL
    fw = oscal_catalog_to_framework(NIST_STYLE_CATALOG, framework_id="mini-800-53")
    by_id = fw.requirements_by_id()
    assert list(by_id) == ["AC", "AC-7", "AC-7(1)"]
    assert (by_id["AC"].kind, by_id["AC-7"].kind, by_id["AC-7(1)"].kind) == (
        "family",
        "control",
        "enhancement",
    )
    assert by_id["AC-7(1)"].parent == "AC-7" and by_id["AC-7"].parent == "AC"
    assert by_id["AC-7"].text == (
        "a. Enforce a limit of [Assignment: organization-defined number] attempts; and\n"
        "b. Automatically [Selection (one or more): lock the account for [Assignment: organization-defined time "
        "period]; notify] when exceeded."
    )
    assert by_id["AC-7(1)"].attributes["withdrawn"] is True and not by_id["AC-7(1)"].assessable
    assert fw.publisher == "NIST" and fw.version == "5.1.1"
    assert not fw.provenance.verified


def test_not_a_catalog_is_a_library_error():
    with pytest.raises(LibraryError):
        oscal_catalog_to_framework({"profile": {}})


PROFILE = {
    "profile": {
        "uuid": "11111111-2222-4333-8444-777777777777",
        "metadata": {
            "title": "Test MODERATE IMPACT BASELINE",
            "last-modified": "2024-01-01T00:00:00Z",
            "version": "1",
            "oscal-version": "1.1.2",
        },
        "imports": [
            {
                "href": "#catalog",
                "include-controls": [{"with-ids": ["ac-7", "ac-7.1", "ac-2"]}],
                "exclude-controls": [{"with-ids": ["ac-2"]}],
            }
        ],
    }
}


def test_profile_selection_and_baseline():
    Profile.model_validate(PROFILE["profile"])
    name, ids = oscal_profile_to_selection(PROFILE)
    assert ids == ["AC-7", "AC-7(1)"]
    assert profile_baseline_name(name) == "MODERATE"
    fw = apply_profile_baseline(oscal_catalog_to_framework(NIST_STYLE_CATALOG), "MODERATE", ids)
    assert fw.requirements_by_id()["AC-7"].attributes["baselines"] == ("MODERATE",)
    assert "baselines" not in fw.requirements_by_id()["AC"].attributes


def test_profile_problems_are_library_errors():
    with pytest.raises(LibraryError, match="include-all"):
        oscal_profile_to_selection({"profile": {"imports": [{"href": "#x", "include-all": {}}]}})
    fw = oscal_catalog_to_framework(NIST_STYLE_CATALOG)
    with pytest.raises(LibraryError, match="not in"):
        apply_profile_baseline(fw, "LOW", ["AC-99"])
    with pytest.raises(LibraryError, match="upper-case"):
        apply_profile_baseline(fw, "low baseline", ["AC-7"])


@pytest.mark.parametrize(
    "document",
    [
        {"catalog": {"metadata": {"title": "x"}, "groups": [{"id": "g", "title": "G", "controls": [None]}]}},
        {"catalog": {"metadata": {"title": "x"}, "controls": [{"id": "c", "title": "C", "props": "oops"}]}},
        {"catalog": {"metadata": {"title": "x"}, "controls": [{"id": 5, "title": ["not", "a", "title"]}]}},
        {
            "catalog": {
                "metadata": {"title": "x"},
                "controls": [{"id": "c", "title": "C", "parts": [{"name": 1}]}],
            }
        },
    ],
)
def test_malformed_catalogs_are_library_errors_not_crashes(document):
    # Lenient where nothing is lost (props that are not objects are skipped), a LibraryError otherwise.
    try:
        fw = oscal_catalog_to_framework(document)
    except LibraryError as error:
        assert error.problems
    else:
        assert all(isinstance(r.title, str) for r in fw.requirements)


def test_malformed_profile_is_a_library_error():
    with pytest.raises(LibraryError):
        oscal_profile_to_selection({"profile": {"imports": ["not an object"]}})


def test_a_title_that_is_not_text_is_refused():
    with pytest.raises(LibraryError, match="title"):
        oscal_catalog_to_framework(
            {"catalog": {"metadata": {"title": "x"}, "controls": [{"id": "c", "title": [1]}]}}
        )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(OSCAL_KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(json_values, max_size=4), st.lists(json_values, max_size=3))
def test_any_shape_of_catalog_gives_a_framework_or_a_library_error(controls, groups):
    document = {
        "catalog": {"metadata": {"title": "fuzz", "version": "1"}, "controls": controls, "groups": groups}
    }
    try:
        oscal_catalog_to_framework(document)
    except LibraryError as error:
        assert error.problems
