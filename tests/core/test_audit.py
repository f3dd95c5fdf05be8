"""The audit trail: every write appends a hash-chained event in the same transaction; tampering is found."""

from __future__ import annotations

import importlib
import json
import threading

import pytest
from django.db import connection, transaction

from otcsms.core.actor import Actor, MissingActorError, _current, acting_as
from otcsms.core.audit import (
    GENESIS_HASH,
    REDACTED_CHANGED,
    chain_digest,
    event_header,
    verify_chain,
    with_reason,
)
from otcsms.core.models import AuditChainHead, AuditEvent, UnauditedWriteError
from otcsms.org.models import CsmsRole, Person
from otcsms.tenancy.models import Site


def events_for(obj):
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("seq")
    )


def test_create_update_delete_each_append_an_event_with_actor_and_diff(site_a):
    worker = Actor(kind="worker", label="worker:nightly", request_id="job-7")
    with acting_as(worker):
        person = Person.objects.create(organisation=site_a.organisation, site=site_a, name="Ann")
        person.job_title = "SCADA engineer"
        person.save()
        pk = person.pk
        with_reason(person, "left the company")
        person.delete()
    events = list(AuditEvent.objects.filter(object_type="org.person", object_id=str(pk)).order_by("seq"))
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert {e.actor_kind for e in events} == {"worker"}
    assert {e.actor_label for e in events} == {"worker:nightly"}
    assert {e.request_id for e in events} == {"job-7"}
    assert {e.site_id for e in events} == {site_a.pk}
    update = events[1].payload
    assert update["before"]["job_title"] == "" and update["after"]["job_title"] == "SCADA engineer"
    assert events[2].payload["reason"] == "left the company"
    assert events[2].payload["after"] is None and events[2].payload["before"]["name"] == "Ann"


def test_saving_without_changes_appends_nothing(site_a):
    before = AuditEvent.objects.count()
    site = Site.objects.get(pk=site_a.pk)
    site.save()
    assert AuditEvent.objects.count() == before


def test_failed_transaction_leaves_no_change_and_no_event(site_a):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        CsmsRole.objects.create(name="Ghost role")
        raise RuntimeError("boom")
    assert AuditEvent.objects.count() == before
    assert not CsmsRole.objects.filter(name="Ghost role").exists()
    assert verify_chain().ok


def test_write_without_actor_is_refused_and_nothing_is_written(db):
    token = _current.set(None)
    try:
        with pytest.raises(MissingActorError), transaction.atomic():
            CsmsRole.objects.create(name="Anonymous role")
    finally:
        _current.reset(token)
    assert not CsmsRole.objects.filter(name="Anonymous role").exists()


def test_secrets_never_reach_the_trail(db):
    from tests.conftest import make_user

    user = make_user("carol")
    user.set_password("another-long-password")
    user.save()
    texts = [
        e.data
        for e in AuditEvent.objects.filter(object_type="core.user", object_id=str(user.pk)).order_by("seq")
    ]
    assert texts and all("argon2" not in t for t in texts)
    assert json.loads(texts[-1])["after"]["password"] == REDACTED_CHANGED


def test_ignored_bookkeeping_fields_do_not_create_events(db):
    from django.utils import timezone

    from tests.conftest import make_user

    user = make_user("dave")
    before = AuditEvent.objects.count()
    user.last_login = timezone.now()
    user.save()
    assert AuditEvent.objects.count() == before


def test_bulk_update_of_audited_fields_is_refused(site_a):
    with pytest.raises(UnauditedWriteError):
        Site.objects.filter(pk=site_a.pk).update(name="Renamed behind the trail")
    with pytest.raises(UnauditedWriteError):
        Site.objects.bulk_update([site_a], ["name"])


def test_bulk_create_and_queryset_delete_are_audited(db):
    before = AuditEvent.objects.count()
    roles = CsmsRole.objects.bulk_create([CsmsRole(name=f"Role {i}") for i in range(3)])
    assert AuditEvent.objects.count() == before + 3
    CsmsRole.objects.filter(pk__in=[r.pk for r in roles]).delete()
    assert AuditEvent.objects.filter(action="delete", object_type="org.csmsrole").count() == 3
    assert verify_chain().ok


