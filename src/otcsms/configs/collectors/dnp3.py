"""DNP3 over TCP (IEEE 1815): a small master of otcsms's own, asyncio, reading only.

Three layers, as the standard stacks them:
- link: frames of ``05 64``, length, control, destination, source, a CRC over the header, then the user data in
  blocks of 16 octets each followed by its CRC (DNP3's CRC-16, polynomial 0x3D65, reflected, complemented);
- transport: one octet in front of each segment (FIN, FIR, a 6-bit sequence) to carry a fragment in frames;
- application: READ requests and the responses' object headers (group, variation, qualifier, range).

Two requests: the device attributes (group 0, variation 254 "all") and an integrity poll of the static data
(class 0, g60v1). An outstation that does not serve group 0 (IIN2 "object unknown" or "function not
supported", or no object in the answer) is recorded as such, not as an error. The points become configuration
(type, index, the static group and variation the outstation reports them with); their values and flags are
volatile. Nothing is ever written to the outstation, except the application confirmations the protocol asks for.

The endpoint's params may set ``outstation_address`` (default 10) and ``master_address`` (default 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from otcsms.configs.collectors import CollectError, Options, Reading, Target, Unreachable

PROTOCOL = "dnp3"
NAME = "dnp3"
VERSION = "otcsms dnp3 master 1"

# ------------------------------------------------------------------------------------------------ link layer
START = b"\x05\x64"
MAX_USER_DATA = 250  # octets of user data in one link frame
_DIR, _PRM = 0x80, 0x40
LINK_UNCONFIRMED_USER_DATA = 4
LINK_CONFIRMED_USER_DATA = 3
LINK_REQUEST_STATUS = 9
LINK_ACK = 0
LINK_STATUS = 11


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc_table()


def crc(data: bytes) -> int:
    """DNP3's CRC-16 of ``data`` (poly 0x3D65 reflected as 0xA6BC, initial 0, the result complemented)."""
    value = 0
    for byte in data:
        value = (value >> 8) ^ _CRC_TABLE[(value ^ byte) & 0xFF]
    return ~value & 0xFFFF


def link_frame(control: int, destination: int, source: int, user_data: bytes = b"") -> bytes:
    if len(user_data) > MAX_USER_DATA:
        raise ValueError("a link frame carries at most 250 octets of user data")
    header = START + struct.pack("<BBHH", 5 + len(user_data), control, destination, source)
    out = bytearray(header + struct.pack("<H", crc(header)))
    for i in range(0, len(user_data), 16):
        block = user_data[i : i + 16]
        out += block + struct.pack("<H", crc(block))
    return bytes(out)


@dataclass(frozen=True)
class Frame:
    control: int
    destination: int
    source: int
    data: bytes

    @property
    def function(self) -> int:
        return self.control & 0x0F

    @property
    def primary(self) -> bool:
        return bool(self.control & _PRM)


async def read_frame(reader: asyncio.StreamReader, timeout: float) -> Frame:
    """The next link frame, its CRCs checked (CollectError when the stream is not DNP3)."""
    try:
        header = await asyncio.wait_for(reader.readexactly(10), timeout)
    except asyncio.IncompleteReadError:
        raise Unreachable("the outstation closed the connection") from None
    if header[:2] != START:
        raise CollectError("not a DNP3 link frame (no 05 64 start)")
    if crc(header[:8]) != struct.unpack_from("<H", header, 8)[0]:
        raise CollectError("DNP3 link header CRC mismatch")
    length, control, destination, source = struct.unpack_from("<BBHH", header, 2)
    if length < 5:
        raise CollectError(f"DNP3 link frame length {length} is below the minimum of 5")
    size = length - 5
    blocks = (size + 15) // 16
    try:
        body = await asyncio.wait_for(reader.readexactly(size + 2 * blocks), timeout)
    except asyncio.IncompleteReadError:
        raise Unreachable("the outstation closed the connection") from None
    data = bytearray()
    for i in range(blocks):
        chunk = body[i * 18 : i * 18 + 18]
        block, check = chunk[:-2], struct.unpack("<H", chunk[-2:])[0]
        if crc(block) != check:
            raise CollectError("DNP3 link data block CRC mismatch")
        data += block
    return Frame(control, destination, source, bytes(data))


