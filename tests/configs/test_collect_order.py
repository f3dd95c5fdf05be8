"""collect_all starts the longest kinds of read first and still answers in the order it was given."""

from __future__ import annotations

import asyncio

from otcsms.configs.collectors import Options, Target, collect_all
from tests.configs.peers import run_apart


def test_the_longest_reads_start_first_and_outcomes_keep_the_given_order():
    async def run() -> tuple[list[int], list]:
        arrived: list[int] = []
        servers, ports = [], []
        for _ in range(
            4
        ):  # devices that hang up at once: each read ends unreachable (Modbus: at the timeout)

            async def hang_up(reader, writer, arrived=arrived):
                arrived.append(writer.get_extra_info("sockname")[1])
                writer.close()

            server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
            servers.append(server)
            ports.append(server.sockets[0].getsockname()[1])
        targets = [
            Target("plc-a", "modbus-tcp", "127.0.0.1", ports[0]),
            Target("server-b", "opc-ua", "127.0.0.1", ports[1]),
            Target("rtu-c", "dnp3", "127.0.0.1", ports[2]),
            Target("plc-d", "modbus-tcp", "127.0.0.1", ports[3]),
        ]
        outcomes = await collect_all(targets, Options(timeout=0.3, retries=0, concurrency=1))
        for server in servers:
            server.close()
        return [ports.index(port) for port in arrived], outcomes

    arrived, outcomes = run_apart(run())
    assert [o.target.key for o in outcomes] == ["plc-a", "server-b", "rtu-c", "plc-d"]
    assert all(o.status in ("unreachable", "error") for o in outcomes)
    # one at a time: OPC UA first, then DNP3, then the Modbus reads in their given order
    assert arrived[0] == 1 and arrived[1] == 2 and [p for p in arrived if p in (0, 3)][:2] == [0, 3]
