"""Every parser is registered, claims its own samples and no other's, and detect() picks the right one."""

from __future__ import annotations

import pytest

from otcsms.configs.parsers import ParseError, detect, kinds, modules, parse

from .support import sample

SAMPLES = {
    "LaserSystem-Example.NodeSet2.xml": "opcua-nodeset",
    "Simple.L5X": "l5x",
    "line3_safety.L5X": "l5x",
    "pump_station.plcopen.xml": "plcopen-xml",
    "feeder_bay.scd": "iec61850-scl",
    "compas-scl-with-control-blocks.scd": "iec61850-scl",
    "rtu_outstation.dnp3.xml": "dnp3-device-profile",
    "cell-switch-01.running-config.txt": "running-config",
}


def test_every_format_is_registered_with_json_last():
    assert set(SAMPLES.values()) | {"json"} == set(kinds())
    assert modules()[-1].KIND == "json"


@pytest.mark.parametrize(("name", "kind"), SAMPLES.items())
def test_each_parser_claims_its_samples_and_no_other_does(name, kind):
    data = sample(name)
    claims = {m.KIND for m in modules() if m.sniff(name, data[:4096])}
    assert claims == {kind}
    # the content alone is enough: the same bytes under a neutral name
    assert detect("upload.bin", data) == kind
    assert parse(name, data).kind == kind


def test_json_is_still_json_and_unknown_files_are_refused():
    assert detect("device.json", b'{"a": 1}') == "json"
    with pytest.raises(ParseError, match="not a configuration format"):
        detect("notes.bin", b"\x00\x01 binary")
