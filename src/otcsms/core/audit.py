"""The audit trail: append hash-chained events in the same transaction as the change, and verify the chain.

Hash of event n = SHA-256(hash of event n-1, "\\n", header, "\\n", data) where the header lists the
event's columns in a fixed order (free text length-prefixed, so no two events can encode the same
way) and ``data`` is the canonical JSON text of before/after/reason as stored. Verification re-hashes
the stored text: it never has to re-serialise JSON, which keeps a 1M-event verification fast.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection, connections, models
from django.db.models.signals import post_delete, post_save, pre_save

from otcsms.core.actor import current_actor

GENESIS_HASH = "0" * 64
REDACTED = "[redacted]"
REDACTED_CHANGED = "[redacted: changed]"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


# --- time -----------------------------------------------------------------------------------------


def to_epoch_us(moment: dt.datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_epoch_us(value: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=value)


def now_us() -> int:
    return to_epoch_us(dt.datetime.now(dt.UTC))


# --- serialisation --------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)  # floats as text: the same bytes on every database and platform
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _field_values(instance: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _snapshot(model: type[models.Model], values: dict[str, Any], secret: frozenset[str]) -> dict[str, Any]:
    return {name: (REDACTED if name in secret else _jsonable(value)) for name, value in values.items()}


# --- hashing --------------------------------------------------------------------------------------


def event_hash(
    prev_hash: str,
    seq: int,
    occurred_us: int,
    actor_kind: str,
    actor_user_id: int | None,
    actor_token_id: int | None,
    actor_label: str,
    request_id: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    site_id: int | None,
    action: str,
    data: str,
) -> str:
    header = (
        f"{seq}|{occurred_us}|{actor_kind}|{'' if actor_user_id is None else actor_user_id}|"
        f"{'' if actor_token_id is None else actor_token_id}|{len(actor_label)}:{actor_label}|{request_id}|"
        f"{object_type}|{len(object_id)}:{object_id}|{len(object_repr)}:{object_repr}|"
        f"{'' if site_id is None else site_id}|{action}"
    )
    return hashlib.sha256(f"{prev_hash}\n{header}\n{data}".encode()).hexdigest()


# --- appending ------------------------------------------------------------------------------------


def append_event(
    *,
    object_type: str,
    object_id: str,
    object_repr: str,
    site_id: int | None,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str = "",
    using: str = "default",
) -> int:
    """Append one event to the chain and return its sequence number. Must run inside the change's transaction."""
    conn = connections[using]
    if not conn.in_atomic_block:
        raise RuntimeError("audit events must be appended inside the transaction of the change")
    actor = current_actor()
    head = apps.get_model("core", "AuditChainHead")
    event = apps.get_model("core", "AuditEvent")
    lock = " FOR UPDATE" if conn.vendor == "postgresql" else ""
    with conn.cursor() as cur:
        # On PostgreSQL the row lock serialises writers until commit; on SQLite the IMMEDIATE
        # transaction already holds the database's single write lock.
        cur.execute(f"SELECT seq, hash FROM {head._meta.db_table} WHERE id = 1{lock}")  # noqa: S608
        row = cur.fetchone()
        if row is None:
            raise RuntimeError("audit chain head missing: run `otcsms init` to apply migrations")
        prev_seq, prev_hash = row
        seq = prev_seq + 1
        occurred = now_us()
        data = canonical_json({"after": after, "before": before, "reason": reason})
        object_repr = object_repr[:200]
        digest = event_hash(
            prev_hash, seq, occurred, actor.kind, actor.user_id, actor.token_id, actor.label[:200],
            actor.request_id, object_type, object_id, object_repr, site_id, action, data,
        )  # fmt: skip
        cur.execute(
            f"INSERT INTO {event._meta.db_table} (seq, occurred_us, actor_kind, actor_user_id, actor_token_id, "  # noqa: S608
            "actor_label, request_id, object_type, object_id, object_repr, site_id, action, data, prev_hash, hash) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                seq, occurred, actor.kind, actor.user_id, actor.token_id, actor.label[:200], actor.request_id,
                object_type, object_id, object_repr, site_id, action, data, prev_hash, digest,
            ],
        )  # fmt: skip
        cur.execute(f"UPDATE {head._meta.db_table} SET seq = %s, hash = %s WHERE id = 1", [seq, digest])  # noqa: S608
    return seq


def _pending_reason(instance: models.Model) -> str:
    return getattr(instance, "_audit_reason", "") or ""


def with_reason(instance: models.Model, reason: str) -> models.Model:
    """Attach a reason to the next save or delete of ``instance`` (shown in its history)."""
    instance._audit_reason = reason
    return instance


def record_save(instance: models.Model, *, created: bool, using: str = "default") -> None:
    model = type(instance)
    secret = getattr(model, "audit_secret_fields", frozenset())
    ignore = getattr(model, "audit_ignore_fields", frozenset())
    current = _field_values(instance)
    before: dict[str, Any] | None = None
    after = _snapshot(model, current, secret)
    if not created:
        loaded = getattr(instance, "_audit_loaded", None) or {}
        changed = {k for k, v in current.items() if k not in ignore and loaded.get(k, v) != v}
        if not changed:
            instance._audit_loaded = current
            return
        before = _snapshot(model, loaded, secret)
        for name in secret & changed:
            after[name] = REDACTED_CHANGED
    for name in ignore:
        after.pop(name, None)
        if before is not None:
            before.pop(name, None)
    append_event(
        object_type=model._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance),
        site_id=instance.audit_site_id(),
        action="create" if created else "update",
        before=before,
        after=after,
        reason=_pending_reason(instance),
        using=using,
    )
    instance._audit_loaded = current
    instance._audit_reason = ""


