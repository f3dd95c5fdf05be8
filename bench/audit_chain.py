"""Audit trail throughput and verification speed (issue: platform foundation).

1. Writes N audited changes (creates, then updates) through the real write path, one transaction each,
   and the same writes with the trail switched off: events/s and the overhead ratio.
2. Extends the chain to M events (synthesised with the production hash function and key, since only the
   verification is timed) and verifies it: time, next to raw HMAC-SHA256 (the floor) and raw SHA-256
   (the floor of the unkeyed chain before issue 7) over the same bytes.

Targets: verify 1,000,000 events in under 5 s on SQLite; auditing adds under 50% to a write.
Usage: python bench/audit_chain.py [--writes 100000] [--chain 1000000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import sys
import time

from _support import machine_line, setup


def timed_writes(n: int) -> float:
    """n changes: n/10 creates, then updates cycling over them, each in its own transaction."""
    from otcsms.org.models import Person
    from otcsms.tenancy.models import Organisation

    org = Organisation.objects.first() or Organisation.objects.create(name="Bench")
    creates = max(1, n // 10)
    start = time.perf_counter()
    people = [Person.objects.create(organisation=org, name=f"Person {i}") for i in range(creates)]
    for i in range(n - creates):
        person = people[i % creates]
        person.job_title = f"title {i}"
        person.save()
    return time.perf_counter() - start


def timed_api_writes(n: int) -> float:
    """n PATCH requests through the whole API stack (middleware, token auth, validation, handler)."""
    import json

    from django.test import Client

    from otcsms.core.models import ApiToken, User
    from otcsms.org.models import Person
    from otcsms.tenancy.models import Organisation

    user = User.objects.filter(username="bench").first()
    if user is None:
        user = User.objects.create(username="bench", is_org_admin=True)
    _token, secret = ApiToken.issue(user, "bench")
    org = Organisation.objects.first()
    people = [Person.objects.create(organisation=org, name=f"API person {i}") for i in range(50)]
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    start = time.perf_counter()
    for i in range(n):
        response = client.patch(
            f"/api/v1/people/{people[i % 50].pk}", json.dumps({"job_title": f"title {i}"}),
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 200, response.content
    return time.perf_counter() - start


def alternate(measure, n: int, rounds: int) -> tuple[float, float]:
    """Total seconds of ``measure`` for n writes without and with the trail, in alternating rounds."""
    from otcsms.core import audit

    plain = audited = 0.0
    for _ in range(rounds):
        audit.disconnect_signals()
        plain += measure(n // rounds)
        audit.connect_signals()
        audited += measure(n // rounds)
    return plain, audited


def extend_chain(target: int) -> None:
    """Append synthetic events until the chain has ``target`` events, hashed exactly as production does."""
    from django.db import connection, transaction

    from otcsms.core.audit import canonical_json, chain_key, event_hash, head_seal
    from otcsms.core.models import AuditChainHead

    key = chain_key()
    head = AuditChainHead.objects.get(pk=1)
    seq, prev = head.seq, head.hash
    batch: list[tuple] = []
    sql = (
        "INSERT INTO core_auditevent (seq, occurred_us, actor_kind, actor_user_id, actor_token_id, actor_label, "
        "request_id, object_type, object_id, object_repr, site_id, action, data, prev_hash, hash) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    occurred = 1_764_000_000_000_000
    with transaction.atomic(), connection.cursor() as cur:
        while seq < target:
            seq += 1
            data = canonical_json({"after": {"id": seq, "name": f"Asset {seq}", "firmware": "V3.2.1"},
                                   "before": {"id": seq, "name": f"Asset {seq}", "firmware": "V3.1.0"},
                                   "reason": ""})  # fmt: skip
            row = (seq, occurred + seq, "worker", None, None, "worker:bench", f"job-{seq // 1000}",
                   "plant.asset", str(seq), f"Asset {seq}", 1, "update", data, prev)  # fmt: skip
            digest = event_hash(key, prev, *row[:12], data=data)
            batch.append((*row, digest))
            prev = digest
            if len(batch) == 20_000:
                cur.executemany(sql, batch)
                batch.clear()
        if batch:
            cur.executemany(sql, batch)
        seal = head_seal(key, seq, prev, head.keyed_from)
        cur.execute(
            "UPDATE core_auditchainhead SET seq = %s, hash = %s, seal = %s WHERE id = 1", [seq, prev, seal]
        )


def raw_hash_floors() -> tuple[float, float, int]:
    """HMAC-SHA256 and SHA-256 over exactly the bytes verification hashes, without reading or formatting
    anything: (hmac seconds, sha256 seconds, bytes)."""
    import hmac

    from django.db import connection

    from otcsms.core.audit import chain_key

    with connection.cursor() as cur:
        cur.execute(
            "SELECT seq, occurred_us, actor_kind, actor_user_id, actor_token_id, actor_label, request_id, "
            "object_type, object_id, object_repr, site_id, action, data, prev_hash FROM core_auditevent ORDER BY seq"
        )
        rows = cur.fetchall()
    blobs = []
    for seq, occ, kind, uid, tid, label, rid, otype, oid, orepr, site, action, data, prev in rows:
        header = (
            f"{seq}|{occ}|{kind}|{'' if uid is None else uid}|{'' if tid is None else tid}|{len(label)}:{label}|"
            f"{rid}|{otype}|{len(oid)}:{oid}|{len(orepr)}:{orepr}|{'' if site is None else site}|{action}"
        )
        blobs.append(f"{prev}\n{header}\n{data}".encode())
    total = sum(len(b) for b in blobs)
    keyed = hmac.new(chain_key(), digestmod=hashlib.sha256)
    start = time.perf_counter()
    for blob in blobs:
        mac = keyed.copy()
        mac.update(blob)
        mac.hexdigest()
    keyed_floor = time.perf_counter() - start
    sha = hashlib.sha256
    start = time.perf_counter()
    for blob in blobs:
        sha(blob).hexdigest()
    return keyed_floor, time.perf_counter() - start, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=100_000)
    parser.add_argument("--chain", type=int, default=1_000_000)
    parser.add_argument("--api-writes", type=int, default=5_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    # The chain refuses to hash without its key; `otcsms init` would write one to the data directory.
    os.environ.setdefault("OTCSMS_AUDIT_KEY", secrets.token_hex(32))
    setup(args.database_url)

    from otcsms.core import audit
    from otcsms.core.actor import Actor, acting_as
    from otcsms.core.models import AuditEvent

    print(machine_line())
    with acting_as(Actor(kind="worker", label="worker:bench")):
        # Rounds alternate with and without the trail, so the database growing (and SQLite checkpointing
        # its log) weighs on both sides alike.
        plain, audited = alternate(timed_writes, args.writes, rounds=10)
        events = AuditEvent.objects.count()
        api_plain, api_audited = alternate(timed_api_writes, args.api_writes, rounds=10)
    print(f"model saves without trail: {args.writes:,} in {plain:.2f} s = {args.writes / plain:,.0f}/s")
    print(f"model saves with trail:    {args.writes:,} in {audited:.2f} s = {args.writes / audited:,.0f}/s "
          f"({events:,} events)")  # fmt: skip
    print(f"  audit overhead per bare save (one transaction each): +{(audited / plain - 1) * 100:.0f}%")
    print(
        f"API PATCH without trail:   {args.api_writes:,} in {api_plain:.2f} s = {args.api_writes / api_plain:,.0f}/s"
    )
    print(
        f"API PATCH with trail:      {args.api_writes:,} in {api_audited:.2f} s = {args.api_writes / api_audited:,.0f}/s"
    )
    print(f"  audit overhead per API write: +{(api_audited / api_plain - 1) * 100:.0f}% (target < 50%)")

    extend_chain(args.chain)
    start = time.perf_counter()
    report = audit.verify_chain()
    verify = time.perf_counter() - start
    assert report.ok, report
    floor, sha_floor, nbytes = raw_hash_floors()
    print(
        f"verify {report.events:,} events: {verify:.2f} s ({report.events / verify:,.0f} events/s; target < 5 s)"
    )
    print(
        f"raw HMAC-SHA256 of the same {nbytes / 1e6:,.0f} MB: {floor:.2f} s (the floor); verify = x{verify / floor:.1f}"
    )
    print(f"raw SHA-256 of the same bytes: {sha_floor:.2f} s (the floor of the unkeyed chain)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