# ------------------------------------------------------------------------------------------------ application
FIR, FIN, CON, UNS = 0x80, 0x40, 0x20, 0x10
FC_CONFIRM, FC_READ, FC_RESPONSE, FC_UNSOLICITED = 0x00, 0x01, 0x81, 0x82
IIN2_NO_FUNCTION, IIN2_OBJECT_UNKNOWN, IIN2_PARAMETER_ERROR = 0x01, 0x02, 0x04
IIN1_NAMES = {0x01: "broadcast", 0x02: "class_1_events", 0x04: "class_2_events", 0x08: "class_3_events",
              0x10: "need_time", 0x20: "local_control", 0x40: "device_trouble", 0x80: "device_restart"}  # fmt: skip
IIN2_NAMES = {0x01: "no_function_support", 0x02: "object_unknown", 0x04: "parameter_error",
              0x08: "event_buffer_overflow", 0x10: "already_executing", 0x20: "config_corrupt"}  # fmt: skip

# Point types by the static (and event) groups that carry them.
POINT_TYPES = {
    1: "binary_input", 2: "binary_input", 3: "double_bit_input", 4: "double_bit_input",
    10: "binary_output", 11: "binary_output", 20: "counter", 22: "counter", 21: "frozen_counter",
    23: "frozen_counter", 30: "analog_input", 32: "analog_input", 31: "frozen_analog_input",
    33: "frozen_analog_input", 40: "analog_output", 42: "analog_output", 110: "octet_string",
}  # fmt: skip
STATIC_GROUPS = frozenset({1, 3, 10, 20, 21, 30, 31, 40, 110})

# Fixed-size object layouts: (group, variation) -> struct format after the index prefix, little-endian.
# "B" first is the flags octet; "6s" a 48-bit DNP3 time.
_LAYOUTS: dict[tuple[int, int], str] = {
    (1, 2): "B", (3, 2): "B", (10, 2): "B",
    (20, 1): "BI", (20, 2): "BH", (20, 5): "I", (20, 6): "H",
    (21, 1): "BI", (21, 2): "BH", (21, 5): "BI6s", (21, 6): "BH6s", (21, 9): "I", (21, 10): "H",
    (30, 1): "Bi", (30, 2): "Bh", (30, 3): "i", (30, 4): "h", (30, 5): "Bf", (30, 6): "Bd",
    (31, 1): "Bi", (31, 2): "Bh", (31, 3): "Bi6s", (31, 4): "Bh6s", (31, 5): "i", (31, 6): "h",
    (31, 7): "Bf", (31, 8): "Bd",
    (40, 1): "Bi", (40, 2): "Bh", (40, 3): "Bf", (40, 4): "Bd",
    # events (not asked for, but an outstation may add them to a response: read past them)
    (2, 1): "B", (2, 2): "B6s", (2, 3): "BH", (4, 1): "B", (4, 2): "B6s", (4, 3): "BH",
    (11, 1): "B", (11, 2): "B6s", (22, 1): "BI", (22, 2): "BH", (22, 5): "BI6s", (22, 6): "BH6s",
    (23, 1): "BI", (23, 2): "BH", (23, 5): "BI6s", (23, 6): "BH6s",
    (32, 1): "Bi", (32, 2): "Bh", (32, 3): "Bi6s", (32, 4): "Bh6s", (32, 5): "Bf", (32, 6): "Bd",
    (32, 7): "Bf6s", (32, 8): "Bd6s",
    (42, 1): "Bi", (42, 2): "Bh", (42, 3): "Bi6s", (42, 4): "Bh6s", (42, 5): "Bf", (42, 6): "Bd",
    (42, 7): "Bf6s", (42, 8): "Bd6s",
    (50, 1): "6s", (51, 1): "6s", (51, 2): "6s", (52, 1): "H", (52, 2): "H",
}  # fmt: skip
_PACKED = {(1, 1): 1, (10, 1): 1, (3, 1): 2}  # bits per point, no flags

# Group 0 device attributes otcsms names (others are kept as ``v<variation>``).
ATTRIBUTES = {
    209: "secure_auth_version", 210: "secure_auth_stats", 211: "user_specific_sets", 212: "master_data_sets",
    213: "outstation_data_sets", 214: "max_binary_output_per_request", 215: "local_timing_accuracy",
    216: "time_accuracy_duration", 217: "analog_output_events", 218: "max_analog_output_index",
    219: "analog_outputs", 220: "binary_output_events", 221: "max_binary_output_index", 222: "binary_outputs",
    223: "frozen_counter_events", 224: "frozen_counters", 225: "counter_events", 226: "max_counter_index",
    227: "counters", 228: "frozen_analog_inputs", 229: "analog_input_events", 230: "max_analog_input_index",
    231: "analog_inputs", 232: "double_bit_input_events", 233: "max_double_bit_index",
    234: "double_bit_inputs", 235: "binary_input_events", 236: "max_binary_input_index",
    237: "binary_inputs", 238: "max_tx_fragment_size", 239: "max_rx_fragment_size",
    240: "max_tx_fragment_size", 241: "max_rx_fragment_size", 242: "software_version",
    243: "hardware_version", 245: "location", 246: "user_assigned_id", 247: "device_name",
    248: "serial_number", 249: "subset_level", 250: "product_name_and_model", 252: "manufacturer",
}  # fmt: skip
VOLATILE_ATTRIBUTES = frozenset({"secure_auth_stats"})


