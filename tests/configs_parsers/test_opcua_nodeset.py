from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otcsms.configs.parsers import ParseError, opcua_nodeset

from .support import sample, shuffle_children

LASER = sample("LaserSystem-Example.NodeSet2.xml")
UA = {"ua": "http://opcfoundation.org/UA/2011/03/UANodeSet.xsd"}
PUMP = b"""<?xml version="1.0" encoding="utf-8"?>
<UANodeSet xmlns="http://opcfoundation.org/UA/2011/03/UANodeSet.xsd"
           xmlns:uax="http://opcfoundation.org/UA/2008/02/Types.xsd">
  <NamespaceUris><Uri>urn:plant:pumps</Uri></NamespaceUris>
  <Models><Model ModelUri="urn:plant:pumps" Version="2.1.0" PublicationDate="2025-02-01T00:00:00Z"/></Models>
  <Aliases><Alias Alias="Double">i=11</Alias><Alias Alias="HasComponent">i=47</Alias></Aliases>
  <UAVariable NodeId="ns=1;s=Pump1.Setpoint" BrowseName="1:Setpoint" DataType="Double" AccessLevel="3"
              UserAccessLevel="1" ParentNodeId="ns=1;s=Pump1">
    <DisplayName>Setpoint</DisplayName>
    <References><Reference ReferenceType="HasComponent" IsForward="false">ns=1;s=Pump1</Reference></References>
    <Value><uax:Double>42.5</uax:Double></Value>
  </UAVariable>
  <UAVariable NodeId="ns=1;s=Pump1.Level" BrowseName="1:Level" DataType="Double" AccessLevel="5">
    <DisplayName>Level</DisplayName>
    <Value><uax:Double>3.71</uax:Double></Value>
  </UAVariable>
</UANodeSet>
"""


def test_the_sample_reads_into_namespaces_models_and_nodes():
    parsed = opcua_nodeset.parse(LASER)
    assert parsed.kind == "opcua-nodeset"
    assert parsed.config["namespaces"][0] == "http://vdma.org/UA/LaserSystem-Example/"
    model = parsed.config["models"]["http://vdma.org/UA/LaserSystem-Example/"]
    assert model["version"] == "1.0.0"
    assert model["publication_date"] == "2023-12-01T00:00:00Z"
    assert model["required"]["http://opcfoundation.org/UA/Machinery/"]["version"] == "1.03.0"
    year = parsed.config["nodes"]["ns=1;i=6027"]
    assert year["class"] == "Variable"
    assert year["browse_name"] == "3:YearOfConstruction"
    assert year["data_type"] == "UInt16"
    assert year["type_definition"] == "i=68"
    assert year["references"]["HasProperty<ns=1;i=5004"] is True
    assert parsed.config["nodes"]["ns=1;i=5003"]["class"] == "Object"
    assert parsed.meta["nodes"] == len(parsed.config["nodes"]) == 91


def test_process_values_are_volatile_not_config():
    parsed = opcua_nodeset.parse(LASER)
    assert parsed.volatile["values"]["ns=1;i=6036"] == "90"  # a consumable's measured level
    assert "90" not in str(parsed.config["nodes"]["ns=1;i=6036"])
    # a nameplate property is a setting (see test_settings_land_in_config_and_process_values_in_volatile)
    assert parsed.config["nodes"]["ns=1;i=6001"]["value"] == {"Locale": "en", "Text": "VDMA e.V."}
    assert "ns=1;i=6001" not in parsed.volatile["values"]


def test_access_levels_are_decoded_and_absent_means_read_only():
    nodes = opcua_nodeset.parse(PUMP).config["nodes"]
    setpoint = nodes["ns=1;s=Pump1.Setpoint"]
    assert setpoint["access_level"]["readable"] and setpoint["access_level"]["writable"]
    assert setpoint["user_access_level"]["readable"] and not setpoint["user_access_level"]["writable"]
    level = nodes["ns=1;s=Pump1.Level"]
    assert level["access_level"]["history_readable"] and not level["access_level"]["writable"]
    assert not level["user_access_level"]["writable"]  # UserAccessLevel absent: the schema default, 1
    laser = opcua_nodeset.parse(LASER).config["nodes"]["ns=1;i=6027"]
    assert laser["access_level"] == opcua_nodeset.access_flags(1)


