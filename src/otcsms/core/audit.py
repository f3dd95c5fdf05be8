"""The audit trail: append hash-chained events in the same transaction as the change, and verify the chain.

Hash of event n = HMAC-SHA256(chain key, hash of event n-1 "\\n" header "\\n" data) where the header lists
the event's columns in a fixed order (free text length-prefixed, so no two events can encode the same
way) and ``data`` is the canonical JSON text of before/after/reason as stored. The key lives outside the
database (settings.AUDIT_KEY), so whoever can only write the database cannot re-hash the chain. Events
stored before the chain was keyed (seq < head.keyed_from) keep their plain SHA-256 hashes. Verification
re-hashes the stored text: it never has to re-serialise JSON, which keeps a 1M-event verification fast.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, models, router
from django.db.backends.utils import CursorWrapper
from django.db.models.signals import post_delete, post_save, pre_save

from otcsms.core.actor import current_actor
from otcsms.core.epoch import now_us
from otcsms.core.models import AuditChainHead, Audited, AuditEvent, bulk_created

_A = TypeVar("_A", bound=Audited)

GENESIS_HASH = "0" * 64
REDACTED = "[redacted]"
REDACTED_CHANGED = "[redacted: changed]"


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


def chain_key() -> bytes:
    """The chain key, or a loud error: hashing without it would let any database writer re-hash the chain."""
    key: bytes | None = getattr(settings, "AUDIT_KEY", None)
    if not key:
        raise ImproperlyConfigured(
            "no audit chain key: run `otcsms init` (it creates DATA_DIR/audit_key) or set OTCSMS_AUDIT_KEY"
        )
    return key


@functools.lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    # The key schedule once; each message then costs a .copy() (about half of a fresh hmac.new()).
    return hmac.new(key, digestmod=hashlib.sha256)


def chain_digest(key: bytes | None, prev_hash: str, header: str, data: str) -> str:
    """HMAC-SHA256 of one event under the chain key; plain SHA-256 (key None) for events before keying."""
    message = f"{prev_hash}\n{header}\n{data}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    mac = _keyed(key).copy()
    mac.update(message)
    return mac.hexdigest()


def event_header(
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
) -> str:
    return (
        f"{seq}|{occurred_us}|{actor_kind}|{'' if actor_user_id is None else actor_user_id}|"
        f"{'' if actor_token_id is None else actor_token_id}|{len(actor_label)}:{actor_label}|{request_id}|"
        f"{object_type}|{len(object_id)}:{object_id}|{len(object_repr)}:{object_repr}|"
        f"{'' if site_id is None else site_id}|{action}"
    )


def event_hash(key: bytes | None, prev_hash: str, *columns: Any, data: str) -> str:
    """The hash of an event given its header columns in ``event_header`` order (benchmarks, tests)."""
    return chain_digest(key, prev_hash, event_header(*columns), data)


def head_seal(key: bytes, seq: int, head_hash: str, keyed_from: int) -> str:
    """The chain head's seal: without the key nobody can rewind the head or move ``keyed_from``.

    The prefix keeps it apart from event messages, which start with a 64-digit hash."""
    return chain_digest(key, "otcsms-audit-head", str(seq), f"{head_hash}\n{keyed_from}")


# --- appending ------------------------------------------------------------------------------------


_EVENT_COLUMNS = (
    "seq, occurred_us, actor_kind, actor_user_id, actor_token_id, actor_label, request_id, "
    "object_type, object_id, object_repr, site_id, action, data, prev_hash, hash"
)
_statements_by_vendor: dict[str, tuple[str, str, str]] = {}


def _statements(vendor: str) -> tuple[str, str, str]:
    """SELECT head, INSERT event, UPDATE head, in the driver's own parameter style (built once per vendor)."""
    if vendor not in _statements_by_vendor:
        mark = "?" if vendor == "sqlite" else "%s"
        lock = " FOR UPDATE" if vendor == "postgresql" else ""
        head = AuditChainHead._meta.db_table
        event = AuditEvent._meta.db_table
        _statements_by_vendor[vendor] = (
            f"SELECT seq, hash, keyed_from, seal FROM {head} WHERE id = 1{lock}",  # noqa: S608
            f"INSERT INTO {event} ({_EVENT_COLUMNS}) VALUES ({', '.join([mark] * 15)})",  # noqa: S608
            f"UPDATE {head} SET seq = {mark}, hash = {mark}, seal = {mark} WHERE id = 1",  # noqa: S608
        )
    return _statements_by_vendor[vendor]