class ObjectError(CollectError):
    pass


@dataclass(frozen=True)
class Point:
    group: int
    variation: int
    index: int
    value: Any
    flags: int | None


@dataclass
class Fragment:
    control: int
    function: int
    iin1: int
    iin2: int
    objects: bytes

    @property
    def seq(self) -> int:
        return self.control & 0x0F


def read_request(seq: int, headers: bytes) -> bytes:
    return bytes([FIR | FIN | (seq & 0x0F), FC_READ]) + headers


def parse_fragment(data: bytes) -> Fragment:
    if len(data) < 4:
        raise CollectError(f"DNP3 response of {len(data)} octets is shorter than its header")
    return Fragment(data[0], data[1], data[2], data[3], data[4:])


def _unsigned(data: bytes, at: int, size: int) -> int:
    if at + size > len(data):
        raise ObjectError("DNP3 object header runs past the end of the fragment")
    return int.from_bytes(data[at : at + size], "little")


def iter_objects(objects: bytes) -> Iterator[tuple[int, int, list[tuple[int, bytes]]]]:
    """(group, variation, [(index, raw object)]) for each object header of a response."""
    at = 0
    while at < len(objects):
        if at + 3 > len(objects):
            raise ObjectError("DNP3 object header cut short")
        group, variation, qualifier = objects[at], objects[at + 1], objects[at + 2]
        at += 3
        prefix, code = (qualifier >> 4) & 0x07, qualifier & 0x0F
        if code in (0, 1, 2):
            width = (1, 2, 4)[code]
            start, stop = _unsigned(objects, at, width), _unsigned(objects, at + width, width)
            at += 2 * width
            if stop < start:
                raise ObjectError(f"g{group}v{variation}: range stop {stop} below start {start}")
            count, indexes = stop - start + 1, range(start, stop + 1)
        elif code in (7, 8, 9):
            width = {7: 1, 8: 2, 9: 4}[code]
            count = _unsigned(objects, at, width)
            at += width
            indexes = range(count)
        elif code == 6:
            count, indexes = 0, range(0)
        else:
            raise ObjectError(f"g{group}v{variation}: qualifier 0x{qualifier:02x} is not one otcsms reads")
        if count > 65536:
            raise ObjectError(f"g{group}v{variation}: {count} objects in one header")
        items: list[tuple[int, bytes]] = []
        if group == 0:
            for _ in range(count):
                if at + 2 > len(objects):
                    raise ObjectError("g0: attribute cut short")
                size = objects[at + 1]
                if at + 2 + size > len(objects):
                    raise ObjectError("g0: attribute cut short")
                items.append((variation, objects[at : at + 2 + size]))
                at += 2 + size
        elif (group, variation) in _PACKED and prefix == 0:
            bits = _PACKED[(group, variation)]
            size = (count * bits + 7) // 8
            packed = objects[at : at + size]
            if len(packed) < size:
                raise ObjectError(f"g{group}v{variation}: packed data cut short")
            for n, index in enumerate(indexes):
                byte, shift = divmod(n * bits, 8)
                items.append((index, bytes([(packed[byte] >> shift) & ((1 << bits) - 1)])))
            at += size
        else:
            size = _object_size(group, variation)
            index_width = {0: 0, 1: 1, 2: 2, 3: 4}.get(prefix)
            if index_width is None:
                raise ObjectError(f"g{group}v{variation}: prefix code {prefix} is not one otcsms reads")
            for n, index in enumerate(indexes):
                if index_width:
                    index = _unsigned(objects, at, index_width)
                    at += index_width
                if at + size > len(objects):
                    raise ObjectError(f"g{group}v{variation}: object {n} cut short")
                items.append((index, objects[at : at + size]))
                at += size
        yield group, variation, items


