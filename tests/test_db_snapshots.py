"""The copies of tests/db_snapshots.py are what the load itself writes: same rows, same audit events, a chain
that verifies; and a copy is made only where the load would have started from the same state."""

from __future__ import annotations

import json

from django.core.management.color import no_style
from django.db import connection, models, transaction

from otcsms.catalogs.models import Framework, Mapping, MappingSet, Requirement
from otcsms.core.audit import verify_chain
from otcsms.core.models import AuditEvent
from otcsms.tenancy.models import Organisation
from tests.catalogs.conftest import LIBRARY_DIR
from tests.db_snapshots import restore

FILES = ["iec62443-3-3.yaml", "nerc-cip.yaml", "map-iec62443-3-3_to_nerc-cip.yaml"]
LOADS: list[str] = []


def load():
    from otcsms.catalogs.loader import import_library_files

    LOADS.append("load")
    return import_library_files([LIBRARY_DIR / name for name in FILES])


MODELS = (Framework, Requirement, MappingSet, Mapping)


def fresh_ids() -> None:
    """Ids from 1 again (PostgreSQL's sequences do not roll back), so that a load and a copy can be compared."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(MODELS)):
            cursor.execute(statement)


def database() -> dict[str, list]:
    """Every row and audit event, but when each was written."""
    tables, times = {}, set()
    for model in MODELS:
        fields = model._meta.concrete_fields
        times |= {f.attname for f in fields if isinstance(f, models.DateTimeField)}
        names = [f.attname for f in fields if f.attname not in times]
        tables[model.__name__] = list(model.objects.order_by("pk").values(*names))
    events = []
    for *columns, data in AuditEvent.objects.order_by("seq").values_list(
        "seq",
        "actor_kind",
        "actor_label",
        "object_type",
        "object_id",
        "object_repr",
        "site_id",
        "action",
        "data",
    ):
        content = json.loads(data)
        for state in ("before", "after"):
            content[state] = {k: v for k, v in (content[state] or {}).items() if k not in times}
        events.append((*columns, content))
    return {**tables, "events": events}


class Undo(Exception):
    pass


def test_a_copy_writes_what_the_load_writes_and_the_chain_verifies(db):
    Organisation.objects.create(name="Events before the copy")  # the copy extends an existing chain
    try:
        with transaction.atomic():
            fresh_ids()
            loaded = load()
            by_load = database()
            raise Undo
    except Undo:
        pass
    LOADS.clear()
    for _ in range(2):  # the first call records (a load, rolled back), the second only copies
        try:
            with transaction.atomic():
                fresh_ids()
                copied = restore("test: part of the library", load)
                assert database() == by_load
                assert verify_chain().ok
                raise Undo
        except Undo:
            pass
    assert LOADS == ["load"]  # the recording; the copies loaded nothing
    assert copied.as_dict() | {"seconds": 0} == loaded.as_dict() | {"seconds": 0}


def test_where_the_tables_are_not_empty_the_load_runs(db):
    restore("test: part of the library", load)
    LOADS.clear()
    restore("test: part of the library", load)  # the frameworks are there: the loader says "unchanged"
    assert LOADS == ["load"]
