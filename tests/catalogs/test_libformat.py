"""Library files are validated completely before anything is returned, and every defect is named with its path."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otcsms.catalogs import libformat
from otcsms.catalogs.libformat import (
    FrameworkDoc,
    LibraryError,
    MappingSetDoc,
    framework_to_document,
    load_batch,
    load_library,
    mapping_set_to_document,
    version_sort_key,
)

KINDS = ["FR", "SR", "RE", "control", "enhancement", "family", "requirement", "part", "element", "group"]


def framework_doc(fid: str, rows: list[dict]) -> dict:
    return {
        "format": "otcsms-library",
        "format_version": 1,
        "kind": "framework",
        "framework": {
            "id": fid,
            "name": fid.upper(),
            "version": "1",
            "publisher": "p",
            "licence": "l",
            "requirements": rows,
        },
    }


def mapping_doc(source: str, target: str, rows: list[dict]) -> dict:
    return {
        "format": "otcsms-library",
        "format_version": 1,
        "kind": "mapping_set",
        "mapping_set": {
            "id": f"{source}_to_{target}",
            "name": "m",
            "version": "1",
            "source_framework": source,
            "target_framework": target,
            "licence": "l",
            "mappings": rows,
        },
    }


def mapping_row(source: str, target: str, relationship: str = "intersect", strength: int = 5) -> dict:
    return {
        "source": source,
        "target": target,
        "relationship": relationship,
        "strength": strength,
        "rationale": "because",
        "source_ref": "test",
    }


def problems_of(action) -> list[libformat.Problem]:
    with pytest.raises(LibraryError) as caught:
        action()
    return list(caught.value.problems)


def has_problem(problems, path: str, words: str) -> bool:
    return any(p.path == path and words in p.reason for p in problems)


@st.composite
def requirement_trees(draw, min_size: int = 1, max_size: int = 12) -> list[dict]:
    """A valid framework's requirement rows: ids R0..Rn, each parent an earlier row or none (so no cycles)."""
    size = draw(st.integers(min_size, max_size))
    rows = []
    for index in range(size):
        parent = draw(st.none() | st.integers(0, index - 1)) if index else None
        rows.append(
            {
                "id": f"R {index}",
                "parent": None if parent is None else f"R {parent}",
                "title": f"Requirement {index}",
                "kind": draw(st.sampled_from(KINDS)),
                "assessable": draw(st.booleans()),
                "order": index,
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------- valid input


@given(requirement_trees())
def test_valid_frameworks_load_and_round_trip(rows):
    fw = load_library(framework_doc("fw-a", rows))
    assert isinstance(fw, FrameworkDoc)
    assert [r.id for r in fw.requirements] == [row["id"] for row in rows]
    assert load_library(framework_to_document(fw)) == fw


def test_yaml_and_json_files_load_the_same(tmp_path):
    document = framework_doc("fw-a", [{"id": "A 1", "title": "First", "kind": "SR", "assessable": True}])
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(document), "utf-8")
    (tmp_path / "a.json").write_text(json.dumps(document), "utf-8")
    from_yaml = load_library(tmp_path / "a.yaml")
    assert from_yaml == load_library(tmp_path / "a.json") == load_library(str(tmp_path / "a.json"))
    assert from_yaml.requirements[0].parent is None and from_yaml.requirements[0].order == 0


def test_mapping_set_round_trips_through_its_document():
    known = {"a": {"A 1"}, "b": {"B 1"}}
    ms = load_library(mapping_doc("a", "b", [mapping_row("A 1", "B 1", "subset", 3)]), known)
    assert isinstance(ms, MappingSetDoc)
    assert load_library(mapping_set_to_document(ms), known) == ms


def test_batch_lets_mapping_sets_refer_to_frameworks_of_the_same_batch():
    batch = load_batch(
        [
            mapping_doc("a", "b", [mapping_row("A 1", "B 1")]),
            framework_doc("a", [{"id": "A 1", "title": "t", "kind": "SR", "assessable": True}]),
            framework_doc("b", [{"id": "B 1", "title": "t", "kind": "CR", "assessable": True}]),
        ]
    )
    assert [fw.id for fw in batch.frameworks] == ["a", "b"]
    assert batch.known_requirements() == {"a": frozenset({"A 1"}), "b": frozenset({"B 1"})}
    assert len(batch.mapping_sets[0].mappings) == 1


def test_batch_reports_problems_of_every_file_at_once():
    problems = problems_of(
        lambda: load_batch(
            [
                framework_doc(
                    "a", [{"id": "A 1", "parent": "nope", "title": "t", "kind": "SR", "assessable": True}]
                ),
                framework_doc("a", [{"id": "A 1", "title": "t", "kind": "SR", "assessable": True}]),
                mapping_doc("a", "zz", [mapping_row("A 1", "Z 1")]),
            ]
        )
    )
    assert has_problem(problems, "/framework/requirements/0/parent", "unknown parent")
    assert has_problem(problems, "/mapping_set/target_framework", "unknown framework 'zz'")


def test_attributes_are_read_only():
    fw = load_library(
        framework_doc(
            "a",
            [
                {
                    "id": "A",
                    "title": "t",
                    "kind": "SR",
                    "assessable": True,
                    "attributes": {"sl_selection": [2, 3]},
                }
            ],
        )
    )
    attributes = fw.requirements[0].attributes
    assert attributes["sl_selection"] == (2, 3)
    with pytest.raises(TypeError):
        attributes["sl_selection"] = (1,)  # type: ignore[index]


def test_versions_sort_naturally():
    assert version_sort_key("2013") < version_sort_key("2013.1") < version_sort_key("2013.10")
    assert version_sort_key("5.1.1") < version_sort_key("5.2")
    # a catalog revision of a shipped edition stays older than a licensed holder's next numbered version
    assert version_sort_key("2013") < version_sort_key("2013-r2") < version_sort_key("2013.1")
    assert version_sort_key("5.1.1") < version_sort_key("5.1.1+moderate") < version_sort_key("5.1.2")


# ---------------------------------------------------------------------------------------------- defects


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(requirement_trees(min_size=2), st.data())
def test_duplicate_requirement_id_is_rejected(rows, data):
    index = data.draw(st.integers(1, len(rows) - 1))
    first = data.draw(st.integers(0, index - 1))
    rows[index]["id"] = rows[first]["id"]
    problems = problems_of(lambda: load_library(framework_doc("fw", rows)))
    assert has_problem(problems, f"/framework/requirements/{index}/id", "duplicate requirement id")


@given(requirement_trees(), st.data())
def test_unknown_parent_is_rejected(rows, data):
    index = data.draw(st.integers(0, len(rows) - 1))
    rows[index]["parent"] = "NO SUCH PARENT"
    problems = problems_of(lambda: load_library(framework_doc("fw", rows)))
    assert has_problem(problems, f"/framework/requirements/{index}/parent", "unknown parent 'NO SUCH PARENT'")


def ancestors_and_self(rows: list[dict], index: int) -> list[int]:
    position = {row["id"]: i for i, row in enumerate(rows)}
    chain = [index]
    while rows[chain[-1]]["parent"] is not None:
        chain.append(position[rows[chain[-1]]["parent"]])
    return chain


@given(requirement_trees(), st.data())
def test_cycle_in_parents_is_rejected(rows, data):
    # Make an ancestor (or the node itself) the child of a descendant: the chain between them becomes a cycle.
    descendant = data.draw(st.integers(0, len(rows) - 1))
    chain = ancestors_and_self(rows, descendant)
    ancestor = data.draw(st.sampled_from(chain))
    cycle = chain[: chain.index(ancestor) + 1]
    rows[ancestor]["parent"] = rows[descendant]["id"]
    problems = problems_of(lambda: load_library(framework_doc("fw", rows)))
    assert has_problem(problems, f"/framework/requirements/{min(cycle)}/parent", "cycle")


@st.composite
def mapped_frameworks(draw):
    left = draw(requirement_trees(max_size=6))
    right = draw(requirement_trees(max_size=6))
    count = draw(st.integers(1, 8))
    rows, seen = [], set()
    for _ in range(count):
        pair = (draw(st.sampled_from(left))["id"], draw(st.sampled_from(right))["id"])
        if pair not in seen:
            seen.add(pair)
            rows.append(
                mapping_row(*pair, draw(st.sampled_from(libformat.RELATIONSHIPS)), draw(st.integers(0, 10)))
            )
    known = {"left": {r["id"] for r in left}, "right": {r["id"] for r in right}}
    return known, rows


@given(mapped_frameworks())
def test_valid_mapping_sets_load(case):
    known, rows = case
    assert len(load_library(mapping_doc("left", "right", rows), known).mappings) == len(rows)


@given(mapped_frameworks(), st.data())
def test_unknown_mapping_target_is_rejected(case, data):
    known, rows = case
    index = data.draw(st.integers(0, len(rows) - 1))
    rows[index]["target"] = "R 99"
    problems = problems_of(lambda: load_library(mapping_doc("left", "right", rows), known))
    assert has_problem(
        problems, f"/mapping_set/mappings/{index}/target", "unknown requirement 'R 99' in right"
    )


@given(mapped_frameworks(), st.data())
def test_unknown_mapping_source_is_rejected(case, data):
    known, rows = case
    index = data.draw(st.integers(0, len(rows) - 1))
    rows[index]["source"] = "R 99"
    problems = problems_of(lambda: load_library(mapping_doc("left", "right", rows), known))
    assert has_problem(
        problems, f"/mapping_set/mappings/{index}/source", "unknown requirement 'R 99' in left"
    )


@given(mapped_frameworks(), st.data())
def test_bad_relationship_is_rejected(case, data):
    known, rows = case
    index = data.draw(st.integers(0, len(rows) - 1))
    bad = data.draw(st.text(min_size=1, max_size=10).filter(lambda s: s not in libformat.RELATIONSHIPS))
    rows[index]["relationship"] = bad
    problems = problems_of(lambda: load_library(mapping_doc("left", "right", rows), known))
    assert has_problem(
        problems, f"/mapping_set/mappings/{index}/relationship", "must be one of: equal, subset"
    )


@given(mapped_frameworks(), st.data())
def test_strength_out_of_range_is_rejected(case, data):
    known, rows = case
    index = data.draw(st.integers(0, len(rows) - 1))
    rows[index]["strength"] = data.draw(st.integers(max_value=-1) | st.integers(min_value=11))
    problems = problems_of(lambda: load_library(mapping_doc("left", "right", rows), known))
    assert has_problem(problems, f"/mapping_set/mappings/{index}/strength", "must be between 0 and 10")


@given(mapped_frameworks())
def test_unknown_framework_in_mapping_set_is_rejected(case):
    known, rows = case
    problems = problems_of(lambda: load_library(mapping_doc("left", "elsewhere", rows), known))
    assert has_problem(problems, "/mapping_set/target_framework", "unknown framework 'elsewhere'")


def test_mapping_set_without_known_frameworks_is_rejected():
    problems = problems_of(lambda: load_library(mapping_doc("a", "b", [mapping_row("A", "B")])))
    assert has_problem(problems, "/mapping_set/source_framework", "unknown framework 'a'")


def test_duplicate_mapping_rows_are_rejected():
    known = {"a": {"A"}, "b": {"B"}}
    rows = [mapping_row("A", "B"), mapping_row("A", "B", "equal", 9)]
    problems = problems_of(lambda: load_library(mapping_doc("a", "b", rows), known))
    assert has_problem(problems, "/mapping_set/mappings/1", "duplicate mapping A -> B")


def test_every_schema_problem_is_reported_with_its_path():
    document = framework_doc("fw", [{"id": "A", "title": "t", "kind": "SR", "assessable": "yes", "extra": 1}])
    document["framework"]["version"] = 2013
    problems = problems_of(lambda: load_library(document))
    assert has_problem(problems, "/framework/version", "must be of type string")
    assert has_problem(problems, "/framework/requirements/0/assessable", "must be of type boolean")
    assert has_problem(problems, "/framework/requirements/0", "'extra' was unexpected")


def test_one_kind_per_file():
    document = framework_doc("fw", [{"id": "A", "title": "t", "kind": "SR", "assessable": True}])
    document["mapping_set"] = copy.deepcopy(mapping_doc("a", "b", [mapping_row("A", "B")])["mapping_set"])
    problems = problems_of(lambda: load_library(document))
    assert has_problem(problems, "", "must not contain mapping_set")


# ---------------------------------------------------------------------------------------------- hostile files


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(libformat, "MAX_FILE_BYTES", 64)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(framework_doc("fw", [])), "utf-8")
    problems = problems_of(lambda: load_library(path))
    assert problems[0].path == "" and "limited to 64 bytes" in problems[0].reason