def _text(value: str) -> str:
    # PostgreSQL refuses NUL in text, and a NUL would make SQLite's length() disagree with Python's len().
    return value[:200].replace("\x00", "\ufffd")


@dataclass(frozen=True, slots=True)
class Change:
    """One change to record: what the event says besides who, when and its place in the chain."""

    object_type: str
    object_id: str
    object_repr: str
    site_id: int | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str = ""


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
    change = Change(object_type, object_id, object_repr, site_id, action, before, after, reason)
    return append_events([change], using=using)


@dataclass(frozen=True, slots=True)
class Entry:
    """A change as the chain stores it: ``data`` is the canonical JSON text of before/after/reason."""

    object_type: str
    object_id: str
    object_repr: str
    site_id: int | None
    action: str
    data: str


def entry_of(change: Change) -> Entry:
    data = canonical_json({"after": change.after, "before": change.before, "reason": change.reason})
    return Entry(
        change.object_type, change.object_id, change.object_repr, change.site_id, change.action, data
    )


def append_events(changes: Sequence[Change], using: str = "default") -> int:
    """Append events in order (one head lock, one batch insert); returns the last sequence number."""
    return append_entries([entry_of(change) for change in changes], using=using)


def append_entries(entries: Sequence[Entry], using: str = "default") -> int:
    """``append_events`` for changes already in stored form (a copy of recorded events re-appended as the
    current actor at the chain's current end: only the chain columns are computed anew)."""
    conn = connections[using]
    if not conn.in_atomic_block:
        raise RuntimeError("audit events must be appended inside the transaction of the change")
    actor = current_actor()
    key = chain_key()
    select_head, insert_event, update_head = _statements(conn.vendor)
    # The driver's own cursor: this runs for every change, and Django's cursor wrapper would cost as
    # much as the statements themselves.
    cur = conn.connection.cursor()
    try:
        # On PostgreSQL the row lock serialises writers until commit; on SQLite the IMMEDIATE
        # transaction already holds the database's single write lock.
        cur.execute(select_head)
        row = cur.fetchone()
        if row is None:
            with conn.cursor() as django_cursor:
                row = _start_chain(django_cursor, key)
        seq: int
        seq, prev_hash, keyed_from, seal = row
        _check_seal(key, seq, prev_hash, keyed_from, seal)
        occurred = now_us()
        label = _text(actor.label)
        rows = []
        for entry in entries:
            seq += 1
            object_repr = _text(entry.object_repr)
            header = event_header(
                seq, occurred, actor.kind, actor.user_id, actor.token_id, label, actor.request_id,
                entry.object_type, entry.object_id, object_repr, entry.site_id, entry.action,
            )  # fmt: skip
            digest = chain_digest(key, prev_hash, header, entry.data)
            rows.append((seq, occurred, actor.kind, actor.user_id, actor.token_id, label, actor.request_id,
                         entry.object_type, entry.object_id, object_repr, entry.site_id, entry.action, entry.data,
                         prev_hash, digest))  # fmt: skip
            prev_hash = digest
        if len(rows) == 1:
            cur.execute(insert_event, rows[0])
        else:
            cur.executemany(insert_event, rows)
        cur.execute(update_head, (seq, prev_hash, head_seal(key, seq, prev_hash, keyed_from)))
    finally:
        cur.close()
    return seq


def _check_seal(key: bytes, seq: int, head_hash: str, keyed_from: int, seal: str) -> None:
    """Refuse to extend a head that was moved behind the application's back: the next seal would launder
    the change (e.g. events cut from the end and the head rewound)."""
    if seq == 0 and not seal:
        return  # an empty chain created before a key existed: its first event seals it
    if not _same(seal, head_seal(key, seq, head_hash, keyed_from)):
        raise RuntimeError(
            "the audit chain head does not match its seal (changed behind the application, or the audit "
            "key is not this instance's key): run `otcsms audit verify`"
        )


def _start_chain(cur: CursorWrapper, key: bytes) -> tuple[int, str, int, str]:
    """Create the head of an empty chain (a fresh or flushed database); refuse if events exist without one."""
    head_table = AuditChainHead._meta.db_table
    event_table = AuditEvent._meta.db_table
    cur.execute(f"SELECT COUNT(*) FROM {event_table}")  # noqa: S608
    if cur.fetchone()[0]:
        raise RuntimeError("the audit chain head is missing while events exist: run `otcsms audit verify`")
    seal = head_seal(key, 0, GENESIS_HASH, 1)
    cur.execute(
        f"INSERT INTO {head_table} (id, seq, hash, keyed_from, seal) VALUES (1, 0, %s, 1, %s)",  # noqa: S608
        [GENESIS_HASH, seal],
    )
    return 0, GENESIS_HASH, 1, seal