def _object_size(group: int, variation: int) -> int:
    if group == 110:
        return variation  # an octet string's variation is its length
    layout = _LAYOUTS.get((group, variation))
    if layout is None:
        raise ObjectError(f"g{group}v{variation} is not an object otcsms reads")
    return struct.calcsize("<" + layout)


def decode_point(group: int, variation: int, index: int, raw: bytes) -> Point:
    if (group, variation) in _PACKED:
        value: Any = raw[0] if group == 3 else bool(raw[0])
        return Point(group, variation, index, value, None)
    if group == 110:
        return Point(group, variation, index, raw.hex(), None)
    fields = struct.unpack("<" + _LAYOUTS[(group, variation)], raw)
    layout = _LAYOUTS[(group, variation)]
    flags = fields[0] if layout.startswith("B") else None
    if group in (1, 10):
        value = bool(flags & 0x80) if flags is not None else None
    elif group == 3:
        value = (flags >> 6) & 0x03 if flags is not None else None
    else:
        value = fields[1] if flags is not None else fields[0]
        if isinstance(value, float) and value != value:  # NaN has no JSON form
            value = "NaN"
        elif isinstance(value, float) and value in (float("inf"), float("-inf")):
            value = str(value)
    return Point(group, variation, index, value, flags)


def decode_attribute(raw: bytes) -> Any:
    """One group 0 attribute: data type code, length, value."""
    code, size, value = raw[0], raw[1], raw[2:]
    if len(value) != size:
        raise ObjectError("g0: attribute length does not match")
    if code == 1:  # visible string
        return value.decode("latin-1")
    if code == 2:
        return int.from_bytes(value, "little")
    if code == 3:
        return int.from_bytes(value, "little", signed=True)
    if code == 4 and size in (4, 8):
        number = struct.unpack("<f" if size == 4 else "<d", value)[0]
        return number if number == number else "NaN"
    return value.hex()  # octet / bit strings, times, lists: kept as they are


