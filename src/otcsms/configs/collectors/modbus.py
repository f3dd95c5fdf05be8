"""Modbus TCP (pymodbus): device identification (function 43/14) and the register map of the device's profile.

The profile (configs/profiles/<name>.yaml, named by the asset's ``profile``) lists named parameters with
table, address, type, scaling and whether each is configuration (``config``: compared, judged) or a process
value (``process``: kept as volatile, never drift). Reads are planned to as few requests as the protocol's
limits allow (125 registers, 2000 bits per request), merging parameters across gaps of at most the profile's
``max_gap`` addresses (default 0: a device may refuse to read addresses it does not have).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from otcsms.configs.collectors import CollectError, Options, Reading, Target, Unreachable

PROTOCOL = "modbus-tcp"
NAME = "modbus"
TABLES = {"holding": 125, "input": 125, "coil": 2000, "discrete": 2000}
WIDTHS = {"uint16": 1, "int16": 1, "uint32": 2, "int32": 2, "float32": 2, "bool": 1}
_FORMATS = {"uint16": ">H", "int16": ">h", "uint32": ">I", "int32": ">i", "float32": ">f"}
IDENTIFICATION = {
    0: "vendor_name",
    1: "product_code",
    2: "major_minor_revision",
    3: "vendor_url",
    4: "product_name",
    5: "model_name",
    6: "user_application_name",
}


@dataclass(frozen=True)
class Parameter:
    name: str
    table: str
    address: int
    type: str
    kind: str  # config | process
    scale: float = 1.0
    unit: str = ""

    @property
    def width(self) -> int:
        return 1 if self.table in ("coil", "discrete") else WIDTHS[self.type]


@dataclass(frozen=True)
class Request:
    table: str
    start: int
    count: int
    parameters: tuple[Parameter, ...]


class ProfileError(ValueError):
    pass


def parameters_of(profile: dict[str, Any]) -> list[Parameter]:
    """The parameters of a register-map profile, checked (ProfileError names the first bad one)."""
    found: list[Parameter] = []
    names: set[str] = set()
    for n, item in enumerate(profile.get("parameters") or []):
        where = f"profile {profile.get('name', '?')} parameter {n + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ProfileError(f"{where}: needs a name")
        table, kind, kind_type = item.get("table"), item.get("kind", "config"), item.get("type", "uint16")
        if table not in TABLES:
            raise ProfileError(f"{where}: table must be one of {', '.join(TABLES)}")
        if kind not in ("config", "process"):
            raise ProfileError(f"{where}: kind must be config or process")
        if kind_type not in WIDTHS or (table in ("coil", "discrete")) != (kind_type == "bool"):
            raise ProfileError(f"{where}: type {kind_type!r} does not fit table {table}")
        address = item.get("address")
        if not isinstance(address, int) or not 0 <= address <= 65535:
            raise ProfileError(f"{where}: address must be 0-65535")
        if item["name"] in names:
            raise ProfileError(f"{where}: name {item['name']!r} twice")
        names.add(item["name"])
        found.append(Parameter(item["name"], table, address, kind_type, kind, float(item.get("scale", 1)),
                               str(item.get("unit", ""))))  # fmt: skip
    return found


def plan_reads(parameters: Sequence[Parameter], max_gap: int = 0) -> list[Request]:
    """The fewest requests covering every parameter within the per-request limits and ``max_gap``."""
    requests: list[Request] = []
    for table, limit in TABLES.items():
        wanted = sorted((p for p in parameters if p.table == table), key=lambda p: p.address)
        current: list[Parameter] = []
        start = end = 0
        for p in wanted:
            p_end = p.address + p.width
            if current and p.address - end <= max_gap and max(end, p_end) - start <= limit:
                current.append(p)
                end = max(end, p_end)
                continue
            if current:
                requests.append(Request(table, start, end - start, tuple(current)))
            current, start, end = [p], p.address, p_end
        if current:
            requests.append(Request(table, start, end - start, tuple(current)))
    return requests


def decode(parameter: Parameter, words: Sequence[int | bool], offset: int) -> Any:
    if parameter.type == "bool":
        return bool(words[offset])
    raw = b"".join(struct.pack(">H", int(w) & 0xFFFF) for w in words[offset : offset + parameter.width])
    value = struct.unpack(_FORMATS[parameter.type], raw)[0]
    if parameter.scale != 1.0:
        return round(value * parameter.scale, 6)
    return round(value, 6) if isinstance(value, float) else value


async def read(target: Target, options: Options) -> Reading:
    from pymodbus import __version__ as pymodbus_version
    from pymodbus.client import AsyncModbusTcpClient
    from pymodbus.exceptions import ModbusException

    unit = int(target.params.get("unit", 1))
    profile = target.profile or {}
    try:
        parameters = parameters_of(profile)
    except ProfileError as exc:
        raise CollectError(str(exc)) from None
    client = AsyncModbusTcpClient(target.host, port=target.port, timeout=options.timeout, retries=0,
                                  reconnect_delay=0)  # fmt: skip
    try:
        if not await client.connect():
            raise Unreachable(f"no Modbus TCP answer at {target.host}:{target.port}")
        identification = await _identification(client, unit)
        values: dict[str, Any] = {}
        for request in plan_reads(parameters, int(profile.get("max_gap", 0))):
            words = await _read_block(client, request, unit)
            for p in request.parameters:
                values[p.name] = decode(p, words, p.address - request.start)
    except ModbusException as exc:
        raise Unreachable(str(exc)) from None
    finally:
        client.close()
    config_params = {p.name: {"table": p.table, "address": p.address, "type": p.type, "unit": p.unit,
                              "value": values[p.name]} for p in parameters if p.kind == "config"}  # fmt: skip
    process = {p.name: {"value": values[p.name], "unit": p.unit} for p in parameters if p.kind == "process"}
    config: dict[str, Any] = {
        "modbus": {"unit": unit, "identification": identification, "parameters": config_params}
    }
    if profile.get("name"):
        config["modbus"]["profile"] = profile["name"]
    return Reading(NAME, f"pymodbus {pymodbus_version}", config, {"modbus": {"process": process}})


async def _identification(client: Any, unit: int) -> dict[str, str]:
    from pymodbus.constants import DeviceInformation

    for code in (DeviceInformation.REGULAR, DeviceInformation.BASIC):
        response = await client.read_device_information(read_code=code, object_id=0, device_id=unit)
        if not response.isError():
            return {
                IDENTIFICATION.get(k, f"object_{k:#04x}"): (v.decode("utf-8", "replace") if isinstance(v, bytes)
                                                            else str(v))
                for k, v in sorted(response.information.items())
            }  # fmt: skip
    return {}


async def _read_block(client: Any, request: Request, unit: int) -> list[Any]:
    call = {
        "holding": client.read_holding_registers,
        "input": client.read_input_registers,
        "coil": client.read_coils,
        "discrete": client.read_discrete_inputs,
    }[request.table]
    response = await call(request.start, count=request.count, device_id=unit)
    if response.isError():
        raise CollectError(f"{request.table} {request.start}+{request.count}: device refused ({response})")
    words = response.bits if request.table in ("coil", "discrete") else response.registers
    return list(words)
