"""Normalising a large vendor export: parse + canonical JSON + SHA-256 of a ~20 MB OPC UA NodeSet2 (issue 13).

Generates a NodeSet2 export of a server address space (objects with variables, their references, access levels
and values), then times, best of --repeat runs:
  1. the parser (opcua_nodeset.parse: hardened XML parse, nodes keyed by NodeId, values to volatile),
  2. a canonical JSON dump of config (sorted keys, no blanks) and its SHA-256,
next to plain hashlib.sha256 of the same bytes (the floor). Target: >= 20 MB/s for parse + dump + hash.
Pure code: no database, no Django.

Wall and CPU time of this process are both printed (the machine may be shared: CPU time is the steadier).
Usage: python bench/config_parsers.py [--mb 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from otcsms.configs.parsers import opcua_nodeset  # noqa: E402

HEADER = """<?xml version="1.0" encoding="utf-8"?>
<UANodeSet xmlns="http://opcfoundation.org/UA/2011/03/UANodeSet.xsd" xmlns:uax="http://opcfoundation.org/UA/2008/02/Types.xsd">
  <NamespaceUris><Uri>urn:bench:plant</Uri></NamespaceUris>
  <Models><Model ModelUri="urn:bench:plant" Version="1.0.0" PublicationDate="2025-01-01T00:00:00Z">
    <RequiredModel ModelUri="http://opcfoundation.org/UA/" Version="1.05.03" PublicationDate="2023-12-15T00:00:00Z"/>
  </Model></Models>
  <Aliases><Alias Alias="Double">i=11</Alias><Alias Alias="HasComponent">i=47</Alias>
    <Alias Alias="HasTypeDefinition">i=40</Alias><Alias Alias="Organizes">i=35</Alias></Aliases>
"""
OBJECT = """  <UAObject NodeId="ns=1;s=Unit{u}" BrowseName="1:Unit{u}" ParentNodeId="i=85">
    <DisplayName>Unit {u}</DisplayName>
    <References>
      <Reference ReferenceType="Organizes" IsForward="false">i=85</Reference>
      <Reference ReferenceType="HasTypeDefinition">i=58</Reference>
{children}    </References>
  </UAObject>
"""
CHILD = '      <Reference ReferenceType="HasComponent">ns=1;s=Unit{u}.Tag{t}</Reference>\n'
VARIABLE = """  <UAVariable NodeId="ns=1;s=Unit{u}.Tag{t}" BrowseName="1:Tag{t}" ParentNodeId="ns=1;s=Unit{u}" DataType="Double" AccessLevel="{access}" UserAccessLevel="{access}" MinimumSamplingInterval="100">
    <DisplayName>Unit {u} tag {t}</DisplayName>
    <Description>Measured value {t} of unit {u}</Description>
    <References>
      <Reference ReferenceType="HasComponent" IsForward="false">ns=1;s=Unit{u}</Reference>
      <Reference ReferenceType="HasTypeDefinition">i=63</Reference>
    </References>
    <Value><uax:Double>{value}</uax:Double></Value>
  </UAVariable>
"""


def generate(megabytes: float) -> bytes:
    parts = [HEADER]
    size, unit, tags = len(HEADER), 0, 20
    while size < megabytes * 1_000_000:
        children = "".join(CHILD.format(u=unit, t=t) for t in range(tags))
        block = [OBJECT.format(u=unit, children=children)]
        block += [
            VARIABLE.format(u=unit, t=t, access=3 if t % 5 == 0 else 1, value=unit * 0.5 + t)
            for t in range(tags)
        ]
        text = "".join(block)
        parts.append(text)
        size += len(text)
        unit += 1
    parts.append("</UANodeSet>\n")
    return "".join(parts).encode()


def canonical_hash(config: dict) -> str:
    dumped = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(dumped.encode()).hexdigest()


def best_of(repeat: int, work) -> tuple[float, float]:
    """The best wall time and the best CPU time of this process (the steadier figure on a shared machine)."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = generate(args.mb)
    megabytes = len(data) / 1_000_000
    parsed = opcua_nodeset.parse(data)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"NodeSet2 of {megabytes:.1f} MB, {len(parsed.config['nodes'])} nodes, {len(parsed.volatile['values'])} values"
    )
    floor = best_of(args.repeat, lambda: hashlib.sha256(data).hexdigest())
    parse_time = best_of(args.repeat, lambda: opcua_nodeset.parse(data))
    dump_time = best_of(args.repeat, lambda: canonical_hash(parsed.config))
    total = best_of(args.repeat, lambda: canonical_hash(opcua_nodeset.parse(data).config))
    print(f"{'':34} {'wall':>9} {'MB/s':>8} {'CPU':>9} {'MB/s':>8}")
    for label, (wall, cpu) in (
        ("sha256 of the bytes (floor)", floor),
        ("parse (normalise)", parse_time),
        ("canonical JSON + sha256", dump_time),
        ("parse + canonical JSON + sha256", total),
    ):
        print(
            f"{label:34} {wall:7.3f} s {megabytes / wall:8.1f} {cpu:7.3f} s {megabytes / max(cpu, 1e-9):8.1f}"
        )
    rate = megabytes / total[1]
    print(f"target >= 20 MB/s normalise: {'meets' if rate >= 20 else 'MISSES'} ({rate:.1f} MB/s CPU; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")  # fmt: skip


if __name__ == "__main__":
    main()
