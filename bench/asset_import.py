"""Asset import throughput (issue: plant model): 20,000 generated assets, imported as CSV and as JSON
through the real import service (read, check every row, write in one transaction with one audit event per
asset and per endpoint), each into a fresh site.

Target: over 2,000 rows/s on SQLite on a 2-core machine.
Usage: python bench/asset_import.py [--assets 20000] [--endpoints 2] [--repeat 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from _support import machine_line, setup

ZONES = ("Enterprise", "Plant DMZ", "SCADA", "Control", "Safety", "Remote")
TYPES = ("plc", "rtu", "hmi", "ied", "switch", "server")


def asset_rows(n: int, endpoints: int) -> list[dict[str, str]]:
    """Realistic rows: every column filled, endpoints of the usual OT protocols."""
    rows = []
    for i in range(n):
        ip = f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"
        uris = [
            f"modbus+tcp://{ip}:502?unit={i % 247 + 1}",
            f"opc.tcp://{ip}:4840/ua",
            f"dnp3+tcp://{ip}:20000?outstation={i % 65000}&master=1",
        ][:endpoints]
        rows.append({
            "name": f"DEV-{i:06d}", "zone": ZONES[i % len(ZONES)], "type": TYPES[i % len(TYPES)],
            "vendor": "Schneider Electric", "model": "Modicon M580", "firmware": f"3.{i % 30}",
            "serial": f"SN{i:09d}", "criticality": ("low", "medium", "high", "critical")[i % 4], "ip": ip,
            "mac": f"00:80:f4:{i // 65536:02x}:{i // 256 % 256:02x}:{i % 256:02x}", "endpoints": ";".join(uris),
            "profile": "", "description": f"Generated device {i} for the import benchmark",
        })  # fmt: skip
    return rows


def as_csv(rows: list[dict[str, str]]) -> bytes:
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def timed_import(fmt: str, data: bytes, run: int) -> tuple[float, int, int, int]:
    """Import into a new site: (seconds, assets, endpoints, audit events the import appended)."""
    from otcsms.core.models import AuditEvent
    from otcsms.plant import services
    from otcsms.plant.models import Zone
    from otcsms.tenancy.models import Organisation, Site

    org = Organisation.objects.first() or Organisation.objects.create(name="Bench")
    site = Site.objects.create(organisation=org, name=f"Bench {fmt} {run}", code=f"bench-{fmt}-{run}")
    for name in ZONES:
        Zone.objects.create(site=site, name=name)
    before = AuditEvent.objects.count()
    start = time.perf_counter()
    summary = services.import_file("assets", data, f"assets.{fmt}", site)
    seconds = time.perf_counter() - start
    return seconds, summary.created, summary.endpoints, AuditEvent.objects.count() - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--endpoints", type=int, default=2, choices=(0, 1, 2, 3), help="endpoints per asset")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    setup(args.database_url)

    from otcsms.core.actor import Actor, acting_as
    from otcsms.core.audit import verify_chain

    rows = asset_rows(args.assets, args.endpoints)
    files = {"csv": as_csv(rows), "json": json.dumps(rows).encode()}
    print(machine_line())
    print(f"{args.assets:,} assets with {args.endpoints} endpoints each; CSV {len(files['csv']) / 1e6:.1f} MB, "
          f"JSON {len(files['json']) / 1e6:.1f} MB; best and median of {args.repeat} runs, each into a new site")  # fmt: skip
    with acting_as(Actor(kind="worker", label="worker:bench")):
        for fmt, data in files.items():
            times = []
            for run in range(args.repeat):
                seconds, created, endpoints, events = timed_import(fmt, data, run)
                assert created == args.assets and events == created + endpoints, (created, endpoints, events)
                times.append(seconds)
            best, median = min(times), statistics.median(times)
            print(f"{fmt.upper():<4} import: best {best:.2f} s = {args.assets / best:,.0f} rows/s, "
                  f"median {median:.2f} s = {args.assets / median:,.0f} rows/s "
                  f"({events:,} audit events per run; target > 2,000 rows/s)")  # fmt: skip
    report = verify_chain()
    print(f"audit chain after the imports: {'intact' if report.ok else 'BROKEN'}, {report.events:,} events")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
