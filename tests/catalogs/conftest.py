"""Fixtures for the framework library tests: the parsed shipped library (pure Python, session-wide), and
the library loaded into the test database (the whole of it, or a small part) through the real loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from otcsms.catalogs.libformat import FrameworkDoc, LibraryBatch, load_shipped_library


@pytest.fixture(scope="session")
def shipped() -> LibraryBatch:
    return load_shipped_library()


@pytest.fixture(scope="session")
def frameworks(shipped: LibraryBatch) -> dict[str, FrameworkDoc]:
    return {fw.id: fw for fw in shipped.frameworks}


# --- database fixtures (the Django half) ----------------------------------------------------------------
LIBRARY_DIR = Path(__file__).resolve().parents[2] / "src" / "otcsms" / "catalogs" / "library"
# Enough for crosswalks, coverage and a new 3-3 version, at a fifth of the full library's rows.
MINI_LIBRARY = [
    "iec62443-3-3.yaml",
    "iec62443-4-2.yaml",
    "nerc-cip.yaml",
    "nist-csf-1-1.yaml",
    "map-iec62443-3-3_to_iec62443-4-2.yaml",
    "map-iec62443-3-3_to_nerc-cip.yaml",
    "map-nist-csf-1-1_to_iec62443-3-3.json",
]


@pytest.fixture
def library(shipped_library):
    """The whole shipped library, loaded the way `otcsms init` does (a copy of the load: tests/db_snapshots.py)."""
    return shipped_library


def _import_mini_library():
    from otcsms.catalogs.loader import import_library_files

    return import_library_files([LIBRARY_DIR / name for name in MINI_LIBRARY])


@pytest.fixture
def mini_library(db):
    """62443-3-3, 4-2, NERC CIP and CSF 1.1 with the crosswalks between them, imported as one batch (a copy of
    the import: tests/db_snapshots.py)."""
    from tests.db_snapshots import restore

    return restore("mini library", _import_mini_library)


def row_counts() -> dict[str, int]:
    from otcsms.catalogs.models import Framework, Mapping, MappingSet, Requirement
    from otcsms.core.models import AuditEvent

    return {
        "frameworks": Framework.objects.count(),
        "requirements": Requirement.objects.count(),
        "mapping_sets": MappingSet.objects.count(),
        "mappings": Mapping.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def write_document(path: Path, document: dict) -> Path:
    import json

    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def licensed_62443_3_3(frameworks: dict[str, FrameworkDoc]) -> dict:
    """A 'licensed full text' of 62443-3-3 as an operator would make it from the shipped file: every SR and RE
    with text, SR 1.1 retitled, SR 7.3 RE 1 dropped (NERC CIP maps it), SR 7.9 added, a newer version."""
    from otcsms.catalogs.libformat import framework_to_document

    document = framework_to_document(frameworks["iec62443-3-3"])
    fw = document["framework"]
    fw.update(version="2013.1", licence="ACME Water internal licence 2024-117; do not redistribute")
    fw["provenance"] = {"source": "IEC 62443-3-3:2013 licensed copy", "verified": True}
    rows = []
    for row in fw["requirements"]:
        if row["id"] == "SR 7.3 RE 1":
            continue
        if row["kind"] in ("SR", "RE"):
            row["text"] = f"Licensed text of {row['id']}: the control system shall provide the capability."
            row.pop("provenance", None)
        if row["id"] == "SR 1.1":
            row["title"] = "Human user identification and authentication (licensed title)"
        rows.append(row)
    rows.append(
        {"id": "SR 7.9", "parent": "FR 7", "title": "An added requirement", "kind": "SR", "assessable": True,
         "text": "Licensed text of SR 7.9.", "attributes": {"fr": 7, "sl_selection": [2, 3, 4]}}
    )  # fmt: skip
    fw["requirements"] = rows
    return document
