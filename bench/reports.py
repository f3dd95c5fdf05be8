"""Reports, audit package, backup and restore (issue 16) on the demo operator, SQLite.

1. `otcsms demo --no-serve` into a temporary data folder (as a process).
2. In this process, on that instance: each report kind of each site built and rendered to HTML, then to PDF
   (WeasyPrint), and each site's audit package; the median of --runs runs.
3. `otcsms backup` (as a process, the service's database in WAL mode), then `otcsms restore` into a new empty
   data folder, each timed from the outside (process start included).
Usage: python bench/reports.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OTCSMS = [sys.executable, "-m", "otcsms.cli"]


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="otcsms-bench-reports-"))
    source = root / "source"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "OTCSMS_AUDIT_KEY")}
    start = time.perf_counter()
    subprocess.run([*OTCSMS, "demo", "--no-serve", "--data-dir", str(source)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    print(f"demo operator loaded in {time.perf_counter() - start:.1f} s")

    os.environ.update(env | {"OTCSMS_DATA_DIR": str(source), "DJANGO_SETTINGS_MODULE": "otcsms.settings"})
    import django

    django.setup()
    from _support import machine_line
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.core.models import User
    from otcsms.reports import framework
    from otcsms.reports.package import build_package
    from otcsms.tenancy.models import Site

    print(machine_line())
    admin = User(username="bench", is_org_admin=True, is_active=True)
    with acting_as(cli_actor()):
        for site in Site.objects.order_by("name"):
            for kind in framework.kinds():
                html = timed(
                    lambda k=kind, s=site: framework.render(framework.build(k, s, admin), "html"), args.runs
                )
                pdf = timed(
                    lambda k=kind, s=site: framework.render(framework.build(k, s, admin), "pdf"), args.runs
                )
                print(f"{site.name[:28]:<28} {kind:<9} html {html * 1000:7.0f} ms   pdf {pdf * 1000:7.0f} ms")
            with tempfile.TemporaryFile() as out:
                package = timed(lambda s=site, o=out: (o.seek(0), build_package(s, admin, o)), 1)
                size = out.tell()
            print(f"{site.name[:28]:<28} audit package {package:.2f} s ({size / 1024:.0f} KiB)")

    archive = root / "backup.zip"
    start = time.perf_counter()
    subprocess.run([*OTCSMS, "backup", str(archive), "--data-dir", str(source)], env=env, check=True)
    backup_s = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run(
        [*OTCSMS, "restore", str(archive), "--data-dir", str(root / "restored")], env=env, check=True
    )
    restore_s = time.perf_counter() - start
    print(f"backup {backup_s:.1f} s ({archive.stat().st_size / 1024 / 1024:.1f} MiB), restore {restore_s:.1f} s "
          "(processes, start-up included)")  # fmt: skip


if __name__ == "__main__":
    main()
