"""Evidence (issue 11): upload throughput through the API against the floor, and the completeness audit at scale.

1. N files of mixed sizes (log-uniform 1 KB - 20 MB, from a seed) uploaded through POST
   /api/v1/documents/{id}/versions (multipart, bearer token; Django's WSGI handler called as a WSGI server calls
   it, the body read from a file as a server reads its socket, or with --via client Django's test client), MB/s
   next to the floor: SHA-256 of each file plus a copy of it into another directory
   (what `sha256sum` + `cp` do). Target: within 2x of the floor.
2. The completeness audit of every site of a fleet holding L evidence links (default 100,000: 10 sites, each a
   62443-3-3 assessment over 10 zones, 40 assets, links to responses, requirements, zones and assets).
   Target: under 2 s.
   Also: the fixed cost per request (200 uploads of 1 KB: wall, CPU, queries) and the service alone (no HTTP).
Usage: python bench/evidence.py [--files 1000] [--links 100000] [--seed 62443] [--via wsgi|client]
       [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _support import machine_line, setup

MIN_SIZE, MAX_SIZE = 1024, 20 * 1024 * 1024


def make_files(folder: Path, count: int, rng: random.Random) -> list[Path]:
    files = []
    block = rng.randbytes(1024 * 1024)
    for i in range(count):
        size = int(math.exp(rng.uniform(math.log(MIN_SIZE), math.log(MAX_SIZE))))
        path = folder / f"file-{i:05d}.bin"
        with path.open("wb") as out:
            out.write(i.to_bytes(8, "big"))  # every file different: each is a blob of its own
            left = size - 8
            while left > 0:
                out.write(block[: min(left, len(block))])
                left -= len(block)
        files.append(path)
    return files


def floor(files: list[Path], target: Path) -> float:
    start = time.perf_counter()
    for path in files:
        digest = hashlib.sha256()
        with path.open("rb") as source:
            while chunk := source.read(1024 * 1024):
                digest.update(chunk)
        shutil.copyfile(path, target / digest.hexdigest())
    return time.perf_counter() - start


def upload_all(files: list[Path], work: Path, via: str) -> float:
    """Seconds the server spent taking in ``files`` through the API. ``via="wsgi"``: Django's WSGI handler called
    as a WSGI server calls it, the request body read from a file (as a server reads it from its socket, without
    another copy in Python); ``via="client"``: Django's test client (which copies each body into memory once
    more). Either way the multipart body is encoded before the clock starts: what a client (curl -F) does is not
    the server's cost."""
    from django.core.wsgi import get_wsgi_application
    from django.test import Client
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    from otcsms.core.models import ApiToken, User
    from otcsms.evidence import services
    from otcsms.tenancy.models import Organisation, Site, SiteMembership

    org = Organisation.objects.first() or Organisation.objects.create(name="Bench operator")
    site, _ = Site.objects.get_or_create(
        organisation=org, code="upload-plant", defaults={"name": "Upload plant"}
    )
    user, made = User.objects.get_or_create(username="uploader")
    if made:
        SiteMembership.objects.create(user=user, site=site, role="contributor")
    _token, secret = ApiToken.issue(user, f"bench {via}")
    document = services.create_document(
        site_id=site.pk, kind="record", title=f"Bench uploads ({via})", by=user
    )
    url = f"/api/v1/documents/{document.pk}/versions"
    client, headers = Client(), {"Authorization": f"Bearer {secret}"}
    client.get("/api/v1/version", headers=headers)  # a started server: the URLs and the API are built
    handler = get_wsgi_application()
    body_path = work / "body"
    spent = 0.0
    for path in files:
        with path.open("rb") as handle:
            encoded = encode_multipart(BOUNDARY, {"file": handle, "change_summary": "bench"})
        if via == "client":
            start = time.perf_counter()
            r = client.generic("POST", url, data=encoded, content_type=MULTIPART_CONTENT, headers=headers)
            spent += time.perf_counter() - start
            status = str(r.status_code)
        else:
            body_path.write_bytes(encoded)
            del encoded
            with body_path.open("rb") as body:
                environ = _environ(url, body, body_path.stat().st_size, secret)
                answers = _Statuses()
                start = time.perf_counter()
                result = handler(environ, answers.append_status)
                b"".join(result)
                result.close()  # type: ignore[attr-defined]
                spent += time.perf_counter() - start
            status = answers[0].split()[0]
        if status != "201":
            raise SystemExit(f"upload of {path.name} failed: {status}")
    return spent


class _Statuses(list[str]):
    def append_status(self, status: str, headers: object, exc_info: object = None) -> None:
        self.append(status)


