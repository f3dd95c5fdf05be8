"""Modbus register-map profiles: checked, and read in as few requests as the protocol's limits allow."""

from __future__ import annotations

import pytest

from otcsms.configs.collectors.modbus import Parameter, ProfileError, decode, parameters_of, plan_reads


def p(name, address, table="holding", type_="uint16", kind="config"):
    return Parameter(name, table, address, type_, kind)


def test_adjacent_parameters_share_a_request_and_tables_never_mix():
    plan = plan_reads([p("a", 10), p("b", 11, type_="float32"), p("c", 13), p("level", 0, table="input")])
    assert [(r.table, r.start, r.count) for r in plan] == [("holding", 10, 4), ("input", 0, 1)]


def test_the_125_register_limit_splits_requests():
    plan = plan_reads([p(f"r{i}", i) for i in range(300)])
    assert [(r.start, r.count) for r in plan] == [(0, 125), (125, 125), (250, 50)]


def test_gaps_are_read_only_up_to_max_gap():
    params = [p("a", 0), p("b", 5), p("c", 40)]
    assert len(plan_reads(params)) == 3
    assert [(r.start, r.count) for r in plan_reads(params, max_gap=4)] == [(0, 6), (40, 1)]
    assert [(r.start, r.count) for r in plan_reads(params, max_gap=40)] == [(0, 41)]


def test_a_32_bit_value_never_straddles_two_requests():
    plan = plan_reads([p(f"r{i}", i) for i in range(124)] + [p("f", 124, type_="float32")])
    assert [(r.start, r.count) for r in plan] == [(0, 124), (124, 2)]


def test_decoding_with_scale_and_signs():
    assert decode(Parameter("t", "holding", 0, "int16", "config", scale=0.1), [0xFFF6], 0) == -1.0
    assert decode(Parameter("f", "holding", 0, "float32", "config"), [0x4048, 0xF5C3], 0) == 3.14
    assert decode(Parameter("u", "holding", 0, "uint32", "config"), [0x0001, 0x0000], 0) == 65536
    assert decode(Parameter("c", "coil", 0, "bool", "config"), [False, True], 1) is True


@pytest.mark.parametrize(
    "bad",
    [
        {"parameters": [{"name": "a", "table": "holding", "address": 70000}]},
        {"parameters": [{"name": "a", "table": "holdings", "address": 1}]},
        {"parameters": [{"name": "a", "table": "coil", "address": 1, "type": "uint16"}]},
        {"parameters": [{"name": "a", "table": "holding", "address": 1, "kind": "setpoint"}]},
        {
            "parameters": [
                {"name": "a", "table": "holding", "address": 1},
                {"name": "a", "table": "holding", "address": 2},
            ]
        },
    ],
)
def test_bad_profiles_are_refused(bad):
    with pytest.raises(ProfileError):
        parameters_of(bad)