def test_events_cannot_be_changed_or_deleted_through_the_application(site_a):
    event = AuditEvent.objects.order_by("seq").first()
    event.object_repr = "rewritten"
    with pytest.raises(UnauditedWriteError):
        event.save()
    with pytest.raises(UnauditedWriteError):
        event.delete()
    with pytest.raises(UnauditedWriteError):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="x")
    with pytest.raises(UnauditedWriteError):
        AuditEvent.objects.all().delete()


# --- verification against edits made behind the application's back --------------------------------


@pytest.fixture
def chain(site_a):
    for i in range(6):
        CsmsRole.objects.create(name=f"Role {i}")
    report = verify_chain()
    assert report.ok and report.events >= 8
    return report


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_intact_chain_reports_its_head(chain):
    head = AuditChainHead.objects.get(pk=1)
    assert chain.head_seq == head.seq == AuditEvent.objects.count()
    assert chain.head_hash == head.hash != GENESIS_HASH


def test_altered_event_is_named(chain):
    raw("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ["Tampered", 4])
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == 4 and "altered" in report.problem


def test_altered_data_is_named(chain):
    raw("UPDATE core_auditevent SET data = REPLACE(data, 'Role 3', 'Role X') WHERE seq = %s", [6])
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == 6


def test_removed_event_is_named(chain):
    raw("DELETE FROM core_auditevent WHERE seq = %s", [5])
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == 5 and "missing" in report.problem


def test_events_cut_from_the_end_are_found(chain):
    raw("DELETE FROM core_auditevent WHERE seq >= %s", [chain.head_seq - 1])
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == chain.head_seq - 1


def test_reordered_events_are_found(chain):
    raw("UPDATE core_auditevent SET seq = -1 WHERE seq = 3")
    raw("UPDATE core_auditevent SET seq = 3 WHERE seq = 4")
    raw("UPDATE core_auditevent SET seq = 4 WHERE seq = -1")
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == 3


def test_inserted_event_is_found(chain):
    last = AuditEvent.objects.order_by("-seq").first()
    raw(
        "INSERT INTO core_auditevent (seq, occurred_us, actor_kind, actor_user_id, actor_token_id, actor_label, "
        "request_id, object_type, object_id, object_repr, site_id, action, data, prev_hash, hash) "
        "VALUES (%s, 1, 'user', NULL, NULL, 'mallory', '', 'org.site', '1', 'x', NULL, 'update', '{}', %s, %s)",
        [last.seq + 1, last.hash, "f" * 64],
    )
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == last.seq + 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain(org):
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with acting_as(Actor(kind="worker", label=f"w{n}")):
                for i in range(10):
                    CsmsRole.objects.create(name=f"w{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    report = verify_chain()
    assert report.ok and report.events == AuditEvent.objects.count()
    assert CsmsRole.objects.count() == 40


def test_chain_head_removed_behind_the_app_is_found_and_blocks_writes(chain):
    raw("DELETE FROM core_auditchainhead")
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == 1
    with pytest.raises(RuntimeError, match="head is missing"):
        CsmsRole.objects.create(name="After the cut")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tamper_seq", [None, 2, 9, 10, 11, 19])
def test_parallel_verification_finds_the_same_first_bad_event(org, monkeypatch, tamper_seq):
    from otcsms.core import audit

    for i in range(18):
        CsmsRole.objects.create(name=f"Role {i}")
    assert AuditEvent.objects.count() == 19
    if tamper_seq is not None:
        raw("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ["Tampered", tamper_seq])
    sequential = verify_chain(workers=1)
    monkeypatch.setattr(audit, "PARALLEL_THRESHOLD", 0)
    parallel = verify_chain(workers=2)
    assert parallel == sequential
    assert parallel.ok is (tamper_seq is None)
    assert parallel.first_bad_seq == tamper_seq


@pytest.mark.django_db(transaction=True)
def test_parallel_verification_finds_an_event_missing_at_a_boundary(org, monkeypatch):
    from otcsms.core import audit

    for i in range(19):
        CsmsRole.objects.create(name=f"Role {i}")
    raw("DELETE FROM core_auditevent WHERE seq = 11")
    monkeypatch.setattr(audit, "PARALLEL_THRESHOLD", 0)
    report = verify_chain(workers=2)
    assert not report.ok and report.first_bad_seq == 11


# --- finding 12: a new instance saved over an existing primary key -----------------------------------


def test_new_instance_saved_over_an_existing_pk_is_an_update_with_the_true_before(site_a):
    before = AuditEvent.objects.count()
    intruder = Site(pk=site_a.pk, organisation=site_a.organisation, name="Overwritten", code="plant-a")
    intruder.save()
    assert Site.objects.get(pk=site_a.pk).name == "Overwritten"
    assert AuditEvent.objects.count() == before + 1
    event = events_for(site_a)[-1]
    assert event.action == "update"
    assert event.payload["before"]["name"] == "Plant A" and event.payload["after"]["name"] == "Overwritten"
    assert event.payload["before"]["sector"] == "water" and event.payload["after"]["sector"] == "other"
    assert verify_chain().ok


def test_new_instance_with_a_fresh_pk_is_still_a_create(org):
    fresh = (Site.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    Site(pk=fresh, organisation=org, name="Fresh", code="fresh").save()
    events = list(AuditEvent.objects.filter(object_type="tenancy.site", object_id=str(fresh)))
    assert [e.action for e in events] == ["create"]
    assert events[0].payload["before"] is None and events[0].payload["after"]["name"] == "Fresh"


# --- the keyed chain: someone who can write the database but has no key ------------------------------


def event_columns(seq_from: int) -> list[tuple]:
    """(seq, header columns..., data) of every event from seq_from, as stored."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT seq, occurred_us, actor_kind, actor_user_id, actor_token_id, actor_label, request_id, "
            "object_type, object_id, object_repr, site_id, action, data FROM core_auditevent "
            "WHERE seq >= %s ORDER BY seq",
            [seq_from],
        )
        return cur.fetchall()


def rehash_from(seq_from: int, key: bytes | None) -> str:
    """Re-hash every event from seq_from (key None: plain SHA-256, as the chain used to be) and move the
    head to the result, as a database writer covering an edit would. Returns the new head hash."""
    with connection.cursor() as cur:
        cur.execute("SELECT hash FROM core_auditevent WHERE seq = %s", [seq_from - 1])
        row = cur.fetchone()
    prev = row[0] if row else GENESIS_HASH
    for columns in event_columns(seq_from):
        digest = chain_digest(key, prev, event_header(*columns[:12]), columns[12])
        raw("UPDATE core_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, digest, columns[0]])
        prev = digest
    raw("UPDATE core_auditchainhead SET hash = %s WHERE id = 1", [prev])
    return prev


def test_edit_rehashed_with_plain_sha256_is_found(chain):
    raw("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ["Tampered", 4])
    rehash_from(4, None)
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == 4 and "altered" in report.problem


def test_edit_rehashed_with_a_guessed_key_is_found(chain):
    raw("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ["Tampered", 4])
    rehash_from(4, b"\x00" * 32)
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == 4


def test_whole_chain_rehashed_unkeyed_with_keyed_from_moved_is_found(chain):
    # The writer declares every event "from before keying" and re-hashes them all with plain SHA-256.
    raw("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ["Tampered", 4])
    rehash_from(1, None)
    raw("UPDATE core_auditchainhead SET keyed_from = seq + 1 WHERE id = 1")
    report = verify_chain()
    assert not report.ok and "seal" in report.problem


def test_events_cut_from_the_end_and_head_rewound_are_found_by_the_seal(chain):
    kept = chain.head_seq - 2
    last_kept = AuditEvent.objects.get(seq=kept)
    raw("DELETE FROM core_auditevent WHERE seq > %s", [kept])
    raw("UPDATE core_auditchainhead SET seq = %s, hash = %s WHERE id = 1", [kept, last_kept.hash])
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == kept and "seal" in report.problem


def test_rewound_head_blocks_writes_instead_of_being_sealed_again(chain):
    kept = chain.head_seq - 1
    raw("DELETE FROM core_auditevent WHERE seq > %s", [kept])
    raw(
        "UPDATE core_auditchainhead SET seq = %s, hash = %s WHERE id = 1",
        [kept, AuditEvent.objects.get(seq=kept).hash],
    )
    with pytest.raises(RuntimeError, match="seal"), transaction.atomic():
        CsmsRole.objects.create(name="Would launder the cut")
    assert not CsmsRole.objects.filter(name="Would launder the cut").exists()


def test_rewind_to_a_saved_copy_of_an_older_head_row_passes_plain_verify(chain):
    """The limit without a checkpoint: an old head row (from any backup) is validly sealed."""
    old = AuditChainHead.objects.values("seq", "hash", "seal").get(pk=1)
    CsmsRole.objects.create(name="Later 1")
    CsmsRole.objects.create(name="Later 2")
    raw("DELETE FROM core_auditevent WHERE seq > %s", [old["seq"]])
    raw(
        "UPDATE core_auditchainhead SET seq = %s, hash = %s, seal = %s WHERE id = 1",
        [old["seq"], old["hash"], old["seal"]],
    )
    assert verify_chain().ok  # only a checkpoint catches this (tests/core/test_checkpoints.py)


def test_wrong_key_is_named(chain, settings):
    settings.AUDIT_KEY = b"\x01" * 32
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == 1 and "key" in report.problem


def test_no_key_fails_loudly_and_writes_nothing(chain, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.AUDIT_KEY = None
    with pytest.raises(ImproperlyConfigured, match="OTCSMS_AUDIT_KEY"), transaction.atomic():
        CsmsRole.objects.create(name="Unkeyed")
    with pytest.raises(ImproperlyConfigured, match="audit chain key"):
        verify_chain()
    settings.AUDIT_KEY = bytes(range(32))
    assert not CsmsRole.objects.filter(name="Unkeyed").exists()


# --- an instance upgraded from the unkeyed chain ----------------------------------------------------


def upgrade_to_keyed() -> int:
    """Turn the current chain into one written by the unkeyed version, then run the keying migration."""
    from django.apps import apps as django_apps

    migration = importlib.import_module("otcsms.core.migrations.0003_keyed_audit_chain")
    head = rehash_from(1, None)
    raw("UPDATE core_auditchainhead SET keyed_from = 1, seal = '' WHERE id = 1")
    migration.key_the_chain(django_apps, None)
    head_row = AuditChainHead.objects.get(pk=1)
    assert head_row.hash == head and head_row.keyed_from == head_row.seq + 1
    return head_row.seq


def test_upgraded_chain_verifies_and_reports_its_unkeyed_events(chain):
    legacy = upgrade_to_keyed()
    assert verify_chain().ok and verify_chain().unkeyed_events == legacy
    CsmsRole.objects.create(name="After the upgrade")
    report = verify_chain()
    assert report.ok and report.keyed_from == legacy + 1 and report.unkeyed_events == legacy
    assert report.events == legacy + 1
    new = AuditEvent.objects.get(seq=legacy + 1)
    assert new.hash != chain_digest(
        None, new.prev_hash, event_header(*event_columns(legacy + 1)[0][:12]), new.data
    )


def test_unkeyed_events_edited_and_rehashed_after_the_upgrade_are_found(chain):
    legacy = upgrade_to_keyed()
    CsmsRole.objects.create(name="After the upgrade")
    raw("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ["Tampered", 3])
    with connection.cursor() as cur:
        cur.execute("SELECT hash FROM core_auditevent WHERE seq = %s", [legacy + 1])
        keyed_hash = cur.fetchone()[0]
    rehash_from(3, None)  # re-hashes the keyed event too: it cannot be made to match without the key
    raw("UPDATE core_auditchainhead SET hash = %s WHERE id = 1", [keyed_hash])
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == legacy + 1


def test_unkeyed_events_edited_before_any_keyed_event_are_found_by_the_seal(chain):
    upgrade_to_keyed()
    raw("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ["Tampered", 3])
    rehash_from(3, None)
    report = verify_chain()
    assert not report.ok and "seal" in report.problem


@pytest.mark.django_db(transaction=True)
def test_parallel_verification_across_the_keying_boundary(org, monkeypatch):
    from otcsms.core import audit

    for i in range(9):
        CsmsRole.objects.create(name=f"Legacy {i}")
    legacy = upgrade_to_keyed()
    for i in range(9):
        CsmsRole.objects.create(name=f"Keyed {i}")
    sequential = verify_chain(workers=1)
    monkeypatch.setattr(audit, "PARALLEL_THRESHOLD", 0)
    parallel = verify_chain(workers=3)
    assert parallel == sequential and parallel.ok and parallel.unkeyed_events == legacy
    raw("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ["Tampered", legacy + 4])
    assert verify_chain(workers=3).first_bad_seq == legacy + 4


def test_upgrade_without_a_key_refuses_a_chain_with_events_and_leaves_an_empty_one_unsealed(chain, settings):
    from django.apps import apps as django_apps
    from django.core.exceptions import ImproperlyConfigured

    migration = importlib.import_module("otcsms.core.migrations.0003_keyed_audit_chain")
    settings.AUDIT_KEY = None
    with pytest.raises(ImproperlyConfigured, match="OTCSMS_AUDIT_KEY"):
        migration.key_the_chain(django_apps, None)
    raw("DELETE FROM core_auditevent")
    raw("UPDATE core_auditchainhead SET seq = 0, hash = %s, seal = 'stale' WHERE id = 1", [GENESIS_HASH])
    migration.key_the_chain(django_apps, None)
    assert AuditChainHead.objects.values_list("seal", "keyed_from").get(pk=1) == ("", 1)
    settings.AUDIT_KEY = bytes(range(32))
    assert verify_chain().ok  # an empty chain has nothing to protect yet...
    CsmsRole.objects.create(name="First")
    assert AuditChainHead.objects.get(pk=1).seal  # ...and its first event seals it
    assert verify_chain().ok


# --- the key as configured -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,length",
    [("ab" * 32, 32), ("AB" * 40, 40), ("A" * 43, 32), ("A" * 43 + "=", 32), ("x-_Y" * 16, 48)],
)
def test_audit_key_text_is_hex_or_urlsafe_base64(text, length):
    from otcsms.settings import _key_bytes

    assert len(_key_bytes("OTCSMS_AUDIT_KEY", text)) == length


@pytest.mark.parametrize(
    "text,reason",
    [
        ("ab" * 31, "at least 32 bytes"),
        ("A" * 40, "at least 32 bytes"),
        ("not a key at all!", "neither hex nor urlsafe"),
        ("A" * 45, "neither hex nor urlsafe"),
        ("ab" * 32 + "\u00e9", "neither hex nor urlsafe"),
    ],
)
def test_short_or_garbled_audit_key_is_refused_without_echoing_it(text, reason):
    from django.core.exceptions import ImproperlyConfigured

    from otcsms.settings import _key_bytes

    with pytest.raises(ImproperlyConfigured, match=reason) as caught:
        _key_bytes("OTCSMS_AUDIT_KEY", text)
    assert "OTCSMS_AUDIT_KEY" in str(caught.value) and text not in str(caught.value)


def test_signing_key_must_be_exactly_32_bytes():
    from django.core.exceptions import ImproperlyConfigured

    from otcsms.settings import _key_bytes

    assert len(_key_bytes("OTCSMS_AUDIT_SIGNING_KEY", "cd" * 32, exact=32)) == 32
    with pytest.raises(ImproperlyConfigured, match="exactly 32"):
        _key_bytes("OTCSMS_AUDIT_SIGNING_KEY", "cd" * 48, exact=32)
