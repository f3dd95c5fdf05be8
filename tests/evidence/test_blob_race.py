"""Blobs under concurrency: a failed upload cleaning up after itself never deletes the file of an identical
upload committing at the same time; the database refuses a version whose blob row is missing; the sweep removes
only what no version references.

The failure is real: a trigger in the database refuses to insert a version named ``refused-by-trigger.txt``
(after the upload's file was stored), as a constraint or a lost connection would.
"""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction

from otcsms.core.actor import acting_as, user_actor
from otcsms.evidence import blobs, blobstore, services
from otcsms.evidence.models import Blob, DocumentVersion

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = "refused-by-trigger.txt"


@pytest.fixture
def refusing_trigger():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION evidence_test_refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.file_name = '{REFUSED}' THEN RAISE EXCEPTION 'refused by the test trigger'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER evidence_test_refuse BEFORE INSERT ON evidence_documentversion "
                "FOR EACH ROW EXECUTE FUNCTION evidence_test_refuse()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER evidence_test_refuse BEFORE INSERT ON evidence_documentversion "
                f"WHEN NEW.file_name = '{REFUSED}' BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
            )
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER evidence_test_refuse"
            + (" ON evidence_documentversion" if connection.vendor == "postgresql" else "")
        )
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION evidence_test_refuse()")


@pytest.fixture
def two_documents(site_a, a_contributor):
    make = services.create_document
    return (make(site_id=site_a.pk, kind="record", title="Kept", by=a_contributor),
            make(site_id=site_a.pk, kind="record", title="Refused", by=a_contributor))  # fmt: skip


def _in_thread(target, errors: list[BaseException], user):
    def run():
        try:
            with acting_as(user_actor(user)):
                target()
        except BaseException as exc:  # noqa: BLE001 - the test reads them
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _assert_blob_whole(content: bytes) -> None:
    sha256 = hashlib.sha256(content).hexdigest()
    assert Blob.objects.filter(pk=sha256).exists()
    with blobstore.open_blob(sha256) as stored:
        assert stored.read() == content


def test_a_failed_upload_alone_leaves_no_blob_row_and_no_file(refusing_trigger, two_documents, a_contributor):
    _, refused = two_documents
    content = b"refused after it was stored\n"
    with pytest.raises(Exception, match="refused by the test trigger"):
        services.upload_version(refused, [content], file_name=REFUSED, by=a_contributor)
    sha256 = hashlib.sha256(content).hexdigest()
    assert not blobstore.exists(sha256) and not Blob.objects.filter(pk=sha256).exists()
    assert not DocumentVersion.objects.exists()


def test_a_failed_upload_waits_for_an_identical_one_committing_and_keeps_its_file(
    refusing_trigger, two_documents, a_contributor
):
    kept, refused = two_documents
    content = b"the same bytes, uploaded twice at once\n"
    inside, release = threading.Event(), threading.Event()
    errors_b: list[BaseException] = []
    errors_a: list[BaseException] = []

    def committing_upload():  # B: stores the blob and its version, then holds its transaction open
        with transaction.atomic():
            services.upload_version(kept, [content], file_name="kept.txt", by=a_contributor)
            inside.set()
            assert release.wait(30)

    def failing_upload():  # A: the same content, refused by the database after its file is in the store
        services.upload_version(refused, [content], file_name=REFUSED, by=a_contributor)

    b = _in_thread(committing_upload, errors_b, a_contributor)
    assert inside.wait(30), errors_b
    a = _in_thread(failing_upload, errors_a, a_contributor)
    if (
        connection.vendor == "postgresql"
    ):  # A is blocked on B's claim of the blob row: observe it, then let B go
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _waiting_on_a_lock()
    release.set()
    b.join(60)
    a.join(60)
    assert not errors_b
    assert len(errors_a) == 1 and "refused by the test trigger" in str(errors_a[0])
    assert list(DocumentVersion.objects.values_list("document_id", flat=True)) == [kept.pk]
    _assert_blob_whole(content)


def test_concurrent_identical_uploads_where_one_fails_always_keep_the_committed_blob(
    refusing_trigger, two_documents, a_contributor
):
    kept, refused = two_documents
    for round_number in range(12):
        content = f"round {round_number}: two uploads of these bytes race\n".encode()
        start = threading.Barrier(2)
        errors_ok: list[BaseException] = []
        errors_failing: list[BaseException] = []

        def upload(document, name):
            def run():
                start.wait(30)
                services.upload_version(document, [content], file_name=name, by=a_contributor)

            return run

        threads = [
            _in_thread(upload(kept, "kept.txt"), errors_ok, a_contributor),
            _in_thread(upload(refused, REFUSED), errors_failing, a_contributor),
        ]
        for thread in threads:
            thread.join(60)
        assert not errors_ok and len(errors_failing) == 1
        _assert_blob_whole(content)
    assert DocumentVersion.objects.filter(document=refused).count() == 0
    assert DocumentVersion.objects.filter(document=kept).count() == 12
    assert Blob.objects.count() == 12 and set(Blob.objects.values_list("pk", flat=True)) <= set(
        blobstore.stored_hashes()
    )


def test_the_database_refuses_a_version_without_its_blob_row(two_documents, site_a):
    kept, _ = two_documents
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.create(site=site_a, document=kept, number=1, blob_id="e" * 64, size=1,
                                       media_type="text/plain", file_name="x.txt")  # fmt: skip


def test_a_blob_in_use_cannot_be_deleted_and_the_sweep_keeps_it(two_documents, a_contributor):
    kept, _ = two_documents
    content = b"in use\n"
    version = services.upload_version(kept, [content], file_name="in-use.txt", by=a_contributor)
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017, PT011 - ProtectedError or IntegrityError
        Blob.objects.filter(pk=version.sha256).delete()
    blobs.sweep()  # (removes what earlier tests left in the shared store, never this)
    _assert_blob_whole(content)


def test_the_sweep_removes_rows_without_versions_and_files_without_rows(two_documents):
    blobs.sweep()  # the store outlives a test's database: files of earlier tests go first
    before = set(blobstore.stored_hashes())
    lonely = b"a row without a version\n"
    stray = b"a file left by a process killed mid-upload\n"
    for content, with_row in ((lonely, True), (stray, False)):
        with blobstore.received([content], 1024) as incoming:
            if with_row:
                with transaction.atomic():
                    blobs.store(incoming, "text/plain")
            else:
                blobstore.put(incoming)
    assert len(set(blobstore.stored_hashes()) - before) == 2
    assert blobs.sweep() == 2
    assert set(blobstore.stored_hashes()) == before and not Blob.objects.exists()
