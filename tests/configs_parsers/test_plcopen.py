from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otcsms.configs.parsers import ParseError, plcopen

from .support import sample, shuffle_children

PROJECT = sample("pump_station.plcopen.xml")
NS = {"p": "http://www.plcopen.org/xml/tc6_0201"}


def test_the_sample_reads_header_pous_and_configurations():
    parsed = plcopen.parse(PROJECT)
    assert parsed.config["project"]["name"] == "PumpStation"
    assert parsed.meta["product"] == "Beremiz"
    pump = parsed.config["pous"]["PumpControl"]
    assert pump["type"] == "functionBlock" and pump["language"] == "ST"
    assert pump["variables"]["StartLevel"] == {
        "section": "input",
        "position": 2,
        "type": "REAL",
        "initial": "2.5",
    }
    assert parsed.config["pous"]["Scale"]["return_type"] == "REAL"
    main = parsed.config["pous"]["Main"]["variables"]
    assert main["RawLevel"]["address"] == "%IW0"
    assert main["Name"]["type"] == "STRING[32]"
    resource = parsed.config["configurations"]["Config0"]["resources"]["Res0"]
    assert resource["tasks"]["FastTask"] == {
        "priority": "1",
        "interval": "T#20ms",
        "single": None,
        "instances": {"MainInstance": "Main"},
    }
    assert parsed.config["configurations"]["Config0"]["variables"]["MaxPumps"]["constant"] is True
    assert parsed.volatile == {}


def test_a_body_change_changes_only_that_checksum_and_documentation_changes_none():
    before = plcopen.parse(PROJECT).config["pous"]
    logic = plcopen.parse(PROJECT.replace(b"StartLevel * 1.5", b"StartLevel * 2.0")).config["pous"]
    docs = plcopen.parse(PROJECT.replace(b"high-level alarm", b"high level alarm")).config["pous"]
    assert logic["PumpControl"]["body_sha256"] != before["PumpControl"]["body_sha256"]
    assert logic["Main"] == before["Main"]
    assert docs == before


def test_a_task_interval_change_shows():
    changed = plcopen.parse(PROJECT.replace(b"T#20ms", b"T#200ms")).config
    assert changed["configurations"] != plcopen.parse(PROJECT).config["configurations"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_reordering_pous_data_types_and_tasks_changes_nothing(rng):
    reordered = shuffle_children(
        PROJECT, "//p:pous | //p:dataTypes | //p:resource | //p:configuration", rng, NS
    )
    assert plcopen.parse(reordered).config == plcopen.parse(PROJECT).config


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<project/>", "not a PLCopen XML project"),
        (b'<project xmlns="http://www.plcopen.org/xml/tc6_0201"/>', "without <fileHeader>"),
        (PROJECT.replace(b'<pou name="Scale"', b"<pou"), "has no name"),
        (PROJECT.replace(b'name="Alarm"', b'name="Run"'), "declared twice"),
    ],
)
def test_malformed_files_give_a_one_line_reason(data, message):
    with pytest.raises(ParseError, match=message) as refused:
        plcopen.parse(data)
    assert "\n" not in str(refused.value)
