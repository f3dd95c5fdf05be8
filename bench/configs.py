"""Configuration management (issue 13): normalise + hash + diff throughput, concurrent live collection, and
fleet drift over 20,000 assets' latest snapshots.

1. parse + normalise + hash + diff two versions of a ~20 MB OPC UA NodeSet2 export (the vendor XML parser),
   next to a plain hashlib.sha256 of the same bytes (the floor).
2. collect from MODBUS pymodbus devices, OPC UA asyncua servers and DNP3 dnp3py outstations on 127.0.0.1, all at once (bounded
   concurrency), versus each device alone: devices/s and the ratio of the total time to the slowest device.
   The devices run in helper processes (this file with --serve); --latency-ms puts a relay that delays every
   message in front of each (a network's round trip, which 127.0.0.1 does not have).
3. fleet drift (services.drift) over ASSETS assets, each with a baseline and a latest snapshot, 10% drifted.

Targets: >= 20 MB/s normalise+diff; concurrent collection within 2x of the slowest device; fleet drift < 5 s.
Usage: python bench/configs.py [--modbus 200] [--opcua 20] [--dnp3 20] [--latency-ms 0] [--assets 20000]
       [--database-url URL] [--only throughput|collection|drift]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

HOLDING = {str(a): a for a in range(100, 140)}  # 40 configuration registers
PROFILE = {"name": "bench", "parameters": [{"name": f"p{a}", "table": "holding", "address": a, "kind": "config"}
                                           for a in range(100, 140)]
           + [{"name": "level", "table": "input", "address": 0, "kind": "process"}]}  # fmt: skip


# ---------------------------------------------------------------------------------------------- 1. throughput
def throughput(size_mb: float) -> None:
    """Two versions of a NodeSet2 export (bench/config_parsers.py's generator): 30 variables made writable, 500
    values changed (volatile: no change). Wall and CPU time of this process (the machine is shared: CPU time
    is the steadier figure), best of 3."""
    sys.path.insert(0, str(ROOT / "bench"))
    from config_parsers import generate
    from otcsms.configs.canonical import normal_and_hash
    from otcsms.configs.diff import diff
    from otcsms.configs.parsers import parse

    one = generate(size_mb)
    two = one.replace(b'AccessLevel="1" UserAccessLevel="1" MinimumSamplingInterval="100">\n    <DisplayName>Unit 7 ',
                      b'AccessLevel="3" UserAccessLevel="3" MinimumSamplingInterval="100">\n    <DisplayName>Unit 7 ')  # fmt: skip
    two = two.replace(b"<uax:Double>", b"<uax:Double>1", 500)
    mb = (len(one) + len(two)) / 1e6
    best: dict[str, tuple[float, float]] = {}
    for _ in range(3):
        laps = []
        wall, cpu = time.perf_counter(), time.process_time()
        first, second = parse("a.xml", one), parse("b.xml", two)
        laps.append(("parse", time.perf_counter(), time.process_time()))
        (c1, h1), (c2, h2) = (
            normal_and_hash(first.config, plain=first.plain),
            normal_and_hash(second.config, plain=second.plain),
        )  # as import_file does
        laps.append(("normalise+hash", time.perf_counter(), time.process_time()))
        changes = diff(c1, c2)
        laps.append(("diff", time.perf_counter(), time.process_time()))
        assert h1 != h2 and len(changes) == 32, len(changes)
        previous = (wall, cpu)
        for name, w, c in laps:
            spent = (w - previous[0], c - previous[1])
            best[name] = min(best.get(name, spent), spent, key=lambda t: t[1])
            previous = (w, c)
        total = (laps[-1][1] - wall, laps[-1][2] - cpu)
        best["total"] = min(best.get("total", total), total, key=lambda t: t[1])
    floor = time.perf_counter()
    hashlib.sha256(one).hexdigest()
    hashlib.sha256(two).hexdigest()
    floor = time.perf_counter() - floor
    print(
        f"1. two versions of a NodeSet2 export, {mb:.1f} MB in all, {len(c1['nodes']):,} nodes each, {len(changes)} changes"
    )
    print(
        "   " + ", ".join(f"{k} {w:.2f} s wall / {c:.2f} s CPU" for k, (w, c) in best.items() if k != "total")
    )
    wall, cpu = best["total"]
    print(f"   parse+normalise+hash+diff: {mb / wall:.1f} MB/s wall ({wall:.2f} s), {mb / cpu:.1f} MB/s CPU "
          f"({cpu:.2f} s); plain sha256 of the bytes: {mb / floor:.0f} MB/s")  # fmt: skip


# ---------------------------------------------------------------------------------------------- 2. collection
def serve(kind: str, count: int, latency_ms: float = 0) -> None:
    """Helper process: ``count`` devices of ``kind`` on free ports; prints the ports as JSON, then serves. With a
    latency, each device is reached through a relay that holds every message for that long in each direction
    (a network's round trip, which devices on 127.0.0.1 do not have)."""
    asyncio.run(_serve(kind, count, latency_ms / 1000))


async def _relay(upstream: int, delay: float) -> int:
    """A TCP relay on a free port to 127.0.0.1:upstream that delays each chunk by ``delay`` seconds."""
    from tests.configs.peers import free_port

    async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                await asyncio.sleep(delay)
                sink.write(data)
                await sink.drain()
        except OSError:
            pass
        finally:
            sink.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(delay)  # the connection's handshake
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    port = free_port()
    await asyncio.start_server(handle, "127.0.0.1", port)
    return port


async def _serve(kind: str, count: int, delay: float = 0) -> None:
    from tests.configs.peers import OpcUaPeer, free_port

    ports = []
    if kind == "modbus":
        from pymodbus.pdu.device import ModbusDeviceIdentification
        from pymodbus.server import ModbusTcpServer
        from pymodbus.simulator import DataType, SimData, SimDevice

        identity = ModbusDeviceIdentification(info_name={"VendorName": "ACME", "ProductCode": "B1",
                                                         "MajorMinorRevision": "1.0"})  # fmt: skip
        for _ in range(count):
            device = SimDevice(1, simdata=([SimData(0, values=[False], datatype=DataType.BITS)],
                                           [SimData(0, values=[False], datatype=DataType.BITS)],
                                           [SimData(100, values=list(range(40)), datatype=DataType.REGISTERS)],
                                           [SimData(0, values=[7], datatype=DataType.REGISTERS)]), identity=identity)  # fmt: skip
            port = free_port()
            server = ModbusTcpServer(device, identity=identity, address=("127.0.0.1", port))
            await server.serve_forever(background=True)
            ports.append(port)
    elif kind == "dnp3":
        from dnp3.core.flags import AnalogQuality, BinaryQuality
        from dnp3.database import AnalogInputConfig, BinaryInputConfig, Database
        from dnp3.outstation import Outstation, OutstationConfig, OutstationTcpRunner

        runners = []
        for _ in range(count):
            database = Database()
            for index in range(20):
                database.add_binary_input(index, BinaryInputConfig(), bool(index % 2), BinaryQuality.ONLINE)
                database.add_analog_input(index, AnalogInputConfig(), float(index), AnalogQuality.ONLINE)
            port = free_port()
            runner = OutstationTcpRunner(outstation=Outstation(database=database, config=OutstationConfig(address=10)),
                                         host="127.0.0.1", port=port)  # fmt: skip
            runners.append(asyncio.create_task(runner.run()))
            while not runner.is_running:
                await asyncio.sleep(0.01)
            ports.append(port)
    else:
        for _ in range(count):
            peer = OpcUaPeer(free_port())
            await peer.start()
            ports.append(peer.port)
    if delay:
        ports = [await _relay(port, delay) for port in ports]
    print(json.dumps(ports), flush=True)
    await asyncio.Event().wait()


def start_helpers(
    kind: str, count: int, processes: int, latency_ms: float = 0
) -> tuple[list[subprocess.Popen], list[int]]:
    helpers, ports = [], []
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
    share = [count // processes + (1 if i < count % processes else 0) for i in range(processes)]
    for n in share:
        if n:
            helpers.append(subprocess.Popen([sys.executable, __file__, "--serve", kind, str(n), "--latency-ms", str(latency_ms)], cwd=ROOT, env=env,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))  # fmt: skip
    for helper in helpers:
        ports += json.loads(helper.stdout.readline())
    return helpers, ports


def _proc_cpu(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def collection(modbus: int, opcua: int, dnp3: int = 0, latency_ms: float = 0) -> None:
    from otcsms.configs import identity
    from otcsms.configs.collectors import Options, Target, collect_all, collect_one

    started = time.perf_counter()
    helpers_m, modbus_ports = start_helpers("modbus", modbus, 2, latency_ms)
    helpers_o, opcua_ports = start_helpers("opcua", opcua, 2, latency_ms) if opcua else ([], [])
    helpers_d, dnp3_ports = start_helpers("dnp3", dnp3, 1, latency_ms) if dnp3 else ([], [])
    print(f"2. {len(modbus_ports)} Modbus devices, {len(opcua_ports)} OPC UA servers and {len(dnp3_ports)} DNP3 outstations started in "
          f"{time.perf_counter() - started:.1f} s (helper processes)"
          + (f", each behind a relay adding {latency_ms:g} ms each way" if latency_ms else ""))  # fmt: skip
    cert, key = identity.generate()
    options = Options(timeout=10, retries=0, concurrency=64, client_certificate=cert, client_key=key)
    targets = [
        Target(("m", p), "modbus-tcp", "127.0.0.1", p, params={"unit": 1}, profile=PROFILE)
        for p in modbus_ports
    ]
    targets += [
        Target(("o", p), "opc-ua", "127.0.0.1", p, "/plc/", username="u", password="p") for p in opcua_ports
    ]
    targets += [
        Target(("d", p), "dnp3", "127.0.0.1", p, params={"outstation_address": 10}) for p in dnp3_ports
    ]
    import logging

    logging.getLogger("asyncua").setLevel(logging.ERROR)
    try:
        # Warm-up, not counted: the first read of each protocol imports its library and builds its tables.
        for protocol in sorted({t.protocol for t in targets}):
            asyncio.run(collect_one(next(t for t in targets if t.protocol == protocol), options))
        alone = []
        for target in targets:
            outcome = asyncio.run(collect_one(target, options))
            assert outcome.status == "ok", outcome.message
            alone.append((outcome.seconds, target.protocol))
        slowest = max(alone)[0]
        by_protocol = {p: statistics.median(s for s, q in alone if q == p) for p in {q for _, q in alone}}
        helper_pids = [h.pid for h in helpers_m + helpers_o + helpers_d]
        peers_cpu, own_cpu = _proc_cpu(helper_pids), time.process_time()
        began = time.perf_counter()
        outcomes = asyncio.run(collect_all(targets, options))
        total = time.perf_counter() - began
        own_cpu, peers_cpu = time.process_time() - own_cpu, _proc_cpu(helper_pids) - peers_cpu
        assert all(o.status == "ok" for o in outcomes), [o.message for o in outcomes if o.status != "ok"][:3]
        print(f"   each alone: slowest {slowest:.3f} s; median " + ", ".join(f"{p} {s * 1000:.0f} ms"
                                                                          for p, s in sorted(by_protocol.items())))  # fmt: skip
        print(f"   all {len(targets)} at once (64 in flight): {total:.2f} s, {len(targets) / total:.0f} devices/s, "
              f"{total / slowest:.2f}x the slowest device")  # fmt: skip
        print(f"   CPU during it: the collector {own_cpu:.2f} s, the simulated devices {peers_cpu:.2f} s, on "
              f"{os.cpu_count()} cores shared with the rest of the machine (load {os.getloadavg()[0]:.1f}); "
              f"the work alone needs {(own_cpu + peers_cpu) / (os.cpu_count() or 1):.2f} s of wall time at best")  # fmt: skip
        for protocol in sorted({t.protocol for t in targets}):
            subset = [t for t in targets if t.protocol == protocol]
            slowest_one = max(s for s, q in alone if q == protocol)
            peers_cpu, own_cpu = _proc_cpu(helper_pids), time.process_time()
            began = time.perf_counter()
            asyncio.run(collect_all(subset, options))
            took = time.perf_counter() - began
            own_cpu, peers_cpu = time.process_time() - own_cpu, _proc_cpu(helper_pids) - peers_cpu
            print(f"   only the {len(subset)} {protocol} at once: {took:.2f} s, {len(subset) / took:.0f} devices/s, "
                  f"{took / slowest_one:.2f}x the slowest {protocol} device ({slowest_one:.3f} s); CPU: the collector "
                  f"{own_cpu:.2f} s ({own_cpu / len(subset) * 1000:.1f} ms a device), the devices {peers_cpu:.2f} s")  # fmt: skip
    finally:
        for helper in helpers_m + helpers_o + helpers_d:
            helper.terminate()


# ---------------------------------------------------------------------------------------------- 3. fleet drift
def fleet_drift(assets: int, database_url: str | None) -> None:
    from bench._support import machine_line, setup

    setup(database_url)
    from django.db import transaction
    from django.utils import timezone

    from otcsms.configs import services
    from otcsms.configs.canonical import config_hash
    from otcsms.configs.models import Baseline, Snapshot
    from otcsms.core.actor import Actor, acting_as
    from otcsms.plant.models import Asset, Zone
    from otcsms.tenancy.models import Organisation, Site

    rng = random.Random(13)
    now = timezone.now()
    built = time.perf_counter()
    with acting_as(Actor(kind="system", label="bench")), transaction.atomic():
        org = Organisation.objects.create(name="Bench utility")
        sites = [Site.objects.create(organisation=org, name=f"Site {i}", code=f"s{i}") for i in range(50)]
        zones = [
            Zone.objects.create(site=s, name=f"Z{j}", sl_t=rng.choice([1, 2, 3]))
            for s in sites
            for j in range(10)
        ]  # type: ignore[misc]
        rows = Asset.objects.bulk_create(
            Asset(site_id=(z := zones[i % len(zones)]).site_id, zone=z, name=f"DEV-{i:05d}")
            for i in range(assets)
        )
        base, latest = [], []
        for i, asset in enumerate(rows):
            config = {"opcua": {"endpoints": {"Basic256Sha256/SignAndEncrypt": {"security_policy": "Basic256Sha256",
                                                                                 "security_mode": "SignAndEncrypt"}},
                                "build_info": {"software_version": f"2.{i % 7}"},
                                "nodes": {f"ns=2;s=N{k}": {"writable": k % 3 == 0} for k in range(20)}}}  # fmt: skip
            digest = config_hash(config)
            base.append(Snapshot(site_id=asset.site_id, asset=asset, version=1, config_hash=digest, config=config,
                                 captured_at=now, last_seen_at=now, source={"type": "live"}))  # fmt: skip
            if i % 10 == 0:
                changed = json.loads(json.dumps(config))
                changed["opcua"]["endpoints"]["None/None"] = {
                    "security_policy": "None",
                    "security_mode": "None",
                }
                changed["opcua"]["build_info"]["software_version"] = "3.0"
                latest.append(Snapshot(site_id=asset.site_id, asset=asset, version=2, config_hash=config_hash(changed),
                                       parent_hash=digest, config=changed, captured_at=now, last_seen_at=now,
                                       source={"type": "live"}))  # fmt: skip
        firsts = Snapshot.objects.bulk_create(base, batch_size=2000)
        Snapshot.objects.bulk_create(latest, batch_size=2000)
        Baseline.objects.bulk_create((Baseline(site_id=s.site_id, asset_id=s.asset_id, snapshot=s, approved_at=now,
                                               approved_by_label="bench", reason="bench") for s in firsts), batch_size=2000)  # fmt: skip
    print(f"3. {assets:,} assets, {len(base) + len(latest):,} snapshots built in {time.perf_counter() - built:.1f} s; "
          + machine_line())  # fmt: skip
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        result = services.drift(Asset.objects.all())
        timings.append(time.perf_counter() - began)
    drifted = sum(r.result.status == "drifted" for r in result)
    critical = sum(r.result.severity == "critical" for r in result)
    print(f"   fleet drift of {len(result):,} assets: {drifted:,} drifted ({critical:,} critical): "
          + " / ".join(f"{t:.2f} s" for t in timings))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=20)
    parser.add_argument("--modbus", type=int, default=200)
    parser.add_argument("--opcua", type=int, default=20)
    parser.add_argument("--dnp3", type=int, default=20)
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--only", choices=["throughput", "collection", "drift"], default=None)
    parser.add_argument("--latency-ms", type=float, default=0,
                        help="collection: reach each device through a relay delaying every message this long")  # fmt: skip
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.latency_ms)
        return
    if args.only in (None, "throughput"):
        throughput(args.size_mb)
    if args.only in (None, "collection"):
        collection(args.modbus, args.opcua, args.dnp3, args.latency_ms)
    if args.only in (None, "drift"):
        fleet_drift(args.assets, args.database_url)


if __name__ == "__main__":
    main()
