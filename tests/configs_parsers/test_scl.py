from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otcsms.configs.parsers import ParseError, scl

from .support import sample, shuffle_children

BAY = sample("feeder_bay.scd")
COMPAS = sample("compas-scl-with-control-blocks.scd")
NS = {"s": "http://www.iec.ch/61850/2003/SCL"}


def test_the_sample_reads_ieds_datasets_control_blocks_and_communication():
    parsed = scl.parse(BAY)
    ied = parsed.config["ieds"]["E1Q1SB1"]
    assert (ied["manufacturer"], ied["type"], ied["config_version"]) == ("ExampleCorp", "FPR-500", "2.4.1")
    lln0 = ied["access_points"]["S1"]["ldevices"]["PROT"]["lns"]["LLN0"]
    assert lln0["datasets"]["dsTrip"] == ["PROT/PTRC1.Tr.general [ST]", "PROT/PTRC1.Str.general [ST]"]
    assert lln0["report_controls"]["urcbMeas"]["datSet"] == "dsMeas"
    assert lln0["report_controls"]["urcbMeas"]["RptEnabled"] == {"max": "2"}
    assert lln0["gse_controls"]["gcbTrip"]["subscribers"] == ["E1Q2SB1"]
    assert (
        ied["access_points"]["S1"]["ldevices"]["PROT"]["lns"]["PTOC1"]["values"]["StrVal.setMag.f"] == "1200"
    )
    assert "Q0XCBR1" in ied["access_points"]["S1"]["ldevices"]["PROT"]["lns"]
    station_bus = parsed.config["communication"]["subnetworks"]["StationBus"]
    ap = station_bus["access_points"]["E1Q1SB1/S1"]
    assert ap["address"]["IP"] == "10.40.1.11"
    assert ap["gse"]["PROT/gcbTrip"]["address"]["MAC-Address"] == "01-0C-CD-01-00-11"
    assert ap["gse"]["PROT/gcbTrip"]["mintime"] == "4 ms"
    assert parsed.meta["scl_version"] == "2007B4"


def test_the_compas_sample_reads_and_its_snmp_keys_are_not_stored():
    parsed = scl.parse(COMPAS)
    lln0 = parsed.config["ieds"]["ied1"]["access_points"]["PROCESS_AP"]["ldevices"]["lDeviceInst1"]["lns"][
        "LLN0"
    ]
    assert set(lln0) >= {
        "datasets",
        "report_controls",
        "gse_controls",
        "smv_controls",
        "log_controls",
        "inputs",
    }
    admin = parsed.config["communication"]["subnetworks"]["RSPACE_ADMIN_NETWORK"]["access_points"][
        "ied1/ADMIN_AP"
    ]
    assert admin["address"]["SnmpAuthKey"].startswith("<secret hmac:")
    assert "Password cle" not in str(parsed.config)


def test_dataset_member_order_is_kept():
    first = b'doName="Tr" daName="general" fc="ST"/>'
    second = b'doName="Str" daName="general" fc="ST"/>'
    swapped = BAY.replace(first, b"@@").replace(second, first).replace(b"@@", second)
    assert scl.parse(swapped).config != scl.parse(BAY).config


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_reordering_ieds_lns_control_blocks_and_addresses_changes_nothing(rng):
    parents = "/s:SCL | //s:LDevice | //s:LN0 | //s:Address | //s:SubNetwork | //s:Services | //s:ConnectedAP"
    # not DataSets: their members' order is semantic (and DataSet is a child of LN0, not reordered inside)
    reordered = shuffle_children(BAY, parents, rng, NS)
    assert scl.parse(reordered).config == scl.parse(BAY).config


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<UANodeSet/>", "not an IEC 61850 SCL file"),
        (b'<SCL xmlns="http://www.iec.ch/61850/2003/SCL"/>', "without a <Header>"),
        (BAY.replace(b'<IED name="E1Q2SB1"', b'<IED name="E1Q1SB1"'), "defined twice"),
        (BAY.replace(b'<DataSet name="dsMeas"', b"<DataSet"), "has no name"),
    ],
)
def test_malformed_files_give_a_one_line_reason(data, message):
    with pytest.raises(ParseError, match=message) as refused:
        scl.parse(data)
    assert "\n" not in str(refused.value)
