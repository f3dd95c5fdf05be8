"""Import CSAF advisories against a site of 20,000 assets; print the times.

Three measures: parsing and validating a CSAF file (``risk.csaf``, plain Python); importing CISA's
ICSA-24-284-20 (8 products, 1 CVE) into a site of 20,000 assets (matching, audited writes of every match);
and a synthetic advisory of 400 products and 50 vulnerabilities into the same site. No target in the issue:
the figures say what an operator with a large site waits for.

    PYTHONPATH=src python bench/risk_import.py [--assets 20000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import machine_line, setup  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "otcsms" / "risk" / "samples" / "icsa-24-284-20.json"
MODELS = [("Rockwell Automation", "ControlLogix 5580 (1756-L83E)"), ("Rockwell Automation", "CompactLogix 5380"),
          ("Siemens", "S7-1500 (CPU 1515-2 PN)"), ("Schneider Electric", "Modicon M580 (BMEP582040)"),
          ("Schweitzer Engineering Laboratories", "SEL-3530 RTAC"), ("Hirschmann", "RSP35")]  # fmt: skip
FIRMWARE = ["33.011", "34.014", "35.011", "36.011", "", "V3.0", "R150"]


def synthetic(products: int, vulnerabilities: int) -> bytes:
    document = json.loads(SAMPLE.read_bytes())
    document["document"]["tracking"]["id"] = "BENCH-1"
    branches = []
    for i in range(products):
        vendor, model = MODELS[i % len(MODELS)]
        spec = {"category": "product_version_range", "name": f"vers:generic/>={i % 30}|<{i % 30 + 5}",
                "product": {"name": f"{vendor} {model} {i}", "product_id": f"P{i}"}}  # fmt: skip
        branches.append({"category": "vendor", "name": vendor, "branches": [
            {"category": "product_name", "name": model if i % 3 else f"{model} variant {i}", "branches": [spec]}]})  # fmt: skip
    document["product_tree"] = {"branches": branches}
    vuln = document["vulnerabilities"][0]
    document["vulnerabilities"] = []
    for v in range(vulnerabilities):
        ids = [f"P{i}" for i in range(v % 8, products, 8)]
        document["vulnerabilities"].append(vuln | {
            "cve": f"CVE-2099-{10000 + v}", "product_status": {"known_affected": ids},
            "scores": [vuln["scores"][0] | {"products": ids}],
            "remediations": [r | {"product_ids": ids} for r in vuln["remediations"]]})  # fmt: skip
    return json.dumps(document).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    setup(args.database_url)
    from django.db import transaction

    from otcsms.core.actor import Actor, acting_as
    from otcsms.plant.models import Asset, Zone
    from otcsms.risk import csaf, services
    from otcsms.risk.models import AssetVulnerability
    from otcsms.tenancy.models import Organisation, Site

    big = synthetic(120, 12)
    start = time.perf_counter()
    for _ in range(10):
        csaf.parse(SAMPLE.read_bytes())
    small_parse = (time.perf_counter() - start) / 10
    start = time.perf_counter()
    csaf.parse(big)
    big_parse = time.perf_counter() - start

    with acting_as(Actor(kind="system", label="bench")), transaction.atomic():
        org = Organisation.objects.create(name="Bench utility")
        site = Site.objects.create(organisation=org, name="Big plant", code="big")
        zones = [Zone.objects.create(site=site, name=f"Zone {i}") for i in range(50)]
        Asset.objects.bulk_create([
            Asset(site=site, zone=zones[i % 50], name=f"A{i:05}", type="plc", vendor=MODELS[i % len(MODELS)][0],
                  model=MODELS[i % len(MODELS)][1], firmware=FIRMWARE[i % len(FIRMWARE)])
            for i in range(args.assets)], batch_size=2000)  # fmt: skip
    print(machine_line())
    print(
        f"parse + validate ICSA-24-284-20 ({len(SAMPLE.read_bytes()):,} bytes): {small_parse * 1000:.1f} ms"
    )
    print(f"parse + validate a 120-product, 12-CVE advisory ({len(big):,} bytes): {big_parse * 1000:.0f} ms")
    with acting_as(Actor(kind="system", label="bench")):
        start = time.perf_counter()
        result = services.import_advisory(site, SAMPLE.read_bytes(), SAMPLE.name)
        took = time.perf_counter() - start
        print(f"import ICSA-24-284-20 into {args.assets:,} assets: {took:.2f} s, {result.affected:,} affected, "
              f"{result.possibly:,} possibly affected")  # fmt: skip
        start = time.perf_counter()
        again = services.import_advisory(site, SAMPLE.read_bytes(), SAMPLE.name)
        print(f"re-import of the same version: {time.perf_counter() - start:.3f} s ({again.outcome})")
        start = time.perf_counter()
        result = services.import_advisory(site, big, "bench.json")
        took = time.perf_counter() - start
        rows = AssetVulnerability.objects.filter(vulnerability__advisory=result.advisory).count()
        print(f"import a 120-product, 12-CVE advisory into {args.assets:,} assets: {took:.2f} s, {rows:,} asset "
              f"vulnerabilities ({rows / took:,.0f}/s)")  # fmt: skip


if __name__ == "__main__":
    main()
