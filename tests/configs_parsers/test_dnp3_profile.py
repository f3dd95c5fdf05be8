from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otcsms.configs.parsers import ParseError, dnp3_profile

from .support import sample, shuffle_children

PROFILE = sample("rtu_outstation.dnp3.xml")
NS = {"d": "http://www.dnp3.org/DNP3/DeviceProfile/Jan2010"}


def test_current_values_are_read_and_capabilities_are_not():
    parsed = dnp3_profile.parse(PROFILE)
    device = parsed.config["parameters"]["DeviceConfig"]
    assert device["deviceFunction"] == "outstation"
    assert device["dnpLevelSupported"] == "level3"  # capabilities list level2 too: not the setting
    network = parsed.config["parameters"]["NetworkConfig"]
    assert network["tcpListenPort"] == "20000"
    assert network["ipAddressOfRemoteDevice"] == ["10.20.0.5", "10.20.0.6"]
    assert parsed.config["parameters"]["ApplConfig"]["applicationLayerConfirmTimeout"] == {"fixed": "5000"}
    assert parsed.config["parameters"]["LinkConfig"]["sourceAddressValidation"] == {
        "alwaysSingleAddress": {"expectedAddress": "1"}
    }
    assert parsed.config["parameters"]["AnalogInputGroup"]["deadbandAssignment"] == "configurable"
    assert parsed.meta["softwareVersion"] == "4.2.7"


def test_points_are_keyed_by_index():
    points = dnp3_profile.parse(PROFILE).config["points"]
    assert points["BinaryInputPoints"]["2"] == {"name": "Protection trip", "changeEventClass": "1"}
    assert points["AnalogInputPoints"]["0"]["deadband"] == "50"
    assert set(points["BinaryOutputPoints"]["0"]["supportedControlOperations"]) == {
        "supportsSelectOperate",
        "supportsTripClose",
    }


def test_enabling_secure_authentication_shows():
    changed = PROFILE.replace(b"<currentValue><no/></currentValue>", b"<currentValue><yes/></currentValue>")
    assert dnp3_profile.parse(changed).config["parameters"]["SecurityConfig"] == {
        "secureAuthenticationEnabled": "yes"
    }


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_reordering_sections_parameters_and_points_changes_nothing(rng):
    parents = "//d:Configuration | //d:Configuration/* | //d:Database | //d:DataPointsList | //d:dataPoints"
    reordered = shuffle_children(PROFILE, parents, rng, NS)
    assert dnp3_profile.parse(reordered).config == dnp3_profile.parse(PROFILE).config


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<SCL/>", "not a DNP3 device profile"),
        (b"<DNP3DeviceProfileDocument/>", "without a <ReferenceDevice>"),
        (PROFILE.replace(b"<index>3</index>", b"<index>2</index>"), "index 2 appears twice"),
        (PROFILE.replace(b"<index>3</index>", b"<index>three</index>"), "is not a number"),
    ],
)
def test_malformed_files_give_a_one_line_reason(data, message):
    with pytest.raises(ParseError, match=message) as refused:
        dnp3_profile.parse(data)
    assert "\n" not in str(refused.value)