def _pending_reason(instance: Audited) -> str:
    return getattr(instance, "_audit_reason", "") or ""


def with_reason(instance: _A, reason: str) -> _A:
    """Attach a reason to the next save or delete of ``instance`` (shown in its history)."""
    instance._audit_reason = reason
    return instance


def record_save(instance: Audited, *, created: bool, using: str = "default") -> None:
    change = change_for_save(instance, created=created)
    if change is not None:
        append_events([change], using=using)


def record_bulk_create(instances: Sequence[Audited], using: str = "default") -> None:
    """One event per created object, appended as one batch (bulk imports, library loads)."""
    changes = [c for c in (change_for_save(obj, created=True) for obj in instances) if c is not None]
    if changes:
        append_events(changes, using=using)


def change_for_save(instance: Audited, *, created: bool) -> Change | None:
    """The event a save of ``instance`` calls for, or None when no audited field changed."""
    model = type(instance)
    secret = model.audit_secret_fields
    ignore = model.audit_ignore_fields
    current = _field_values(instance)
    before: dict[str, Any] | None = None
    after = _snapshot(model, current, secret)
    if not created:
        loaded = getattr(instance, "_audit_loaded", None) or {}
        changed = {k for k, v in current.items() if k not in ignore and loaded.get(k, v) != v}
        if not changed:
            instance._audit_loaded = current
            return None
        before = _snapshot(model, loaded, secret)
        for name in secret & changed:
            after[name] = REDACTED_CHANGED
    for name in ignore:
        after.pop(name, None)
        if before is not None:
            before.pop(name, None)
    reason = _pending_reason(instance)
    instance._audit_loaded = current
    instance._audit_reason = ""
    action = "create" if created else "update"
    return Change(
        model._meta.label_lower, str(instance.pk), str(instance), instance.audit_site_id(), action, before, after,
        reason,
    )  # fmt: skip


def insert_audited(model: type[Audited], objs: Sequence[Audited]) -> None:
    """Insert new rows in multi-row INSERT statements and append one audit event per row, as
    ``bulk_create`` does, without its per-value query compilation (five times the cost of the inserts
    themselves on a 20,000-asset import). For bulk imports: every value is taken as the model holds it, so
    the objects must be built from checked records; JSON fields are prepared by the field itself.

    Must run inside the import's transaction (the audit trail refuses otherwise).
    """
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(field)) for field in fields)
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    json_fields = [(i, field) for i, field in enumerate(fields) if isinstance(field, models.JSONField)]
    names = [field.attname for field in fields]
    size = max(1, (connection.features.max_query_params or 30_000) // len(fields))
    for start in range(0, len(objs), size):
        batch = objs[start : start + size]
        params: list[Any] = []
        for obj in batch:
            values = [getattr(obj, name) for name in names]
            for i, field in json_fields:
                values[i] = field.get_db_prep_save(values[i], connection)
            params.extend(values)
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row_marks] * len(batch))} "  # noqa: S608
            f"RETURNING {quote(_column(meta.pk))}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        for obj, pk in zip(batch, ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
        record_bulk_create(batch, using=connection.alias)


def _column(field: models.Field[Any, Any]) -> str:
    if field.column is None:  # a concrete field always has one
        raise ValueError(f"{field} has no column")
    return field.column


def record_delete(instance: Audited, *, using: str = "default") -> None:
    model = type(instance)
    secret = model.audit_secret_fields
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


def _on_pre_save(
    sender: type[Audited], instance: Audited, raw: bool = False, using: str = "default", **kwargs: Any
) -> None:
    current_actor()  # refuse before anything is written, not after
    # A new instance given the primary key of an existing row overwrites that row (save() tries an UPDATE
    # first): load the row for it too, so that the save is recorded as an update with its true "before".
    may_exist = not instance._state.adding or instance.pk is not None
    if may_exist and getattr(instance, "_audit_loaded", None) is None:
        instance._audit_loaded = _load_current(sender, instance.pk, using)


def _on_post_save(
    sender: type[Audited],
    instance: Audited,
    created: bool,
    raw: bool = False,
    using: str = "default",
    **kwargs: Any,
) -> None:
    if raw:
        return
    record_save(instance, created=created, using=using)


def _on_post_delete(sender: type[Audited], instance: Audited, using: str = "default", **kwargs: Any) -> None:
    record_delete(instance, using=using)


def _on_bulk_created(
    sender: type[Audited], instances: Sequence[Audited], using: str = "default", **kwargs: Any
) -> None:
    record_bulk_create(instances, using=using)