def _environ(url: str, body: io.BufferedReader, length: int, secret: str) -> dict[str, object]:
    from django.test.client import MULTIPART_CONTENT

    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": url, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(length), "HTTP_AUTHORIZATION": f"Bearer {secret}",
        "wsgi.input": body, "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }  # fmt: skip


def fixed_cost(count: int = 200) -> tuple[float, float, int]:
    """The per-request cost whatever the size: ``count`` uploads of 1 KB through the API, wall and CPU ms per
    request (CPU: what this process spent, less sensitive to a busy machine), and the queries of one request."""
    from django.db import connection
    from django.test import Client
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    from otcsms.core.models import ApiToken, User
    from otcsms.evidence import services
    from otcsms.tenancy.models import Site

    site = Site.objects.get(code="upload-plant")
    user = User.objects.get(username="uploader")
    _token, secret = ApiToken.issue(user, "bench fixed cost")
    document = services.create_document(site_id=site.pk, kind="record", title="Bench small uploads", by=user)
    client, headers = Client(), {"Authorization": f"Bearer {secret}"}
    bodies = []
    for i in range(count + 1):
        small = io.BytesIO(b"f" + i.to_bytes(8, "big") + b"x" * 1015)
        small.name = f"small-{i}.bin"
        bodies.append(encode_multipart(BOUNDARY, {"file": small, "change_summary": "bench"}))
    url = f"/api/v1/documents/{document.pk}/versions"
    statements: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.generic("POST", url, data=bodies[0], content_type=MULTIPART_CONTENT, headers=headers)
    wall, cpu = time.perf_counter(), time.process_time()
    for body in bodies[1:]:
        r = client.generic("POST", url, data=body, content_type=MULTIPART_CONTENT, headers=headers)
        if r.status_code != 201:
            raise SystemExit(f"small upload failed: {r.status_code}")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall / count * 1000, cpu / count * 1000, len(statements)


def service_path(files: list[Path]) -> float:
    """The same files through ``services.upload_version`` (what the server does once the body is in): received
    into a temporary file while hashed, moved into the store, the version row and its audit event written."""
    from django.core.files import File

    from otcsms.evidence import services
    from otcsms.tenancy.models import Site

    site = Site.objects.get(code="upload-plant")
    document = services.create_document(site_id=site.pk, kind="record", title="Bench uploads, service path")
    start = time.perf_counter()
    for path in files:
        with path.open("rb") as handle:
            # a different first byte: every file a new blob, as in the API run (same content would be stored once)
            content = [b"s", *File(handle).chunks(1024 * 1024)]
            services.upload_version(document, content, file_name=path.name)
    return time.perf_counter() - start


