"""`otcsms export-json` / `otcsms import-json` as real processes: an SQLite instance exported, imported into a
fresh PostgreSQL database, exported again: every row and every evidence byte the same, the audit chain
verified and continued. A target that is not empty, keys that are not the source's, and malformed or hostile
documents are refused with exit 2 and one line, nothing written."""

from __future__ import annotations

import json
import re

from tests.cli.instances import Instance
from tests.reports.test_backup_restore import EVIDENCE, KEY_FILES, copy_keys, key_forms, seeded


def rows_by_model(path) -> dict[str, list[dict]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return {table["model"]: table["rows"] for table in document["models"]}


def test_export_import_sqlite_to_postgresql_round_trips(initialised_instance, tmp_path, scratch_postgres):
    source = initialised_instance
    seeded(source, tmp_path)
    exported = tmp_path / "instance.json"
    done = source.run("export-json", str(exported))
    assert "exported to" in done.stdout and oct(exported.stat().st_mode & 0o777) == "0o600"
    document = json.loads(exported.read_text(encoding="utf-8"))
    source_database = (
        "postgresql" if source.database_url else "sqlite"
    )  # the PostgreSQL pass: PostgreSQL to PostgreSQL
    assert document["format"] == "otcsms-json" and document["database"] == source_database
    assert document["audit_seq"] == source.sql("SELECT seq FROM core_auditchainhead WHERE id = 1")[0][0]
    assert [f["size"] for f in document["files"]] == [len(EVIDENCE)]
    for name in KEY_FILES:  # no key in any form
        for form in key_forms((source.data_dir / name).read_text(encoding="ascii").strip()):
            assert form not in exported.read_bytes(), name

    target = Instance(tmp_path / "imported", scratch_postgres)  # no `otcsms init`
    copy_keys(source, target)
    imported = target.run("import-json", str(exported))
    assert "audit chain verified" in imported.stdout
    target.run("audit", "verify")
    again = tmp_path / "again.json"
    target.run("export-json", str(again))
    before, after = rows_by_model(exported), rows_by_model(again)
    assert before.keys() == after.keys()
    for model in before:
        assert after[model] == before[model], model
    assert sum(len(r) for r in before.values()) > 1000
    assert json.loads(again.read_text(encoding="utf-8"))["database"] == "postgresql"
    stored = [p for p in (target.data_dir / "evidence").rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in stored] == [EVIDENCE]
    # date-times keep their microseconds (Django's JSON encoder would cut them to milliseconds)
    assert re.search(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}', exported.read_text(encoding="utf-8"))
    # the imported instance works on: a new write continues the chain
    more = tmp_path / "more.csv"
    more.write_text("name\nMill Three\n", encoding="utf-8")
    target.run("import", "sites", str(more))
    target.run("audit", "verify")
    # and a non-empty target is refused
    proc = target.run("import-json", str(exported), check=2)
    assert "not empty" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def refused(target: Instance, document, tmp_path, name="doc.json") -> str:
    path = tmp_path / name
    path.write_bytes(document if isinstance(document, bytes) else json.dumps(document).encode())
    proc = target.run("import-json", str(path), check=2)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "nothing was imported" in lines[0], proc.stderr
    return lines[0]


def test_bad_documents_keys_and_targets_are_refused_and_nothing_is_written(initialised_instance, tmp_path):
    source = initialised_instance
    seeded(source, tmp_path)
    exported = tmp_path / "instance.json"
    source.run("export-json", str(exported))
    good = json.loads(exported.read_text(encoding="utf-8"))
    target = Instance(tmp_path / "target", None)
    copy_keys(source, target)

    def variant(change) -> dict:
        doc = json.loads(json.dumps(good))
        change(doc)
        return doc

    cases = [
        (b"\xff\xfe not json", "not a JSON document"),
        (b"[1, 2]", "not an otcsms JSON export"),
        (variant(lambda d: d.update(version=99)), "export version '99'"),
        (
            variant(lambda d: d["models"].append({"model": "../../etc", "rows": []})),
            "not a model of this otcsms",
        ),
        (variant(lambda d: d["models"].append(dict(d["models"][0]))), "or twice"),
        (variant(lambda d: d["files"][0].update(base64="!!!")), "not base64"),
        (variant(lambda d: d["files"][0].update(size=1)), "do not match its size and SHA-256"),
        (variant(lambda d: d["files"][0].update(sha256="../../../etc/passwd")), "files: a list of"),
        (variant(lambda d: d.update(keys="none")), "keys: an object"),
    ]
    for number, (document, reason) in enumerate(cases):
        line = refused(target, document, tmp_path, f"bad{number}.json")
        assert reason in line, (reason, line)
    # a row that does not fit its model, and an audit event changed: both roll the whole import back
    events = next(t for t in good["models"] if t["model"] == "core.auditevent")["rows"]

    def forged(doc):
        table = next(t for t in doc["models"] if t["model"] == "core.auditevent")
        table["rows"][3]["fields"]["object_repr"] = "forged"

    assert events
    line = refused(target, variant(forged), tmp_path, "forged.json")
    assert "audit chain does not verify" in line
    line = refused(
        target, variant(lambda d: d["models"][-1]["rows"].append({"model": "x.y"})), tmp_path, "row.json"
    )
    assert "every row is an object of model" in line
    assert target.sql("SELECT count(*) FROM core_auditevent")[0][0] == 0
    assert not [p for p in (target.data_dir / "evidence").rglob("*") if p.is_file()]
    # keys that are not the source's
    other = Instance(tmp_path / "other", None)
    copy_keys(source, other)
    (other.data_dir / "audit_key").write_text("cd" * 32, encoding="ascii")
    assert "audit_key here is not the source instance's" in refused(other, good, tmp_path, "good.json")
    # the intact document then imports
    assert "audit chain verified" in target.run("import-json", str(exported)).stdout


def test_the_export_holds_every_row_of_every_model_and_no_session(assessed, tmp_path, settings):
    """In-process: every model's row count in the document is the database's, sessions left out."""
    from django.apps import apps

    from otcsms.reports import backup, jsonexport

    settings.SECRET_KEY_PERSISTENT = True  # the test instance's keys stand in for an instance's key files
    settings.AUDIT_KEY = settings.AUDIT_KEY or b"k" * 32
    path = tmp_path / "export.json"
    done = jsonexport.export_json(path)
    document = jsonexport.read_document(path)
    counts = {t["model"]: len(t["rows"]) for t in document["models"]}
    assert "sessions.session" not in counts
    for model in backup.dumped_models():
        assert counts[model._meta.label_lower] == model._base_manager.count(), model
    assert done.rows == sum(counts.values()) and done.tables == len(counts)
    assert set(counts) == {m._meta.label_lower for m in apps.get_models() if m in backup.dumped_models()}
