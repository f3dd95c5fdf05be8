"""The semantic diff: paths, kinds, and an added or removed subtree reported once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from otcsms.configs.canonical import keyed
from otcsms.configs.diff import Change, diff

BASE = {
    "opcua": {
        "endpoints": {
            "Basic256Sha256/SignAndEncrypt": {
                "security_policy": "Basic256Sha256",
                "user_tokens": {"UserName": {}},
            }
        },
        "build_info": {"software_version": "2.4.1"},
    }
}


def test_no_change_no_diff():
    assert diff(BASE, {**BASE}) == []


def test_added_subtree_is_one_change():
    after = {
        "opcua": {
            **BASE["opcua"],
            "endpoints": {
                **BASE["opcua"]["endpoints"],
                "None/None": {"security_policy": "None", "user_tokens": {"Anonymous": {}}},
            },
        }
    }
    assert diff(BASE, after) == [
        Change(
            "/opcua/endpoints/None~1None",
            "added",
            None,
            {"security_policy": "None", "user_tokens": {"Anonymous": {}}},
        )
    ]


def test_removed_and_changed_leaves():
    after = {"opcua": {"endpoints": {}, "build_info": {"software_version": "2.5.0"}}}
    assert diff(BASE, after) == [
        Change("/opcua/build_info/software_version", "changed", "2.4.1", "2.5.0"),
        Change(
            "/opcua/endpoints/Basic256Sha256~1SignAndEncrypt",
            "removed",
            BASE["opcua"]["endpoints"]["Basic256Sha256/SignAndEncrypt"],
            None,
        ),
    ]


def test_type_change_is_a_change():
    assert diff({"a": 1}, {"a": "1"}) == [Change("/a", "changed", 1, "1")]
    assert diff({"a": 1}, {"a": True}) == [Change("/a", "changed", 1, True)]
    assert diff({"a": {"b": 1}}, {"a": [1]}) == [Change("/a", "changed", {"b": 1}, [1])]


def test_lists_compare_position_by_position():
    assert diff({"acl": ["permit a", "deny any"]}, {"acl": ["permit a", "permit b", "deny any"]}) == [
        Change("/acl/1", "changed", "deny any", "permit b"),
        Change("/acl/2", "added", None, "deny any"),
    ]


@given(
    st.permutations([{"id": i, "v": i * 2} for i in range(6)]),
    st.permutations([{"id": i, "v": i * 2} for i in range(6)]),
)
def test_reordered_keyed_lists_never_differ(a, b):
    assert diff(keyed(a, lambda x: str(x["id"])), keyed(b, lambda x: str(x["id"]))) == []
