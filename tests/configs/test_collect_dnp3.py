"""The DNP3 master (collectors/dnp3.py) against an independent outstation (dnp3py, in its own process).

A substation RTU is baselined from a live read; a point is added and a process value moves; the next read
shows the added point as high drift at its path and never the value. An outstation that does not serve the
device attributes (group 0) is recorded as such; a port nobody listens on is unreachable; a peer that speaks
something else is an error, not a crash.
"""

from __future__ import annotations

import os
import struct
import threading

import pytest
from dnp3.core.crc import compute_crc

from otcsms.configs import services
from otcsms.configs.collectors import Options, Target, collect_one, dnp3
from otcsms.configs.models import Snapshot
from otcsms.plant.models import Asset
from tests.configs.peers import Dnp3Outstation, free_port, run_apart

POINTS = {
    "binary_inputs": {"0": True, "1": False},
    "analog_inputs": {"0": 231, "1": 550},  # tank level, pump speed: process values
    "counters": {"4": 1200},
    "binary_outputs": {"0": False},
    "analog_outputs": {"2": 42},  # a setpoint
}


@pytest.fixture
def outstation():
    peer = Dnp3Outstation(free_port(), 10, {k: dict(v) for k, v in POINTS.items()})
    peer.start()
    yield peer
    peer.stop()


@pytest.fixture
def rtu(site_a, zone_sl2):
    return Asset.objects.create(site=site_a, name="RTU-SUB-01", zone=zone_sl2, type="rtu")


def fast(**kw) -> Options:
    return Options(**{"timeout": 2, "retries": 0, **kw})


def test_link_crc_matches_the_standard_and_an_independent_implementation():
    # a Reset Link States frame from master 1 to outstation 1024, CRC as published in IEEE 1815 examples
    header = bytes.fromhex("056405c000040100")
    assert dnp3.crc(header) == compute_crc(header)
    frame = dnp3.link_frame(0xC0, 1024, 1)
    assert frame[:8] == header and struct.unpack("<H", frame[8:])[0] == compute_crc(header)
    for size in (0, 1, 15, 16, 17, 200):
        data = os.urandom(size)
        assert dnp3.crc(data) == compute_crc(data)


def test_group_0_attributes_are_read_from_their_type_length_value_form():
    # g0v242 (software version, visible string "2.7.1"), g0v248 (serial, visible string), g0v239 (UINT 2048),
    # each: group 0, the attribute as variation, qualifier 0x00 with start = stop = 0, then code, length, value
    objects = (
        bytes([0, 242, 0x00, 0, 0, 1, 5]) + b"2.7.1"
        + bytes([0, 248, 0x00, 0, 0, 1, 4]) + b"SN42"
        + bytes([0, 239, 0x00, 0, 0, 2, 2]) + (2048).to_bytes(2, "little")
    )  # fmt: skip
    found = {
        dnp3.ATTRIBUTES[v]: dnp3.decode_attribute(raw)
        for g, v, items in dnp3.iter_objects(objects)
        for _, raw in items
    }
    assert found == {"software_version": "2.7.1", "serial_number": "SN42", "max_rx_fragment_size": 2048}
    with pytest.raises(dnp3.ObjectError):
        list(dnp3.iter_objects(bytes([0, 242, 0x00, 0, 0, 1, 200]) + b"short"))


def test_hostile_object_headers_are_refused_not_trusted():
    with pytest.raises(dnp3.ObjectError):  # 4-octet count of four billion objects
        list(dnp3.iter_objects(bytes([30, 1, 0x09]) + b"\xff\xff\xff\xff"))
    with pytest.raises(dnp3.ObjectError):  # stop below start
        list(dnp3.iter_objects(bytes([30, 1, 0x00, 5, 1])))
    with pytest.raises(dnp3.ObjectError):  # an object otcsms has no layout for
        list(dnp3.iter_objects(bytes([99, 1, 0x00, 0, 0, 1, 2, 3])))


def test_an_rtu_point_added_is_high_drift_and_values_never_are(outstation, rtu):
    rtu.endpoints.create(protocol="dnp3", host="127.0.0.1", port=outstation.port, role="outstation",
                         params={"outstation_address": 10, "master_address": 1})  # fmt: skip
    (first,) = services.collect([rtu], fast())
    assert first.status == "ok", first.messages
    config = first.snapshot.config["dnp3"]
    assert config["device_attributes"] is None  # dnp3py does not serve group 0: recorded, not an error
    assert config["points"]["analog_input"] == {
        "0": {"group": 30, "variation": 1},
        "1": {"group": 30, "variation": 1},
    }
    assert set(config["points"]) == {
        "binary_input",
        "analog_input",
        "counter",
        "binary_output",
        "analog_output",
    }
    assert first.snapshot.volatile["dnp3"]["points"]["analog_input"]["0"]["value"] == 231
    assert first.snapshot.source["collectors"] == [f"dnp3 ({dnp3.VERSION})"]
    services.approve_baseline(first.snapshot, by=None, reason="commissioning")

    outstation.restart({**POINTS, "analog_inputs": {"0": 305, "1": 610}, "counters": {"4": 1500}})
    (second,) = services.collect([rtu], fast())
    assert second.status == "ok" and not second.created
    assert services.drift(Asset.objects.filter(pk=rtu.pk))[0].result.status == "in_baseline"

    outstation.restart({**POINTS, "analog_inputs": {"0": 100, "1": 0, "7": 3}})
    (third,) = services.collect([rtu], fast())
    assert third.created and third.snapshot.version == 2
    (row,) = services.drift(Asset.objects.filter(pk=rtu.pk))
    found = {(c.change.path, c.change.kind): (c.severity, c.rule) for c in row.result.changes}
    assert found == {("/dnp3/points/analog_input/7", "added"): ("high", "dnp3.point-added-removed")}


def test_an_outstation_nobody_runs_is_unreachable(rtu):
    rtu.endpoints.create(protocol="dnp3", host="127.0.0.1", port=free_port(), role="outstation")
    (result,) = services.collect([rtu], fast(retries=1, backoff=0.01))
    assert result.status == "unreachable" and result.snapshot is None
    assert not Snapshot.objects.filter(asset=rtu).exists()


def test_the_wrong_outstation_address_gets_no_answer_and_is_unreachable(outstation):
    target = Target(
        key=1, protocol="dnp3", host="127.0.0.1", port=outstation.port, params={"outstation_address": 11}
    )
    outcome = run_apart(collect_one(target, Options(timeout=0.5, retries=0)))
    assert outcome.status == "unreachable"


class Speaker:
    """A TCP peer on 127.0.0.1 that answers every connection with ``reply`` (not DNP3)."""

    def __init__(self, reply: bytes) -> None:
        import socket

        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(1024)
                conn.sendall(self.reply)

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 400 Bad Request\r\n\r\n",
        dnp3.link_frame(0x44, 1, 10, b"\xc0")[:8] + b"\x00\x00" + b"\x00" * 8,
    ],
    ids=["http", "bad-crc"],
)
def test_a_peer_that_is_not_a_dnp3_outstation_is_an_error(reply):
    speaker = Speaker(reply)
    try:
        target = Target(
            key=1, protocol="dnp3", host="127.0.0.1", port=speaker.port, params={"outstation_address": 10}
        )
        outcome = run_apart(collect_one(target, Options(timeout=1, retries=0)))
    finally:
        speaker.close()
    assert outcome.status == "error" and ("05 64" in outcome.message or "CRC" in outcome.message)