def record_delete(instance: models.Model, *, using: str = "default") -> None:
    model = type(instance)
    secret = getattr(model, "audit_secret_fields", frozenset())
    append_event(
        object_type=model._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance),
        site_id=instance.audit_site_id(),
        action="delete",
        before=_snapshot(model, _field_values(instance), secret),
        after=None,
        reason=_pending_reason(instance),
        using=using,
    )


def _load_current(model: type[models.Model], pk: Any, using: str) -> dict[str, Any]:
    names = [f.attname for f in model._meta.concrete_fields]
    row = model._base_manager.using(using).filter(pk=pk).values_list(*names).first()
    return dict(zip(names, row, strict=True)) if row else {}


def _on_pre_save(sender, instance, raw=False, using="default", update_fields=None, **kwargs) -> None:
    if not instance._state.adding and getattr(instance, "_audit_loaded", None) is None:
        instance._audit_loaded = _load_current(sender, instance.pk, using)


def _on_post_save(sender, instance, created, raw=False, using="default", **kwargs) -> None:
    if raw:
        return
    record_save(instance, created=created, using=using)


def _on_post_delete(sender, instance, using="default", **kwargs) -> None:
    record_delete(instance, using=using)


def audited_models() -> list[type[models.Model]]:
    from otcsms.core.models import Audited

    return [m for m in apps.get_models() if issubclass(m, Audited)]


def connect_signals() -> None:
    for model in audited_models():
        uid = f"otcsms-audit-{model._meta.label_lower}"
        pre_save.connect(_on_pre_save, sender=model, dispatch_uid=uid + "-pre")
        post_save.connect(_on_post_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_post_delete, sender=model, dispatch_uid=uid + "-del")


# --- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    events: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
        }


_VERIFY_COLUMNS = (
    "seq, occurred_us, actor_kind, actor_user_id, actor_token_id, actor_label, request_id, "
    "object_type, object_id, object_repr, site_id, action, data, prev_hash, hash"
)


def _event_rows(batch: int = 20_000) -> Iterator[tuple]:
    table = apps.get_model("core", "AuditEvent")._meta.db_table
    # No transaction: on SQLite it would take the write lock for the whole walk; one SELECT already
    # reads a consistent snapshot, and PostgreSQL's chunked cursor is declared WITH HOLD outside one.
    with connection.chunked_cursor() as cur:
        cur.execute(f"SELECT {_VERIFY_COLUMNS} FROM {table} ORDER BY seq")  # noqa: S608
        while rows := cur.fetchmany(batch):
            yield from rows


def verify_chain(progress=None) -> ChainReport:
    """Walk the chain from the first event; report the first event whose content, link or place is wrong."""
    head_model = apps.get_model("core", "AuditChainHead")
    event_model = apps.get_model("core", "AuditEvent")
    head = head_model.objects.filter(pk=1).values_list("seq", "hash").first() or (0, GENESIS_HASH)
    expected_seq, prev = 1, GENESIS_HASH
    count = 0
    sha = hashlib.sha256
    for row in _event_rows():
        (seq, occ, kind, uid, tid, label, rid, otype, oid, orepr, site, action, data, prev_hash, digest) = row
        if seq != expected_seq:
            if seq > expected_seq:
                problem = f"event #{expected_seq} is missing (the next stored event is #{seq})"
                return _broken(count, head, expected_seq, problem)
            return _broken(count, head, seq, f"event #{seq} is out of order")
        if prev_hash != prev:
            return _broken(count, head, seq, f"event #{seq} does not link to event #{seq - 1}")
        header = (
            f"{seq}|{occ}|{kind}|{'' if uid is None else uid}|{'' if tid is None else tid}|{len(label)}:{label}|"
            f"{rid}|{otype}|{len(oid)}:{oid}|{len(orepr)}:{orepr}|{'' if site is None else site}|{action}"
        )
        if sha(f"{prev}\n{header}\n{data}".encode()).hexdigest() != digest:
            return _broken(
                count, head, seq, f"event #{seq} was altered (its content does not match its hash)"
            )
        prev = digest
        expected_seq += 1
        count += 1
        if progress is not None and count % 50_000 == 0:
            progress(count)
    last_seq = expected_seq - 1
    # The head is read after the walk: a write committed meanwhile moves it past what was read.
    head = head_model.objects.filter(pk=1).values_list("seq", "hash").first() or (0, GENESIS_HASH)
    if head[0] > last_seq:
        if event_model.objects.filter(seq=last_seq + 1).exists():
            return ChainReport(ok=True, events=count, head_seq=last_seq, head_hash=prev)
        problem = f"events #{last_seq + 1} to #{head[0]} are missing from the end of the chain"
        return _broken(count, head, last_seq + 1, problem)
    if head[0] < last_seq:
        return _broken(count, head, head[0] + 1, f"event #{head[0] + 1} was added behind the chain head")
    if head[1] != prev:
        return _broken(count, head, last_seq, f"event #{last_seq} does not match the chain head")
    return ChainReport(ok=True, events=count, head_seq=head[0], head_hash=head[1])


def _broken(count: int, head: tuple[int, str], seq: int, problem: str) -> ChainReport:
    return ChainReport(
        ok=False, events=count, head_seq=head[0], head_hash=head[1], first_bad_seq=seq, problem=problem
    )
