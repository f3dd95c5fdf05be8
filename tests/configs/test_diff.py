"""The semantic diff: paths, kinds, and an added or removed subtree reported once."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
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


@settings(
    suppress_health_check=[HealthCheck.too_slow]
)  # input generation is trivial: slow only on a loaded machine
@given(
    st.permutations([{"id": i, "v": i * 2} for i in range(6)]),
    st.permutations([{"id": i, "v": i * 2} for i in range(6)]),
)
def test_reordered_keyed_lists_never_differ(a, b):
    assert diff(keyed(a, lambda x: str(x["id"])), keyed(b, lambda x: str(x["id"]))) == []


def test_equal_values_of_other_types_or_key_order_are_told_apart_exactly():
    """``same`` proves equality from identical marshal bytes and falls back to the type walk otherwise: 1 and
    true differ, the same keys in another order and 0.0 / -0.0 do not."""
    from otcsms.configs.diff import same

    assert not same({"a": [1, {"b": 1}]}, {"a": [1, {"b": True}]})
    assert same({"a": 1, "b": [0.0]}, {"b": [-0.0], "a": 1})
    assert diff({"x": {"a": 1, "b": 2}}, {"x": {"b": 2, "a": True}}) == [Change("/x/a", "changed", 1, True)]