def build_links(total: int, rng: random.Random) -> int:
    """A fleet of 10 sites holding ``total`` evidence links, written with batch inserts (audited)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from otcsms.assessments.models import Response
    from otcsms.assessments.services import create_assessment, slots
    from otcsms.catalogs.loader import load_shipped_library
    from otcsms.catalogs.models import Framework, Requirement
    from otcsms.core.audit import insert_audited
    from otcsms.evidence import services
    from otcsms.evidence.models import EvidenceLink
    from otcsms.plant.models import Asset, Zone
    from otcsms.tenancy.models import Organisation, Site

    load_shipped_library()
    org = Organisation.objects.first() or Organisation.objects.create(name="Bench operator")
    framework = Framework.objects.get(key="iec62443-3-3", is_current=True)
    requirement_ids = list(Requirement.objects.filter(framework=framework).values_list("pk", flat=True))
    types = {m: ContentType.objects.get_for_model(m) for m in (Response, Requirement, Zone, Asset)}
    sites = 10
    per_site = total // sites
    made = 0
    for n in range(sites):
        site = Site.objects.create(organisation=org, name=f"Fleet site {n}", code=f"fleet-{n}")
        zones = []
        for z in range(10):
            zone = Zone(site=site, name=f"Zone {z}", sl_t_reason="bench")
            zone.sl_t = tuple(rng.choice((1, 2, 3)) for _ in range(7))
            zone.save()
            zones.append(zone)
        assets = [Asset(site=site, name=f"S{n}-A{i}", zone=zones[i % 10]) for i in range(40)]
        with transaction.atomic():
            insert_audited(Asset, assets)
        assets = list(Asset.objects.filter(site=site))
        assessment = create_assessment(site=site, framework=framework, name=f"Baseline {n}")
        rows = [Response(site=site, assessment=assessment, requirement_id=s.requirement_id, zone_id=s.zone_id,
                         status="met") for s in slots(assessment)]  # fmt: skip
        with transaction.atomic():
            insert_audited(Response, rows)
        response_ids = list(Response.objects.filter(assessment=assessment).values_list("pk", flat=True))
        targets = ([(types[Response], pk) for pk in response_ids] + [(types[Requirement], pk) for pk in requirement_ids]
                   + [(types[Zone], z.pk) for z in zones] + [(types[Asset], a.pk) for a in assets])  # fmt: skip
        # documents enough that no (document, target) pair repeats: one document per len(targets) links
        documents = []
        for d in range(per_site // len(targets) + 1):
            document = services.create_document(site_id=site.pk, kind="procedure", title=f"Procedure {n}-{d}")
            version = services.upload_version(document, [f"procedure {n}-{d}\n".encode()], file_name="p.txt")
            services.submit_version(version, by=None)
            services.approve_version(version, by=_approver(site), password=BENCH_SIGNING)
            documents.append(document)
        links = []
        for i in range(per_site):
            document = documents[i // len(targets)]
            content_type, target_id = targets[i % len(targets)]
            links.append(EvidenceLink(site=site, document=document, target_type=content_type, target_id=target_id,
                                      target_repr=f"target {target_id}"))  # fmt: skip
        with transaction.atomic():
            insert_audited(EvidenceLink, links)
        made += len(links)
    return made


BENCH_SIGNING = "bench-approver-signing"  # noqa: S105 - a throwaway bench user's


def _approver(site):
    from otcsms.core.models import User
    from otcsms.tenancy.models import SiteMembership

    user, made = User.objects.get_or_create(username=f"approver-{site.code}")
    if made:
        user.set_password(BENCH_SIGNING)
        user.save()
    SiteMembership.objects.get_or_create(user=user, site=site, role="approver")
    return user


def audit_fleet() -> tuple[float, list[float]]:
    from otcsms.evidence.completeness import audit_site
    from otcsms.tenancy.models import Site

    per_site = []
    start = time.perf_counter()
    for site in Site.objects.filter(code__startswith="fleet-"):
        t = time.perf_counter()
        audit_site(site)
        per_site.append(time.perf_counter() - t)
    return time.perf_counter() - start, per_site


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=62443)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--via", choices=("wsgi", "client"), default="wsgi",
                        help="call Django's WSGI handler with the body in a file (default), or the test client")  # fmt: skip
    args = parser.parse_args()
    setup(args.database_url)
    from django.conf import settings

    from otcsms.core.actor import Actor, acting_as

    print(machine_line())
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="otcsms-bench-files-"))
    try:
        with acting_as(Actor(kind="system", label="bench")):
            (work / "in").mkdir()
            files = make_files(work / "in", args.files, rng)
            megabytes = sum(p.stat().st_size for p in files) / 1e6
            (work / "copy").mkdir()
            floor_s = floor(files, work / "copy")
            shutil.rmtree(work / "copy")
            upload_s = upload_all(files, work, args.via)
            stored = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"])
            print(f"upload ({args.via}): {len(files)} files, {megabytes:,.0f} MB through the API in {upload_s:.1f} s = "
                  f"{megabytes / upload_s:,.0f} MB/s; floor (sha256 + copy): {floor_s:.1f} s = {megabytes / floor_s:,.0f} "
                  f"MB/s; ratio {upload_s / floor_s:.2f}x (target <= 2x)")  # fmt: skip
            print(f"  blobs stored: {sum(1 for p in stored.rglob('*') if p.is_file())}")
            wall_ms, cpu_ms, queries = fixed_cost()
            print(f"  fixed cost per request (200 uploads of 1 KB): {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU, "
                  f"{queries} queries")  # fmt: skip
            service_s = service_path(files)
            print(f"  service path alone (no HTTP): {service_s:.1f} s = {megabytes / service_s:,.0f} MB/s; ratio "
                  f"{service_s / floor_s:.2f}x")  # fmt: skip
            (work / "copy").mkdir()
            again_s = floor(files, work / "copy")  # the disk is shared: the floor again, after the uploads
            shutil.rmtree(work / "copy")
            print(f"  floor measured again after the uploads: {again_s:.1f} s = {megabytes / again_s:,.0f} MB/s; "
                  f"API ratio against the mean floor {2 * upload_s / (floor_s + again_s):.2f}x")  # fmt: skip
            if args.links <= 0:
                return 0
            t = time.perf_counter()
            links = build_links(args.links, rng)
            print(f"fleet built in {time.perf_counter() - t:.0f} s: {links:,} evidence links on 10 sites")
            total, per_site = audit_fleet()
            print(f"completeness audit, every site: {total:.2f} s (target < 2 s); per site: median "
                  f"{sorted(per_site)[len(per_site) // 2] * 1000:.0f} ms, max {max(per_site) * 1000:.0f} ms")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"files": args.files, "links": args.links, "seed": args.seed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
