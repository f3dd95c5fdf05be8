"""An independent DNP3 outstation (the ``dnp3py`` package, a test dependency) in its own process, on 127.0.0.1.

``python -m tests.configs.dnp3_outstation '<json spec>'`` serves the points of the spec and prints "ready" once
it listens. Spec: {"port", "address", "binary_inputs": {index: bool}, "analog_inputs": {index: number},
"counters": {index: int}, "binary_outputs": {index: bool}, "analog_outputs": {index: number}}.
"""

from __future__ import annotations

import asyncio
import json
import sys

from dnp3.core.flags import AnalogQuality, BinaryQuality, CounterQuality
from dnp3.database import (
    AnalogInputConfig,
    AnalogOutputConfig,
    BinaryInputConfig,
    BinaryOutputConfig,
    CounterConfig,
    Database,
)
from dnp3.outstation import Outstation, OutstationConfig, OutstationTcpRunner


async def main(spec: dict) -> None:
    database = Database()
    for index, value in spec.get("binary_inputs", {}).items():
        database.add_binary_input(int(index), BinaryInputConfig(), bool(value), BinaryQuality.ONLINE)
    for index, value in spec.get("binary_outputs", {}).items():
        database.add_binary_output(int(index), BinaryOutputConfig(), bool(value), BinaryQuality.ONLINE)
    for index, value in spec.get("analog_inputs", {}).items():
        database.add_analog_input(int(index), AnalogInputConfig(), float(value), AnalogQuality.ONLINE)
    for index, value in spec.get("analog_outputs", {}).items():
        database.add_analog_output(int(index), AnalogOutputConfig(), float(value), AnalogQuality.ONLINE)
    for index, value in spec.get("counters", {}).items():
        database.add_counter(int(index), CounterConfig(), int(value), CounterQuality.ONLINE)
    outstation = Outstation(database=database, config=OutstationConfig(address=spec.get("address", 10)))
    runner = OutstationTcpRunner(outstation=outstation, host="127.0.0.1", port=spec["port"])
    task = asyncio.create_task(runner.run())
    while not runner.is_running:
        await asyncio.sleep(0.01)
    print("ready", flush=True)
    await task


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
