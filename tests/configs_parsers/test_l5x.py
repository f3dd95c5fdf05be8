from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otcsms.configs.parsers import ParseError, l5x

from .support import sample, shuffle_children

SIMPLE = sample("Simple.L5X")
SAFETY = sample("line3_safety.L5X")


def test_the_sample_reads_controller_modules_tags_programs_and_tasks():
    parsed = l5x.parse(SIMPLE)
    controller = parsed.config["controller"]
    assert (controller["name"], controller["processor_type"], controller["revision"]) == (
        "Empty",
        "1756-L84E",
        "36.11",
    )
    assert controller["security"] == {"Code": "0", "ChangesToDetect": "16#ffff_ffff_ffff_ffff"}
    assert controller["settings"]["WebServerEnabled"] == "false"
    module = parsed.config["modules"]["TEST01"]
    assert module["catalog_number"] == "5094-IF8/A"
    assert module["revision"] == "2.1"
    assert module["keying"] == "CompatibleModule"
    assert module["parent"] == "Test"
    assert parsed.config["tags"]["TestArray"] == {
        "scope": "controller",
        "external_access": "None",
        "constant": False,
        "tag_type": "Base",
        "data_type": "DINT",
        "dimensions": "5",
        "radix": "Decimal",
        "opcua_access": "None",
    }
    assert parsed.config["tags"]["Program:MainProgram.LocalTimer"]["scope"] == "program:MainProgram"
    routine = parsed.config["programs"]["MainProgram"]["routines"]["MainRoutine"]
    assert routine["type"] == "RLL" and len(routine["sha256"]) == 64
    assert parsed.config["tasks"]["MainTask"]["programs"] == ["MainProgram"]
    assert parsed.meta["firmware"] == "36.11"
    assert "LastModifiedDate" in parsed.meta and "LastModifiedDate" not in controller["settings"]


def test_tag_values_are_volatile():
    parsed = l5x.parse(SIMPLE)
    assert parsed.volatile["tag_values"]["Program:MainProgram.LocalDint"] == "15541"
    assert parsed.volatile["tag_values"]["TestTimer"]["PRE"] == "10000"
    changed = l5x.parse(SIMPLE.replace(b'Value="15541"', b'Value="15542"'))
    assert changed.config == parsed.config


def test_a_logic_change_changes_the_routine_checksum_and_a_comment_does_not():
    before = l5x.parse(SAFETY).config["programs"]["Guarding"]["routines"]
    logic = l5x.parse(SAFETY.replace(b"XIC(Door_Closed)", b"XIO(Door_Closed)")).config["programs"][
        "Guarding"
    ]["routines"]
    comment = l5x.parse(SAFETY.replace(b"Door must be closed", b"Door must be shut")).config["programs"][
        "Guarding"
    ]["routines"]
    assert logic["Interlock"]["sha256"] != before["Interlock"]["sha256"]
    assert logic["Speed"] == before["Speed"]
    assert comment == before


def test_security_safety_and_firmware_of_a_hand_written_export():
    parsed = l5x.parse(SAFETY)
    controller = parsed.config["controller"]
    assert controller["revision"] == "33.11"
    assert controller["security"]["SecurityAuthorityID"] == "urn:uuid:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    assert controller["safety"]["SafetyLocked"] == "true"
    assert parsed.config["tags"]["Program:Guarding.SpeedLimit"]["constant"] is True
    assert parsed.config["programs"]["Guarding"]["routines"]["Speed"]["type"] == "ST"
    assert parsed.config["programs"]["Guarding"]["class"] == "Safety"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.sampled_from(["simple", "safety"]))
def test_reordering_modules_tags_programs_and_routines_changes_nothing(rng, which):
    data = SIMPLE if which == "simple" else SAFETY
    reordered = shuffle_children(
        data, "//Modules | //Tags | //Programs | //Routines | //Tasks | //Module/Ports", rng
    )
    assert l5x.parse(reordered).config == l5x.parse(data).config


def test_the_order_of_scheduled_programs_is_kept():
    swapped = (
        SAFETY.replace(b'<ScheduledProgram Name="Guarding"/>', b"@@")
        .replace(b'<ScheduledProgram Name="Conveyor"/>', b'<ScheduledProgram Name="Guarding"/>')
        .replace(b"@@", b'<ScheduledProgram Name="Conveyor"/>')
    )
    assert l5x.parse(swapped).config["tasks"] != l5x.parse(SAFETY).config["tasks"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<project/>", "root element is <project>"),
        (b"<RSLogix5000Content/>", "without a <Controller>"),
        (SAFETY.replace(b'Name="SpeedLimit"', b'Name="Ack"'), "defined twice"),
        (SAFETY.replace(b'<Module Name="Local"', b"<Module"), "has no Name"),
        (SAFETY[:-40], "not well-formed"),
    ],
)
def test_malformed_files_give_a_one_line_reason(data, message):
    with pytest.raises(ParseError, match=message) as refused:
        l5x.parse(data)
    assert "\n" not in str(refused.value)


def test_constants_and_timer_presets_are_settings_the_rest_of_a_tag_value_is_volatile():
    simple, safety = l5x.parse(SIMPLE), l5x.parse(SAFETY)
    assert safety.config["tags"]["Program:Guarding.SpeedLimit"]["value"] == "0.8"  # Constant="true"
    assert "Program:Guarding.SpeedLimit" not in safety.volatile["tag_values"]
    timer = simple.config["tags"]["TestTimer"]
    assert timer["preset"] == {"PRE": "10000"}  # the engineer sets the preset; ACC and the bits move
    assert "ACC" in simple.volatile["tag_values"]["TestTimer"]
    assert "value" not in simple.config["tags"]["Tag_0"] and "Tag_0" in simple.volatile["tag_values"]
    changed = l5x.parse(SIMPLE.replace(b'Name="PRE" DataType="DINT" Radix="Decimal" Value="10000"',
                                       b'Name="PRE" DataType="DINT" Radix="Decimal" Value="5000"', 1))  # fmt: skip
    assert changed.config != simple.config
