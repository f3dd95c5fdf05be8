"""A simulated Modbus TCP device (pymodbus), one per process: ``python -m tests.configs.modbus_device SPEC``.

SPEC is JSON: port, identification (vendor_name, product_code, major_minor_revision, product_name,
model_name), holding and input registers ({address: value}). Prints "ready" once it listens.
"""

from __future__ import annotations

import asyncio
import json
import sys

from pymodbus.pdu.device import ModbusDeviceIdentification
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

NAMES = {
    "vendor_name": "VendorName",
    "product_code": "ProductCode",
    "major_minor_revision": "MajorMinorRevision",
    "product_name": "ProductName",
    "model_name": "ModelName",
}


def blocks(registers: dict[str, int]) -> list[SimData]:
    return [
        SimData(int(address), values=[int(value)], datatype=DataType.REGISTERS)
        for address, value in sorted(registers.items(), key=lambda kv: int(kv[0]))
    ]


async def main(spec: dict) -> None:
    identity = ModbusDeviceIdentification(info_name={NAMES[k]: v for k, v in spec["identification"].items()})
    device = SimDevice(
        1,
        simdata=(
            [SimData(0, values=[False], datatype=DataType.BITS)],
            [SimData(0, values=[False], datatype=DataType.BITS)],
            blocks(spec["holding"]),
            blocks(spec["input"]),
        ),
        identity=identity,
    )
    server = ModbusTcpServer(device, identity=identity, address=("127.0.0.1", spec["port"]))
    await server.serve_forever(background=True)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
