"""DOCX reports, template checks and the POA&M workbook (issue 19) on the demo operator, SQLite.

1. `otcsms demo --no-serve` into a temporary data folder (as a process).
2. In this process: each report kind of each site rendered to DOCX (python-docx, charts through CairoSVG), the
   shipped template checked, each site's POA&M workbook exported and imported back unchanged (read, compared,
   nothing to write); the median of --runs runs.
3. If `soffice` exists: one gap report converted to PDF by LibreOffice headless (process start included).
Usage: python bench/docx_reports.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OTCSMS = [sys.executable, "-m", "otcsms.cli"]


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="otcsms-bench-docx-"))
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
    from otcsms.reports import docx_render, docx_templates, framework
    from otcsms.roadmap import poam_sheet
    from otcsms.tenancy.models import Site

    print(machine_line())
    admin = User(username="bench", is_org_admin=True, is_active=True)
    check, _ = timed(lambda: docx_templates.check_template(docx_render.default_template()), args.runs)
    print(f"shipped template checked in {check * 1000:.0f} ms")
    sample = None
    with acting_as(cli_actor()):
        for site in Site.objects.order_by("name"):
            for kind in framework.kinds():
                seconds, data = timed(
                    lambda k=kind, s=site: framework.render(framework.build(k, s, admin), "docx"), args.runs
                )
                print(
                    f"{site.name[:28]:<28} {kind:<9} docx {seconds * 1000:7.0f} ms ({len(data) / 1024:.0f} KiB)"
                )
                if kind == "gaps" and sample is None:
                    sample = data
            out, (_name, sheet) = timed(lambda s=site: poam_sheet.export_xlsx(s), args.runs)
            rows = len(poam_sheet.rows(site))
            back, result = timed(
                lambda s=site, d=sheet: poam_sheet.import_poam(s, d, "poam.xlsx", by=admin), args.runs
            )
            assert not result.changes
            print(
                f"{site.name[:28]:<28} POA&M {rows} rows: export {out * 1000:.0f} ms, import back {back * 1000:.0f} ms"
            )
    if shutil.which("soffice") and sample is not None:
        path = root / "gaps.docx"
        path.write_bytes(sample)
        start = time.perf_counter()
        subprocess.run(["soffice", f"-env:UserInstallation=file://{root / 'lo'}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(root), str(path)], check=True, capture_output=True)  # fmt: skip
        print(f"LibreOffice headless DOCX -> PDF (first start): {time.perf_counter() - start:.1f} s")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