def test_yaml_aliases_are_refused(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text("a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n", "utf-8")
    problems = problems_of(lambda: load_library(path))
    assert "aliases are not allowed" in problems[0].reason


def test_yaml_syntax_errors_name_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("format: otcsms-library\nkind: [framework\n", "utf-8")
    problems = problems_of(lambda: load_library(path))
    assert "YAML syntax error at line" in problems[0].reason


def test_json_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text('{"format": "otcsms-library", "format": "x"}', "utf-8")
    problems = problems_of(lambda: load_library(path))
    assert "duplicate key 'format'" in problems[0].reason


def test_yaml_cannot_construct_python_objects(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("format: !!python/object/apply:os.system ['true']\n", "utf-8")
    problems = problems_of(lambda: load_library(path))
    assert "YAML" in problems[0].reason


def test_missing_file_is_a_problem_not_a_crash(tmp_path):
    problems = problems_of(lambda: load_library(tmp_path / "absent.yaml"))
    assert "cannot read the file" in problems[0].reason


def test_a_document_that_is_not_an_object_is_refused(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", "utf-8")
    problems = problems_of(lambda: load_library(path))
    assert "must be an object" in problems[0].reason


def test_the_examples_in_the_format_documentation_load(shipped, tmp_path):
    text = (Path(__file__).resolve().parents[2] / "docs" / "library-format.md").read_text("utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 2
    paths = []
    for index, block in enumerate(blocks):
        paths.append(tmp_path / f"example-{index}.yaml")
        paths[-1].write_text(block, "utf-8")
    batch = load_batch(paths, shipped.known_requirements())
    assert batch.frameworks[0].requirements_by_id()["AC-01"].parent == "AC"
    assert batch.frameworks[0].requirements_by_id()["AC-01"].guidance.source == "ACME OT security team"
    assert batch.mapping_sets[0].mappings[0].target == "SR 1.1 RE 1"


def test_absurdly_deep_attribute_values_are_refused():
    value: list = []
    for _ in range(5000):
        value = [value]
    document = framework_doc(
        "fw", [{"id": "A", "title": "t", "kind": "SR", "assessable": True, "attributes": {"x": value}}]
    )
    problems = problems_of(lambda: load_library(document))
    assert "nested too deeply" in problems[0].reason


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=6),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(["id", "parent", "title", "kind", "assessable", "requirements", "x"]), inner
            )
        ),
        max_leaves=20,
    )
)
def test_any_shape_of_framework_gives_a_framework_or_a_library_error(value):
    document = framework_doc("fw", [])
    document["framework"]["requirements"] = value
    try:
        load_library(document)
    except LibraryError as error:
        assert error.problems