# ------------------------------------------------------------------------------------------------ the master
class Session:
    """One TCP connection to one outstation, speaking as the master."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, master: int,
                 outstation: int, timeout: float) -> None:  # fmt: skip
        self.reader, self.writer = reader, writer
        self.master, self.outstation, self.timeout = master, outstation, timeout
        self.app_seq = 0
        self.transport_seq = 0

    async def send_fragment(self, fragment: bytes) -> None:
        chunk = MAX_USER_DATA - 1
        pieces = [fragment[i : i + chunk] for i in range(0, len(fragment), chunk)] or [b""]
        for n, piece in enumerate(pieces):
            header = (FIR if n == 0 else 0) | (FIN if n == len(pieces) - 1 else 0) | self.transport_seq
            self.transport_seq = (self.transport_seq + 1) % 64
            control = _DIR | _PRM | LINK_UNCONFIRMED_USER_DATA
            self.writer.write(link_frame(control, self.outstation, self.master, bytes([header]) + piece))
        await self.writer.drain()

    async def receive_fragment(self) -> bytes:
        """The next application fragment from the outstation, reassembled from transport segments."""
        assembled: bytearray | None = None
        for _ in range(10_000):
            frame = await read_frame(self.reader, self.timeout)
            if frame.source != self.outstation or frame.destination != self.master:
                continue  # not for this conversation
            if not frame.primary:
                continue  # an acknowledgement of ours: we never ask for one
            if frame.function == LINK_REQUEST_STATUS:
                self.writer.write(link_frame(_DIR | LINK_STATUS, self.outstation, self.master))
                await self.writer.drain()
                continue
            if frame.function == LINK_CONFIRMED_USER_DATA:
                self.writer.write(link_frame(_DIR | LINK_ACK, self.outstation, self.master))
                await self.writer.drain()
            elif frame.function != LINK_UNCONFIRMED_USER_DATA:
                continue
            if not frame.data:
                continue
            header, payload = frame.data[0], frame.data[1:]
            if header & FIR:
                assembled = bytearray(payload)
            elif assembled is not None:
                assembled += payload
            else:
                continue  # a segment whose first we did not see
            if len(assembled) > 65536:
                raise CollectError("DNP3 fragment over 64 KiB")
            if header & FIN:
                return bytes(assembled)
        raise CollectError("no DNP3 fragment in 10,000 link frames")

    async def confirm(self, fragment: Fragment) -> None:
        control = FIR | FIN | (fragment.control & UNS) | fragment.seq
        await self.send_fragment(bytes([control, FC_CONFIRM]))

    async def read(self, headers: bytes) -> list[Fragment]:
        """Send one READ and gather its response fragments (confirming each that asks for it)."""
        seq = self.app_seq
        self.app_seq = (self.app_seq + 1) % 16
        await self.send_fragment(read_request(seq, headers))
        fragments: list[Fragment] = []
        for _ in range(1000):
            fragment = parse_fragment(await self.receive_fragment())
            if fragment.function == FC_UNSOLICITED:
                if fragment.control & CON:
                    await self.confirm(fragment)
                continue
            if fragment.function != FC_RESPONSE:
                continue
            if fragment.seq != seq:
                continue  # a late answer to an earlier request
            if fragment.control & CON:
                await self.confirm(fragment)
            fragments.append(fragment)
            if fragment.control & FIN:
                return fragments
            seq = (seq + 1) % 16  # the next fragment of a multi-fragment response
        raise CollectError("a DNP3 response of more than 1,000 fragments")


async def read(target: Target, options: Options) -> Reading:
    try:
        master = int(target.params.get("master_address", 1))
        outstation = int(target.params.get("outstation_address", 10))
    except (TypeError, ValueError):
        raise CollectError("DNP3 master_address and outstation_address must be integers") from None
    if not (0 <= master <= 65519 and 0 <= outstation <= 65519) or master == outstation:
        raise CollectError("DNP3 addresses must be 0-65519 and differ")
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(target.host, target.port), options.timeout
        )
    except (OSError, TimeoutError) as exc:
        raise Unreachable(f"no DNP3 answer at {target.host}:{target.port}: {exc}") from None
    session = Session(reader, writer, master=master, outstation=outstation, timeout=options.timeout)
    try:
        attributes, served = await _attributes(session)
        integrity = await session.read(bytes([60, 1, 0x06]))
    except TimeoutError:
        raise Unreachable(f"the DNP3 outstation at {target.host}:{target.port} stopped answering") from None
    finally:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            await asyncio.wait_for(writer.wait_closed(), 1)
    return build_reading(outstation, attributes, served, integrity)


async def _attributes(session: Session) -> tuple[dict[str, Any], bool]:
    fragments = await session.read(bytes([0, 254, 0x06]))
    found: dict[str, Any] = {}
    for fragment in fragments:
        try:
            for group, variation, items in iter_objects(fragment.objects):
                if group != 0:
                    continue
                for _index, raw in items:
                    found[ATTRIBUTES.get(variation, f"v{variation}")] = decode_attribute(raw)
        except ObjectError:
            pass  # an answer otcsms cannot read counts as not served (IIN2 object unknown says the same)
    return found, bool(found)


def _iin(fragment: Fragment) -> list[str]:
    names = [name for bit, name in IIN1_NAMES.items() if fragment.iin1 & bit]
    return names + [name for bit, name in IIN2_NAMES.items() if fragment.iin2 & bit]


def build_reading(
    outstation: int, attributes: dict[str, Any], served: bool, integrity: list[Fragment]
) -> Reading:
    points: dict[str, dict[str, Any]] = {}
    values: dict[str, dict[str, Any]] = {}
    iin: set[str] = set()
    for fragment in integrity:
        iin |= set(_iin(fragment))
        if fragment.iin2 & (IIN2_NO_FUNCTION | IIN2_OBJECT_UNKNOWN):
            raise CollectError("the DNP3 outstation refused the integrity poll (class 0)")
        for group, variation, items in iter_objects(fragment.objects):
            if group not in STATIC_GROUPS:
                continue  # events or time: not configuration
            kind = POINT_TYPES[group]
            for index, raw in items:
                point = decode_point(group, variation, index, raw)
                points.setdefault(kind, {})[str(index)] = {"group": group, "variation": variation}
                state: dict[str, Any] = {"value": point.value}
                if point.flags is not None:
                    state["flags"] = point.flags
                    state["online"] = bool(point.flags & 0x01)
                values.setdefault(kind, {})[str(index)] = state
    config_attributes = {k: v for k, v in attributes.items() if k not in VOLATILE_ATTRIBUTES}
    config: dict[str, Any] = {
        "dnp3": {
            "outstation_address": outstation,
            "device_attributes": config_attributes if served else None,
            "points": points,
        }
    }
    volatile: dict[str, Any] = {"dnp3": {"points": values, "iin": sorted(iin)}}
    extra = {k: v for k, v in attributes.items() if k in VOLATILE_ATTRIBUTES}
    if extra:
        volatile["dnp3"]["device_attributes"] = extra
    return Reading(NAME, VERSION, config, volatile)