def test_a_process_value_change_leaves_config_alone_a_setpoint_or_write_bit_does_not():
    before = opcua_nodeset.parse(PUMP)
    new_level = opcua_nodeset.parse(PUMP.replace(b"3.71", b"4.02"))
    new_setpoint = opcua_nodeset.parse(PUMP.replace(b"42.5", b"50.0"))
    writable = opcua_nodeset.parse(PUMP.replace(b'UserAccessLevel="1"', b'UserAccessLevel="3"'))
    assert new_level.config == before.config and new_level.volatile != before.volatile
    assert new_setpoint.config["nodes"]["ns=1;s=Pump1.Setpoint"]["value"] == "50.0"
    assert new_setpoint.volatile == before.volatile
    assert writable.config != before.config


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_reordering_nodes_references_and_aliases_changes_nothing(rng):
    expected = opcua_nodeset.parse(LASER)
    reordered = shuffle_children(
        LASER, "/ua:UANodeSet | //ua:References | //ua:Aliases | //ua:Models/ua:Model", rng, UA
    )
    # the namespace table is an ordered list (ns=1 means its first entry): shuffle everything but it
    parsed = opcua_nodeset.parse(reordered)
    assert parsed.config["nodes"] == expected.config["nodes"]
    assert parsed.config["models"] == expected.config["models"]
    assert parsed.config["aliases"] == expected.config["aliases"]
    assert parsed.volatile == expected.volatile


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<SCL/>", "root element is <SCL>"),
        (PUMP.replace(b' NodeId="ns=1;s=Pump1.Level"', b""), "has no NodeId"),
        (PUMP.replace(b"ns=1;s=Pump1.Level", b"ns=1;s=Pump1.Setpoint"), "defined twice"),
        (PUMP.replace(b'AccessLevel="3"', b'AccessLevel="rw"'), "AccessLevel='rw'"),
        (PUMP[:300], "not well-formed"),
    ],
)
def test_malformed_files_give_a_one_line_reason(data, message):
    with pytest.raises(ParseError, match=message) as refused:
        opcua_nodeset.parse(data)
    assert "\n" not in str(refused.value)


def test_settings_land_in_config_and_process_values_in_volatile():
    parsed = opcua_nodeset.parse(LASER)
    nodes, values = parsed.config["nodes"], parsed.volatile["values"]

    def by_name(name):
        return [k for k, n in nodes.items() if n["browse_name"] == name]

    # properties (nameplate, engineering units) and limits are settings: compared and judged
    assert nodes[by_name("4:SerialNumber")[0]]["value"] == "0815-4711"
    assert nodes["ns=1;i=6027"]["value"] == "2023"
    for limit in ("2:UpperErrorLevel", "2:LowerWarningLevel"):
        (node_id,) = by_name(limit)
        assert "value" in nodes[node_id] and node_id not in values
    assert all("value" in nodes[k] for k in by_name("EngineeringUnits"))
    # measured values, running totals and a state machine's state are process values
    for running in ("2:Value", "2:CurrentValue", "4:OperationDuration", "4:PowerOnDuration", "CurrentState", "Id",
                    "2:LastUsage"):  # fmt: skip
        for node_id in by_name(running):
            assert "value" not in nodes[node_id] and node_id in values, running


@pytest.mark.parametrize(
    ("data", "plain"),
    [
        (PUMP, True),
        (LASER, None),  # whatever the bytes say; when vouched for, the walk agrees
        (PUMP.replace(b"Pump1.Level", "Pump1.\U0001f6b0".encode()), False),  # a NodeId outside the BMP
        (PUMP.replace(b"Pump1.Level", b"Pump1.&#x1F6B0;"), False),  # the same as a character reference
        (PUMP.replace(b'encoding="utf-8"', b'encoding="GB18030"'), False),  # another encoding: not vouched
        ("\ufeff".encode("utf-16-le") + PUMP.decode().replace("utf-8", "utf-16").encode("utf-16-le"), False),
    ],
)
def test_plain_is_vouched_only_when_the_checking_walk_would_agree(data, plain):
    """``Parsed.plain`` lets the hash skip the checking walk: it must never be claimed where the walk would find
    a non-normal value or a key whose RFC 8785 order differs (outside the BMP)."""
    from otcsms.configs.canonical import _PLAIN, _scan, config_hash, normal_and_hash

    parsed = opcua_nodeset.parse(data)
    if plain is not None:
        assert parsed.plain is plain
    if parsed.plain:
        assert _scan(parsed.config) == _PLAIN
        assert normal_and_hash(parsed.config, plain=True)[1] == config_hash(parsed.config)
