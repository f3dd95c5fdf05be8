"""OSCAL through the database: SP 800-53 exported from the instance loads in trestle and re-imports as a
no-op; an OSCAL catalog imports as a framework; an OSCAL profile becomes a baseline version."""

from __future__ import annotations

import json

import pytest
from trestle.oscal.catalog import Catalog

from otcsms.catalogs.libformat import LibraryError
from otcsms.catalogs.loader import import_library_file
from otcsms.catalogs.models import Framework
from otcsms.catalogs.services import oscal_catalog
from tests.catalogs.conftest import LIBRARY_DIR, row_counts
from tests.catalogs.test_oscal import NIST_STYLE_CATALOG, PROFILE


@pytest.fixture
def sp800_53(db):
    import_library_file(LIBRARY_DIR / "nist-sp800-53r5.json")
    return Framework.objects.get(key="nist-sp800-53r5")


def test_sp800_53_from_the_database_is_a_valid_oscal_catalog_that_reimports_unchanged(sp800_53, tmp_path):
    document = oscal_catalog(sp800_53)
    catalog = Catalog.model_validate(document["catalog"])
    assert catalog.metadata.version == "5.1.1" and len(catalog.groups) == 20
    path = tmp_path / "sp800-53.oscal.json"
    path.write_text(catalog.oscal_serialize_json(), encoding="utf-8")  # what trestle writes back
    before = row_counts()
    result = import_library_file(path)
    assert result.kind == "oscal-catalog" and not result.changed
    assert row_counts() == before


def test_an_oscal_catalog_imports_as_a_framework(db, tmp_path):
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(NIST_STYLE_CATALOG), encoding="utf-8")
    result = import_library_file(path, framework="mini-800-53")
    (outcome,) = result.frameworks
    assert result.kind == "oscal-catalog" and outcome.created and (outcome.key, outcome.version) == (
        "mini-800-53", "5.1.1"
    )  # fmt: skip
    fw = Framework.objects.get(key="mini-800-53")
    ac7 = fw.requirements.get(ref="AC-7")
    assert ac7.kind == "control" and ac7.text.startswith("a. Enforce a limit of [Assignment:")
    assert fw.requirements.get(ref="AC-7(1)").attributes == {"withdrawn": True}
    assert fw.publisher == "NIST" and fw.provenance["verified"] is False
    with pytest.raises(LibraryError, match="not a framework id"):
        import_library_file(path, framework="../etc")


def test_an_oscal_profile_becomes_a_baseline_version(db, tmp_path):
    catalog = tmp_path / "mini.json"
    catalog.write_text(json.dumps(NIST_STYLE_CATALOG), encoding="utf-8")
    import_library_file(catalog, framework="mini-800-53")
    profile = tmp_path / "moderate.json"
    profile.write_text(json.dumps(PROFILE), encoding="utf-8")
    result = import_library_file(profile)
    (outcome,) = result.frameworks
    assert result.kind == "oscal-profile" and result.baseline == "MODERATE"
    assert outcome.created and outcome.version == "5.1.1+moderate" and outcome.is_current
    assert outcome.diff.is_empty  # a baseline changes no requirement, only their attributes
    assert {c.after for c in outcome.diff.values_changed} == {"baselines: MODERATE"}
    fw = Framework.objects.get(pk=outcome.pk)
    assert fw.requirements.get(ref="AC-7").attributes["baselines"] == ["MODERATE"]
    assert "baselines" not in fw.requirements.get(ref="AC").attributes
    before = row_counts()
    again = import_library_file(profile)
    assert not again.changed and row_counts() == before


def test_a_profile_needs_a_framework_holding_its_controls(db, tmp_path):
    profile = tmp_path / "moderate.json"
    profile.write_text(json.dumps(PROFILE), encoding="utf-8")
    with pytest.raises(LibraryError) as error:
        import_library_file(profile)
    assert error.value.problems[0].file == "moderate.json"
    assert "no loaded framework holds all 2 controls" in error.value.problems[0].reason
    with pytest.raises(LibraryError, match="no framework 'nope'"):
        import_library_file(profile, framework="nope")


def test_oscal_files_are_imported_on_their_own(db, tmp_path):
    catalog = tmp_path / "mini.json"
    catalog.write_text(json.dumps(NIST_STYLE_CATALOG), encoding="utf-8")
    from otcsms.catalogs.loader import import_library_files

    with pytest.raises(LibraryError, match="on its own"):
        import_library_files([LIBRARY_DIR / "nist-csf-1-1.yaml", catalog])
