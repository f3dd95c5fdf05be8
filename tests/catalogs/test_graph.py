"""The per-process crosswalk graph: reused while the library is unchanged, rebuilt as soon as it changes."""

from __future__ import annotations

from otcsms.catalogs import graph
from otcsms.catalogs.loader import import_library_file
from otcsms.catalogs.models import Requirement
from otcsms.catalogs.services import crosswalk
from tests.catalogs.conftest import licensed_62443_3_3, write_document
from tests.catalogs.test_loader import mapping_set_document


def test_the_graph_is_reused_until_the_library_changes(mini_library, tmp_path, django_assert_max_num_queries):
    first = graph.current_index()
    with django_assert_max_num_queries(2):  # the revision check only
        assert graph.current_index() is first
    sr11 = ("iec62443-3-3", "SR 1.1")
    before = {r.target for r in first.reach(sr11)}
    # An import in another process shows as a new revision: the next call rebuilds.
    document = mapping_set_document(mappings__0__source="RC.CO-3", mappings__0__target="SR 1.1")
    import_library_file(write_document(tmp_path / "map.json", document))
    second = graph.current_index()
    assert second is not first and second.revision != first.revision
    assert ("nist-csf-1-1", "RC.CO-3") in {r.target for r in second.reach(sr11)} - before


def test_a_new_current_version_moves_the_graph_to_it(mini_library, frameworks, tmp_path):
    import_library_file(write_document(tmp_path / "licensed.json", licensed_62443_3_3(frameworks)))
    index = graph.current_index()
    new_sr13 = Requirement.objects.get(
        framework__key="iec62443-3-3", framework__version="2013.1", ref="SR 1.3"
    )
    assert index.ids[("iec62443-3-3", "SR 1.3")] == new_sr13.pk
    rows = crosswalk(new_sr13).rows
    assert {"iec62443-4-2", "nist-csf-1-1"} <= {r.framework for r in rows}
    # NERC CIP's crosswalk stayed on 2013 (it names SR 7.3 RE 1): no current path uses it.
    assert "nerc-cip" not in {r.framework for r in rows if r.hops == 1}
