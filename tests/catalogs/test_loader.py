"""Loading the library into the database: the shipped load, idempotent reloads, new versions with their
migration and re-pointed crosswalks, and defective files that change nothing."""

from __future__ import annotations

import copy
import json

import pytest

from otcsms.catalogs import libformat, loader
from otcsms.catalogs.libformat import LibraryError, shipped_library_paths
from otcsms.catalogs.loader import import_library_file, import_library_files, load_shipped_library
from otcsms.catalogs.models import Framework, Mapping, MappingSet, Requirement
from otcsms.catalogs.services import framework_doc
from otcsms.catalogs.versioning import framework_content_hash
from otcsms.core.models import AuditEvent
from tests.catalogs.conftest import LIBRARY_DIR, licensed_62443_3_3, row_counts, write_document


@pytest.fixture
def library(db):
    """The load itself is under test here: the real loader, not conftest's copy of what it wrote (the tests of
    what a second load does start from that copy, ``shipped_library``)."""
    return load_shipped_library()


def test_shipped_files_are_named_after_what_they_hold(shipped):
    # The loader's quick "already loaded?" check relies on it: <id>.yaml|json, map-<id>.yaml|json.
    names = {entry.name.rsplit(".", 1)[0] for entry in shipped_library_paths()}
    assert names == {fw.id for fw in shipped.frameworks} | {f"map-{ms.id}" for ms in shipped.mapping_sets}


def test_shipped_load_puts_every_row_in_the_database_once(library, shipped, frameworks):
    assert library.changed and library.kind == "shipped"
    counts = row_counts()
    assert counts["frameworks"] == 10 and counts["mapping_sets"] == 14
    assert counts["requirements"] == sum(len(fw.requirements) for fw in shipped.frameworks) == 2399
    assert counts["mappings"] == sum(len(ms.mappings) for ms in shipped.mapping_sets) == 3667
    # Every row has its audit event, written by the loader's actor (here the test's 'system' actor).
    created = AuditEvent.objects.filter(object_type__startswith="catalogs.", action="create")
    assert created.count() == sum(v for k, v in counts.items() if k != "events")
    assert set(created.values_list("actor_label", flat=True)) == {"pytest"}
    for fw in Framework.objects.all():
        doc = frameworks[fw.key]
        assert (fw.version, fw.is_current, fw.origin) == (doc.version, True, "shipped")
        assert fw.requirements_count == len(doc.requirements) == fw.requirements.count()
        assert fw.assessable_count == sum(r.assessable for r in doc.requirements)
        # What the database holds is exactly the file: the same canonical document, the same hash.
        assert framework_content_hash(framework_doc(fw)) == fw.content_hash == framework_content_hash(doc)
    sr13 = Requirement.objects.get(framework__key="iec62443-3-3", ref="SR 1.3")
    assert sr13.parent.ref == "FR 1" and sr13.attributes["sl_selection"] == [1, 2, 3, 4]
    assert sr13.provenance["verified"] is False and sr13.provenance["note"]
    ac21 = Requirement.objects.get(framework__key="nist-sp800-53r5", ref="AC-2(1)")
    assert ac21.parent.ref == "AC-2" and ac21.depth == 2


def test_reloading_the_shipped_library_parses_nothing_and_writes_nothing(shipped_library, monkeypatch):
    events = AuditEvent.objects.count()

    def must_not_parse(*args, **kwargs):
        raise AssertionError("an unchanged shipped library must not be parsed again")

    monkeypatch.setattr(libformat, "load_batch", must_not_parse)
    again = load_shipped_library()
    assert not again.changed and again.frameworks == [] and again.seconds < 1
    assert AuditEvent.objects.count() == events


def test_a_changed_shipped_file_reloads_only_what_is_new(shipped_library, monkeypatch, tmp_path):
    """After an upgrade ships a new mapping set version, init loads it and nothing else."""
    paths = shipped_library_paths()
    source = next(p for p in paths if p.name == "map-iec62443-3-3_to_nerc-cip.yaml")
    document = libformat.read_document(source)
    document["mapping_set"]["version"] = "3"
    document["mapping_set"]["mappings"] = document["mapping_set"]["mappings"][:10]
    changed = write_document(tmp_path / "map-iec62443-3-3_to_nerc-cip.json", document)
    monkeypatch.setattr(
        libformat, "shipped_library_paths", lambda: [p for p in paths if p.name != source.name] + [changed]
    )
    events = AuditEvent.objects.count()
    result = load_shipped_library()
    created = [m for m in result.mapping_sets if m.created]
    assert [(m.key, m.version, m.mappings) for m in created] == [("iec62443-3-3_to_nerc-cip", "3", 10)]
    assert not any(f.created for f in result.frameworks)
    assert AuditEvent.objects.count() == events + 1 + 10 + 1  # set, its mappings, the old set not current
    old = MappingSet.objects.get(key="iec62443-3-3_to_nerc-cip", version="2")
    assert not old.is_current and MappingSet.objects.get(key=old.key, version="3").is_current


