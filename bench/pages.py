"""Server time of every page (issue 16): p50/p95 of each GET route of the web UI on the demo operator, enlarged
with --assets extra assets spread over its sites (lists and site pages then hold fleet-sized counts), and the
time of the PDF audit package of each site.

1. `otcsms demo --no-serve` into a temporary data folder (as a process), then --assets assets imported.
2. Every route of the URL resolver outside /api/, /static/ and the login machinery: a route with an object id
   is given an object of the model its view declares, else of the model its path names (``sites/<id>`` a
   site, ``assets/<id>`` an asset, ...); a route no object fits is listed as skipped. Each page is requested
   --runs times in this process through Django's test client as the demo's org admin (server time: URL
   resolution, middleware, view, queries, template; no network), after one warm-up request.
3. The audit package (every report in HTML and PDF, evidence, trail segment) of each site, once.
Targets: every page p95 < 300 ms; audit package of a site < 30 s.
Usage: python bench/pages.py [--runs 20] [--assets 5000] [--skip-package]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OTCSMS = [sys.executable, "-m", "otcsms.cli"]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.page_urls
TARGET_MS = 300
PACKAGE_TARGET_S = 30


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def add_assets(total: int) -> None:
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.plant import services as plant
    from otcsms.plant.models import Zone
    from otcsms.tenancy.models import Site

    sites = list(Site.objects.order_by("pk"))
    with acting_as(cli_actor()):
        for n, site in enumerate(sites):
            zones = list(Zone.objects.filter(site=site).values_list("name", flat=True))
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer)
            writer.writerow(["name", "zone", "type", "vendor", "model", "firmware", "criticality", "ip"])
            for i in range(total // len(sites)):
                writer.writerow([f"BENCH-{n}-{i:05d}", zones[i % len(zones)] if zones else "", "plc",
                                 "Rockwell Automation", "ControlLogix 5580", "33.11", "medium",
                                 f"10.{100 + n}.{i // 256}.{i % 256}"])  # fmt: skip
            plant.import_file("assets", buffer.getvalue().encode(), "assets.csv", site)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--assets", type=int, default=5000)
    parser.add_argument("--skip-package", action="store_true")
    parser.add_argument(
        "--data-dir", type=Path, help="an instance this script built before: measured as it is"
    )
    args = parser.parse_args()
    reuse = args.data_dir is not None and (args.data_dir / "otcsms.sqlite3").exists()
    source = args.data_dir or Path(tempfile.mkdtemp(prefix="otcsms-bench-pages-")) / "source"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "OTCSMS_AUDIT_KEY")}
    if not reuse:
        start = time.perf_counter()
        subprocess.run([*OTCSMS, "demo", "--no-serve", "--data-dir", str(source)], env=env, check=True,
                       capture_output=True)  # fmt: skip
        print(f"demo operator loaded in {time.perf_counter() - start:.1f} s into {source}")
    os.environ.update(env | {"OTCSMS_DATA_DIR": str(source), "DJANGO_SETTINGS_MODULE": "otcsms.settings"})
    import django

    django.setup()
    from django.test import Client
    from tests.page_urls import page_urls

    from _support import machine_line
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.core.models import User
    from otcsms.plant.models import Asset

    if args.assets and not reuse:
        start = time.perf_counter()
        add_assets(args.assets)
        print(f"{args.assets:,} more assets imported in {time.perf_counter() - start:.1f} s "
              f"({Asset.objects.count():,} assets)")  # fmt: skip
    print(machine_line())
    admin = User.objects.filter(is_org_admin=True).order_by("pk").first()
    client = Client()
    with acting_as(cli_actor()):  # the login stamps last_login: an audited write
        client.force_login(admin)
    results: list[tuple[str, float, float, int]] = []
    urls, skipped = page_urls(lambda url: client.get(url).status_code == 200)
    for url in urls:
        first = client.get(url)
        if first.status_code != 200:
            skipped.append(f"{url}: {first.status_code}")
            continue
        if first.streaming or "attachment" in first.get("Content-Disposition", ""):
            skipped.append(f"{url}: a file, not a page")
            continue
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        results.append((url, statistics.median(times), pct(times, 95), len(first.content)))
    results.sort(key=lambda r: -r[2])
    print(f"\n{'page':<60} {'p50 ms':>8} {'p95 ms':>8}")
    for url, p50, p95, _size in results:
        flag = "  > target" if p95 > TARGET_MS else ""
        print(f"{url[:60]:<60} {p50:8.1f} {p95:8.1f}{flag}")
    over = [r for r in results if r[2] > TARGET_MS]
    print(f"\n{len(results)} pages measured, {len(over)} over p95 {TARGET_MS} ms; {len(skipped)} skipped:")
    for line in skipped:
        print(f"  skipped {line}")

    if not args.skip_package:
        from otcsms.reports.package import build_package
        from otcsms.tenancy.models import Site

        for site in Site.objects.order_by("name"):
            with tempfile.TemporaryFile() as out:
                start = time.perf_counter()
                build_package(site, admin, out)
                seconds = time.perf_counter() - start
                size = out.tell()
            flag = "  > target" if seconds > PACKAGE_TARGET_S else ""
            print(f"audit package of {site.name[:40]:<40} {seconds:6.1f} s ({size / 1024:.0f} KiB){flag}")


if __name__ == "__main__":
    main()
