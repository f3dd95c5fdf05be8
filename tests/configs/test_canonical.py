"""The snapshot document's normal form and hash: order never matters, volatile values never count."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otcsms.configs.canonical import (
    NormaliseError,
    canonical_bytes,
    config_hash,
    keyed,
    normalise,
    pointer,
    resolve,
    snapshot_document,
    split_pointer,
)

ENDPOINTS = [
    {"security_policy": "Basic256Sha256", "security_mode": "SignAndEncrypt", "level": 70},
    {"security_policy": "None", "security_mode": "None", "level": 0},
    {"security_policy": "Basic256Sha256", "security_mode": "Sign", "level": 40},
]


def by_policy_mode(e):
    return f"{e['security_policy']}/{e['security_mode']}"


def test_key_order_does_not_change_the_hash():
    assert config_hash({"a": 1, "b": {"c": [1, 2], "d": "x"}}) == config_hash(
        {"b": {"d": "x", "c": [1, 2]}, "a": 1}
    )


def test_a_different_value_changes_the_hash():
    assert config_hash({"a": 1}) != config_hash({"a": 2})
    assert config_hash({"a": 1}) != config_hash({"a": "1"})


def test_canonical_form_is_rfc8785():
    assert canonical_bytes({"b": 1.0, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()


@given(st.permutations(ENDPOINTS))
def test_keyed_lists_do_not_depend_on_order(order):
    assert config_hash(keyed(order, by_policy_mode)) == config_hash(keyed(ENDPOINTS, by_policy_mode))


@given(st.permutations([{"name": "eth0", "mtu": 1500}, {"name": "eth0", "mtu": 9000}, {"name": "eth1"}]))
def test_duplicate_identities_are_kept_in_a_stable_order(order):
    result = keyed(order, lambda i: i["name"])
    assert set(result) == {"eth0", "eth0#2", "eth1"}
    assert result == keyed(sorted(order, key=canonical_bytes), lambda i: i["name"])


def test_volatile_is_not_part_of_the_hash():
    one = snapshot_document(
        asset={"id": 1, "name": "PLC"},
        source={"type": "live"},
        captured_at="2026-01-01T00:00:00Z",
        config={"sp": 4},
        volatile={"level": 1.0},
    )
    two = snapshot_document(
        asset={"id": 1, "name": "PLC"},
        source={"type": "live"},
        captured_at="2026-02-01T00:00:00Z",
        config={"sp": 4},
        volatile={"level": 2.5},
    )
    assert config_hash(one["config"]) == config_hash(two["config"])
    assert one["schema"] == 1 and one["volatile"] != two["volatile"]


def test_normalise_makes_plain_json():
    assert normalise({1: (1, 2), "big": 2**60, "f": 2.0, "b": b"\x01"}) == {
        "1": [1, 2],
        "big": str(2**60),
        "f": 2,
        "b": "01",
    }


@pytest.mark.parametrize("bad", [math.nan, math.inf, {1, 2}, object()])
def test_values_without_json_form_are_refused_with_their_path(bad):
    with pytest.raises(NormaliseError, match="/config/x"):
        normalise({"x": bad}, where="/config")


def test_json_pointers_escape_slash_and_tilde():
    path = pointer("opcua", "endpoints", "a/b~c")
    assert path == "/opcua/endpoints/a~1b~0c"
    assert split_pointer(path) == ["opcua", "endpoints", "a/b~c"]
    assert resolve({"opcua": {"endpoints": {"a/b~c": 5}}}, path) == 5
    with pytest.raises(KeyError):
        resolve({}, "/missing")


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)


# On the loaded CI machine one draw can stall for seconds (the process waits for a core): not a slow strategy.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_VALUES)
def test_the_fast_path_writes_exactly_what_rfc8785_writes(value):
    import rfc8785

    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(NormaliseError):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected


@pytest.mark.parametrize(
    "value", [0.1, 1e-5, 1e16, 1e21, 123456789.125, 5e-324, -0.5, {"\U0001f600": 1, "\ufb01": 2}]
)
def test_numbers_and_keys_where_the_encoders_differ(value):
    import rfc8785

    assert canonical_bytes(value) == rfc8785.dumps(value)
