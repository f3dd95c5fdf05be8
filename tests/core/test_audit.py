"""The audit trail: every write appends a hash-chained event in the same transaction; tampering is found."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, transaction

from otcsms.core.actor import Actor, MissingActorError, _current, acting_as
from otcsms.core.audit import GENESIS_HASH, REDACTED_CHANGED, verify_chain, with_reason
from otcsms.core.models import AuditChainHead, AuditEvent, UnauditedWriteError
from otcsms.org.models import CsmsRole, Person, Site


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