def audited_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, Audited)]


def disconnect_signals() -> None:
    """Switch the trail off (benchmarks only: measuring what auditing costs)."""
    for model in audited_models():
        uid = f"otcsms-audit-{model._meta.label_lower}"
        pre_save.disconnect(sender=model, dispatch_uid=uid + "-pre")
        post_save.disconnect(sender=model, dispatch_uid=uid)
        post_delete.disconnect(sender=model, dispatch_uid=uid + "-del")
        bulk_created.disconnect(sender=model, dispatch_uid=uid + "-bulk")


def connect_signals() -> None:
    for model in audited_models():
        uid = f"otcsms-audit-{model._meta.label_lower}"
        pre_save.connect(_on_pre_save, sender=model, dispatch_uid=uid + "-pre")
        post_save.connect(_on_post_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_post_delete, sender=model, dispatch_uid=uid + "-del")
        bulk_created.connect(_on_bulk_created, sender=model, dispatch_uid=uid + "-bulk")


# --- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    events: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""
    keyed_from: int = 1  # the first event hashed with the chain key
    unkeyed_events: int = 0  # events before it, plain SHA-256 (written before the chain was keyed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "keyed_from": self.keyed_from,
            "unkeyed_events": self.unkeyed_events,
        }


PARALLEL_THRESHOLD = 100_000  # below this, starting processes costs more than it saves


@dataclass(frozen=True, slots=True)
class _Segment:
    """What a walk over events first_seq..last_seq found; segments are checked against each other after."""

    first_seq: int
    entry_prev: str | None  # the prev_hash stored in the segment's first event
    exit_hash: str | None  # the hash of its last event
    count: int
    bad_seq: int | None = None
    problem: str = ""


# The event header of ``event_hash``, assembled by the database: the walk then reads four columns instead
# of fifteen and formats nothing per row. Same text on SQLite and PostgreSQL (length() counts characters;
# NUL never reaches these columns, see _text).
_HEADER_SQL = (
    "CAST(seq AS TEXT) || '|' || CAST(occurred_us AS TEXT) || '|' || actor_kind || '|' || "
    "COALESCE(CAST(actor_user_id AS TEXT), '') || '|' || COALESCE(CAST(actor_token_id AS TEXT), '') || '|' || "
    "CAST(LENGTH(actor_label) AS TEXT) || ':' || actor_label || '|' || request_id || '|' || object_type || '|' || "
    "CAST(LENGTH(object_id) AS TEXT) || ':' || object_id || '|' || "
    "CAST(LENGTH(object_repr) AS TEXT) || ':' || object_repr || '|' || COALESCE(CAST(site_id AS TEXT), '') || "
    "'|' || action"
)


def _walk(first_seq: int, last_seq: int, keyed_from: int) -> _Segment:
    """Check every event of one contiguous range: its place, its link to the one before, its own hash."""
    table = AuditEvent._meta.db_table
    sha = hashlib.sha256
    keyed = _keyed(chain_key())
    expected, prev, entry, count = first_seq, None, None, 0
    # No transaction: on SQLite it would take the write lock for the whole walk; one SELECT already
    # reads a consistent snapshot, and PostgreSQL's chunked cursor is declared WITH HOLD outside one.
    with connection.chunked_cursor() as cur:
        cur.execute(
            f"SELECT seq, {_HEADER_SQL}, data, prev_hash, hash FROM {table} "  # noqa: S608
            "WHERE seq >= %s AND seq <= %s ORDER BY seq",
            [first_seq, last_seq],
        )
        while rows := cur.fetchmany(20_000):
            for seq, header, data, prev_hash, digest in rows:
                if seq != expected:
                    return _Segment(first_seq, entry, prev, count, expected, f"event #{expected} is missing")
                if prev is None:
                    entry = prev = prev_hash
                elif prev_hash != prev:
                    problem = f"event #{seq} does not link to #{seq - 1}"
                    return _Segment(first_seq, entry, prev, count, seq, problem)
                message = f"{prev}\n{header}\n{data}".encode()
                if seq >= keyed_from:
                    mac = keyed.copy()
                    mac.update(message)
                    computed = mac.hexdigest()
                else:
                    computed = sha(message).hexdigest()
                if computed != digest:
                    return _Segment(first_seq, entry, prev, count, seq, _altered(seq, keyed_from))
                prev = digest
                expected += 1
                count += 1
    if expected <= last_seq:
        return _Segment(first_seq, entry, prev, count, expected, f"event #{expected} is missing")
    return _Segment(first_seq, entry, prev, count)


