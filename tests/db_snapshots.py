"""Data that many tests need and that takes seconds to write (the shipped framework library, the demo
operator), written once per test process and copied into every test that asks for it.

``restore(key, load)`` returns what ``load()`` returns, with the database as ``load()`` leaves it. The first
call of a test process runs ``load()`` for real inside a savepoint, records every row it inserted and every
audit event it appended, and rolls the savepoint back; then it, and every later call, inserts the recorded
rows (same primary keys) and appends the recorded changes to the audit chain through ``core.audit`` as the
same actors, so the chain stays whole and verifiable. A copy takes a fraction of a load: no parsing, no
validation, no per-object work: the rows are kept as the database takes them (one executemany per table,
no model instances, no query compiling) and the events as they are stored (their canonical JSON text kept,
only the chain columns computed anew).

The copy is the load's effect only when the load starts from the same state, so: ``load`` must only insert
(tables it writes to must be empty before it runs; a load that finds rows there is not recorded), and a
copy is made only into tables that are still empty; otherwise ``load()`` simply runs. The copy is written in
the test's own transaction (rolled back after a ``db`` test) or committed (flushed after a
``transactional_db`` one), so tests stay isolated exactly as with the real load.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction

from otcsms.core import audit
from otcsms.core.actor import Actor, acting_as
from otcsms.core.models import AuditChainHead, AuditEvent

_EVENT_FIELDS = ("actor_kind", "actor_label", "actor_user_id", "actor_token_id", "request_id",
                 "object_type", "object_id", "object_repr", "site_id", "action", "data")  # fmt: skip


@dataclass(frozen=True)
class Table:
    model: type[models.Model]
    insert: str  # INSERT INTO table (its concrete columns) VALUES (%s, ...)
    rows: list[tuple[Any, ...]]  # the values as the database adapter takes them, by pk


@dataclass(frozen=True)
class Snapshot:
    tables: list[Table]
    # rows outside the snapshot that its rows point at (model, key field, values): a copy needs them to exist, and
    # they may not (a transactional test's flush recreates content types under new ids, say): then it loads
    outside: list[tuple[type[models.Model], str, frozenset[Any]]]
    events: list[tuple[Actor, list[audit.Entry]]]  # the appended audit events, in chain order, by actor
    result: Any


class _RollBack(Exception):
    pass


_snapshots: dict[str, Snapshot | None] = {}


def restore(key: str, load: Callable[[], Any]) -> Any:
    if key not in _snapshots:
        _snapshots[key] = _record(load)
    snapshot = _snapshots[key]
    if (
        snapshot is None
        or any(_model_rows(table.model).exists() for table in snapshot.tables)
        or not all(
            _model_rows(model).filter(**{f"{key}__in": values}).count() == len(values)
            for model, key, values in snapshot.outside
        )
    ):
        return load()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in snapshot.tables:
            cursor.executemany(table.insert, table.rows)
        # PostgreSQL: the next ids come after the copied ones
        models_copied = [table.model for table in snapshot.tables]
        for statement in connection.ops.sequence_reset_sql(no_style(), models_copied):
            cursor.execute(statement)
        for actor, entries in snapshot.events:
            with acting_as(actor):
                audit.append_entries(entries)
    return copy.deepcopy(snapshot.result)


def _record(load: Callable[[], Any]) -> Snapshot | None:
    candidates = [
        model for model in apps.get_models(include_auto_created=True)
        if model not in (AuditEvent, AuditChainHead) and model._meta.managed and not model._meta.proxy
    ]  # fmt: skip
    snapshot = None
    try:
        with transaction.atomic():
            before = {model: _model_rows(model).count() for model in candidates}
            head = AuditEvent.objects.aggregate(last=models.Max("seq"))["last"] or 0
            result = load()
            written = [model for model in candidates if _model_rows(model).count() > before[model]]
            if not any(before[model] for model in written):
                tables = [_table(model) for model in written]
                events = AuditEvent.objects.filter(seq__gt=head).order_by("seq").values_list(*_EVENT_FIELDS)
                outside = _outside(written)
                snapshot = Snapshot(tables, outside, _entries_by_actor(events), copy.deepcopy(result))
            raise _RollBack
    except _RollBack:
        pass
    return snapshot


def _model_rows(model: type[models.Model]) -> models.QuerySet[Any]:
    """Every row, through a plain query set: no scoping, and no audit of the copy's bulk insert."""
    return models.QuerySet(model)


def _table(model: type[models.Model]) -> Table:
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    insert = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    values = _model_rows(model).order_by("pk").values_list(*(field.attname for field in fields))
    rows = [
        tuple(field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True))
        for row in values
    ]
    return Table(model, insert, rows)


def _outside(written: list[type[models.Model]]) -> list[tuple[type[models.Model], str, frozenset[Any]]]:
    """The rows of other tables that the written rows point at, by target model and key field."""
    wanted: dict[tuple[type[models.Model], str], set[Any]] = {}
    for model in written:
        for field in model._meta.concrete_fields:
            target = (
                field.related_model if field.is_relation and field.many_to_one or field.one_to_one else None
            )
            if target is None or target in written or target == "self":
                continue
            key = field.target_field.attname
            values = _model_rows(model).exclude(**{f"{field.attname}__isnull": True})
            found = set(values.values_list(field.attname, flat=True).distinct())
            if found:
                wanted.setdefault((target, key), set()).update(found)
    return [(target, key, frozenset(values)) for (target, key), values in wanted.items()]


def _entries_by_actor(events: Iterable[tuple[Any, ...]]) -> list[tuple[Actor, list[audit.Entry]]]:
    return [
        (Actor(*actor), [audit.Entry(*event[5:]) for event in group])
        for actor, group in groupby(events, key=lambda event: event[:5])
    ]