def test_licensed_full_text_becomes_the_current_version_and_keeps_the_old(mini_library, frameworks, tmp_path):
    old = Framework.objects.get(key="iec62443-3-3")
    old_sr13 = old.requirements.get(ref="SR 1.3")
    path = write_document(tmp_path / "iec62443-3-3-licensed.json", licensed_62443_3_3(frameworks))

    result = import_library_file(path)

    (outcome,) = result.frameworks
    assert outcome.created and outcome.is_current and outcome.previous_version == "2013-r2"
    diff = outcome.diff
    assert diff.added == ("SR 7.9",) and diff.removed == ("SR 7.3 RE 1",)
    assert [c.ref for c in diff.retitled] == ["SR 1.1"]
    srs_and_res = [r for r in frameworks["iec62443-3-3"].requirements if r.kind in ("SR", "RE")]
    assert len(diff.text_changed) == len(srs_and_res) - 1  # all but the removed RE now have text
    new = Framework.objects.get(key="iec62443-3-3", version="2013.1")
    old.refresh_from_db()
    assert new.is_current and not old.is_current and new.edition == old.edition == "2013-r2"
    assert old.requirements.count() == 107 and new.requirements.count() == 107
    old_sr13.refresh_from_db()
    assert old_sr13.framework_id == old.pk and old_sr13.text == ""
    assert new.requirements.get(ref="SR 1.3").text.startswith("Licensed text of SR 1.3")
    assert new.requirements.get(ref="SR 1.3").provenance == {
        "source": "IEC 62443-3-3:2013 licensed copy", "verified": True
    }  # fmt: skip

    # The crosswalks follow the new version where every id they name still exists; NERC CIP's does not.
    moved = {r.mapping_set.split()[0]: r for r in result.repointed}
    assert moved["iec62443-3-3_to_iec62443-4-2"].moved and moved["nist-csf-1-1_to_iec62443-3-3"].moved
    nerc = moved["iec62443-3-3_to_nerc-cip"]
    assert not nerc.moved and nerc.missing == ("SR 7.3 RE 1",)
    assert MappingSet.objects.get(key="iec62443-3-3_to_iec62443-4-2").source_framework == new
    assert MappingSet.objects.get(key="nist-csf-1-1_to_iec62443-3-3").target_framework == new
    assert MappingSet.objects.get(key="iec62443-3-3_to_nerc-cip").source_framework == old
    assert not Mapping.objects.filter(mapping_set__key="iec62443-3-3_to_iec62443-4-2", source__framework=old)
    repointed = AuditEvent.objects.filter(object_type="catalogs.mapping", action="update")
    assert repointed.count() == 63 + 118 and "re-pointed" in repointed.first().payload["reason"]

    # The same file again is a no-op; the same version with other content is refused.
    events = AuditEvent.objects.count()
    assert not import_library_file(path).changed
    assert AuditEvent.objects.count() == events
    tampered = licensed_62443_3_3(frameworks)
    tampered["framework"]["requirements"][3]["title"] = "Edited after loading"
    with pytest.raises(LibraryError, match="bump the version") as error:
        import_library_file(write_document(tmp_path / "tampered.json", tampered))
    assert error.value.problems[0].file == "tampered.json"
    assert error.value.problems[0].path == "/framework/version"
    assert AuditEvent.objects.count() == events


def test_an_older_version_loaded_later_does_not_become_current(mini_library, frameworks, tmp_path):
    document = licensed_62443_3_3(frameworks)
    document["framework"]["version"] = "2012"
    (outcome,) = import_library_file(write_document(tmp_path / "old.json", document)).frameworks
    assert outcome.created and not outcome.is_current and outcome.diff is None
    assert Framework.objects.get(key="iec62443-3-3", is_current=True).version == "2013-r2"


def mapping_set_document(**changes) -> dict:
    document = {
        "format": "otcsms-library", "format_version": 1, "kind": "mapping_set",
        "mapping_set": {
            "id": "acme-to-3-3", "name": "ACME to 3-3", "version": "1", "licence": "internal",
            "source_framework": "nist-csf-1-1", "target_framework": "iec62443-3-3",
            "mappings": [{"source": "PR.AC-1", "target": "SR 1.1", "relationship": "equal", "strength": 8,
                          "rationale": "Both identify users.", "source_ref": "ACME review"}],
        },
    }  # fmt: skip
    for pointer, value in changes.items():
        node = document["mapping_set"]
        *parents, last = pointer.split("__")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value
    return document


def framework_document(rows: list[dict]) -> dict:
    return {
        "format": "otcsms-library", "format_version": 1, "kind": "framework",
        "framework": {"id": "acme-ot", "name": "ACME OT baseline", "version": "1", "publisher": "ACME",
                      "licence": "internal", "requirements": rows},
    }  # fmt: skip