def _altered(seq: int, keyed_from: int) -> str:
    problem = f"event #{seq} was altered (its content does not match its hash)"
    # The first keyed event is also where a wrong key shows first.
    return problem + ", or the audit key is not this instance's key" if seq == keyed_from else problem


def _walk_range(bounds: tuple[int, int, int]) -> _Segment:
    return _walk(*bounds)  # in a forked child: the key comes from its own copy of the settings


def _segments(top: int, workers: int, keyed_from: int) -> list[tuple[int, int, int]]:
    size = -(-top // workers)
    return [(lo, min(lo + size - 1, top), keyed_from) for lo in range(1, top + 1, size)]


def _walk_all(top: int, workers: int, keyed_from: int) -> list[_Segment]:
    """Walk 1..top, in several processes when the chain is long: every event's hash depends only on
    stored columns, so ranges are checked independently and then stitched at their boundaries."""
    if top == 0:
        return []
    if workers <= 1 or top < PARALLEL_THRESHOLD or connection.in_atomic_block:
        return [_walk(1, top, keyed_from)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    connections.close_all()  # children open their own connections
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_walk_range, _segments(top, workers, keyed_from)))


def verify_chain(workers: int | None = None) -> ChainReport:
    """Check the whole chain; report the first event whose content, link or place is wrong, then the head."""
    key = chain_key()  # before any work: without the key nothing can be verified
    head_table = AuditChainHead._meta.db_table
    event_table = AuditEvent._meta.db_table
    with connection.cursor() as cur:
        # One statement, one snapshot: the head and the highest stored event as of the same moment.
        cur.execute(
            f"SELECT h.seq, h.hash, h.keyed_from, h.seal, (SELECT MAX(seq) FROM {event_table}) "  # noqa: S608
            f"FROM (SELECT 1 AS one) AS o LEFT JOIN {head_table} AS h ON h.id = 1"
        )
        head_seq, head_hash, keyed_from, seal, max_seq = cur.fetchone()
    head = _Head(head_seq or 0, head_hash or GENESIS_HASH, keyed_from or 1)
    top = max(head.seq, max_seq or 0)
    if head_seq is None and max_seq:
        return _broken(0, head, 1, "the chain head is missing (event #1 onwards cannot be anchored)")
    workers = workers or min(4, os.cpu_count() or 1)
    prev, count = GENESIS_HASH, 0
    for segment in _walk_all(top, workers, head.keyed_from):
        if segment.count and segment.entry_prev != prev:
            seq = segment.first_seq
            return _broken(count, head, seq, f"event #{seq} does not link to #{seq - 1}")
        count += segment.count
        if segment.bad_seq is not None:
            return _broken(count, head, segment.bad_seq, segment.problem)
        prev = segment.exit_hash or prev
    if top > head.seq:
        return _broken(count, head, head.seq + 1, f"event #{head.seq + 1} was added behind the chain head")
    if head.hash != prev:
        return _broken(count, head, head.seq, f"event #{head.seq} does not match the chain head")
    if head_seq is not None and not _seal_holds(key, head, seal):
        problem = (
            "the chain head was moved behind the application (its seal does not match: events cut from the "
            "end and the head rewound, or keyed_from changed), or the audit key is not this instance's key"
        )
        return _broken(count, head, head.seq, problem)
    return ChainReport(ok=True, events=count, head_seq=head.seq, head_hash=head.hash, **_keying(head, count))


@dataclass(frozen=True, slots=True)
class _Head:
    seq: int
    hash: str
    keyed_from: int


def _seal_holds(key: bytes, head: _Head, seal: str) -> bool:
    if head.seq == 0 and not seal:
        return True  # an empty chain created before a key existed (see _check_seal)
    return _same(seal or "", head_seal(key, head.seq, head.hash, head.keyed_from))


def _same(stored: str, expected: str) -> bool:
    # Bytes: compare_digest refuses non-ASCII text, and the stored side is whatever the database holds.
    return hmac.compare_digest(stored.encode(), expected.encode())


class _Keying(TypedDict):
    keyed_from: int
    unkeyed_events: int


def _keying(head: _Head, count: int) -> _Keying:
    return {"keyed_from": head.keyed_from, "unkeyed_events": max(0, min(head.keyed_from - 1, count))}


def _broken(count: int, head: _Head, seq: int, problem: str) -> ChainReport:
    return ChainReport(
        ok=False, events=count, head_seq=head.seq, head_hash=head.hash, first_bad_seq=seq, problem=problem,
        **_keying(head, count),
    )  # fmt: skip