def node(rid: str, parent: str | None = None, **extra) -> dict:
    return {
        "id": rid,
        "parent": parent,
        "title": f"Title {rid}",
        "kind": "requirement",
        "assessable": True,
        **extra,
    }


DEFECTS = {
    "unknown parent": (
        framework_document([node("AC"), node("AC-01", "AC"), node("AC-02", "AX")]),
        "/framework/requirements/2/parent",
        "unknown parent 'AX'",
    ),
    "duplicate id": (
        framework_document([node("AC"), node("AC-01", "AC"), node("AC-01", "AC")]),
        "/framework/requirements/2/id",
        "duplicate requirement id 'AC-01'",
    ),
    "cycle": (
        framework_document([node("A", "C"), node("B", "A"), node("C", "B")]),
        "/framework/requirements/0/parent",
        "parents form a cycle",
    ),
    "unknown requirement": (
        mapping_set_document(mappings__0__target="SR 9.9"),
        "/mapping_set/mappings/0/target",
        "unknown requirement 'SR 9.9' in iec62443-3-3",
    ),
    "bad relationship": (
        mapping_set_document(mappings__0__relationship="similar"),
        "/mapping_set/mappings/0/relationship",
        "must be one of: equal, subset, superset, intersect",
    ),
    "unknown framework": (
        mapping_set_document(target_framework="iec62443-9-9"),
        "/mapping_set/target_framework",
        "unknown framework 'iec62443-9-9'",
    ),
}


@pytest.mark.parametrize("defect", DEFECTS, ids=list(DEFECTS))
def test_a_defective_file_changes_nothing(mini_library, tmp_path, defect):
    document, path, reason = DEFECTS[defect]
    before = row_counts()
    with pytest.raises(LibraryError) as error:
        import_library_file(write_document(tmp_path / "broken.json", copy.deepcopy(document)))
    problem = error.value.problems[0]
    assert (problem.file, problem.path) == ("broken.json", path) and reason in problem.reason
    assert row_counts() == before


def test_a_batch_is_all_or_nothing(mini_library, tmp_path):
    good = write_document(tmp_path / "acme.json", framework_document([node("AC"), node("AC-01", "AC")]))
    bad = write_document(
        tmp_path / "map.json",
        mapping_set_document(
            id="acme-map",
            source_framework="acme-ot",
            mappings__0__source="AC-99",
            mappings__0__target="SR 1.1",
        ),
    )
    before = row_counts()
    with pytest.raises(LibraryError) as error:
        import_library_files([good, bad])
    assert [(p.file, p.path) for p in error.value.problems] == [
        ("map.json", "/mapping_set/mappings/0/source")
    ]
    assert row_counts() == before
    fixed = write_document(
        tmp_path / "map.json",
        mapping_set_document(
            id="acme-map",
            source_framework="acme-ot",
            mappings__0__source="AC-01",
            mappings__0__target="SR 1.1",
        ),
    )
    result = import_library_files([good, fixed])
    assert [f.key for f in result.frameworks] == ["acme-ot"] and result.mapping_sets[0].mappings == 1


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"\xff\xfe not text", "not UTF-8"),
        (b"a: &x [1]\nb: *x\n", "anchors and aliases"),
        (b'{"format": "otcsms-library", "format": "x"}', "duplicate key"),
        (b"- just\n- a list\n", "must be an object"),
        (b"{", "JSON syntax error"),
    ],
)
def test_hostile_content_is_a_problem_not_a_crash(mini_library, content, reason):
    before = row_counts()
    with pytest.raises(LibraryError, match=reason):
        loader.import_library_bytes("../../etc/evil", content)
    assert row_counts() == before


def test_upload_names_are_reduced_to_a_printable_base_name():
    assert loader.safe_label("../../etc/passwd") == "passwd"
    assert loader.safe_label("C:\\Users\\x\\cat.json") == "cat.json"
    assert loader.safe_label("bad\x00\x1bname.yaml") == "badname.yaml"
    assert loader.safe_label("") == "upload"


def test_oversized_imports_are_refused_before_parsing(db, monkeypatch):
    monkeypatch.setattr(loader, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(LibraryError, match="limited to 100 bytes"):
        loader.import_library_bytes("big.json", json.dumps({"x": "y" * 200}).encode())


def test_a_mapping_set_imported_alone_binds_to_the_current_versions(mini_library, tmp_path):
    result = import_library_file(write_document(tmp_path / "map.json", mapping_set_document()))
    (outcome,) = result.mapping_sets
    assert outcome.created and (outcome.source, outcome.target) == (
        "nist-csf-1-1@1.1",
        "iec62443-3-3@2013-r2",
    )
    assert Mapping.objects.get(mapping_set__key="acme-to-3-3").target.ref == "SR 1.1"


def test_library_directory_constant_points_at_the_package(shipped):
    assert sorted(p.name for p in LIBRARY_DIR.glob("*.*") if p.suffix != ".py") == sorted(
        p.name for p in shipped_library_paths()
    )
