"""Content hashes and the migration between two versions of a framework (pure Python)."""

from __future__ import annotations

from dataclasses import replace

from otcsms.catalogs.versioning import RequirementFacts as F
from otcsms.catalogs.versioning import diff_versions, facts_of, framework_content_hash


def test_the_hash_ignores_row_order_but_not_content(frameworks):
    fw = frameworks["iec62443-3-3"]
    shuffled = replace(fw, requirements=tuple(reversed(fw.requirements)))
    assert framework_content_hash(shuffled) == framework_content_hash(fw)
    retitled = replace(fw, requirements=(replace(fw.requirements[0], title="Other"), *fw.requirements[1:]))
    assert framework_content_hash(retitled) != framework_content_hash(fw)
    assert framework_content_hash(replace(fw, version="2013.1")) != framework_content_hash(fw)
    # `order` is a sort key among siblings: renumbering that keeps the order is the same content.
    renumbered = replace(fw, requirements=tuple(replace(r, order=r.order * 10 + 5) for r in fw.requirements))
    assert framework_content_hash(renumbered) == framework_content_hash(fw)
    first, second = fw.children_of(None)[:2]
    swapped = tuple(
        replace(r, order=second.order)
        if r.id == first.id
        else replace(r, order=first.order)
        if r.id == second.id
        else r
        for r in fw.requirements
    )
    assert framework_content_hash(replace(fw, requirements=swapped)) != framework_content_hash(fw)


def test_diff_names_what_an_assessment_must_migrate():
    old = [F("A", "Access"), F("A.1", "Accounts", "text", "A"), F("A.2", "Audit", "", "A"), F("B", "Backup")]
    new = [F("A", "Access control"), F("A.1", "Accounts", "new text", "A"), F("B", "Backup"),
           F("B.1", "Restore tests", "", "B"), F("A.3", "Moved", "", None)]  # fmt: skip
    new[-1] = F("A.3", "Moved", "", None)
    diff = diff_versions("k", "1", "2", old, new)
    assert diff.added == ("B.1", "A.3") and diff.removed == ("A.2",) and diff.removed_assessable == ("A.2",)
    assert [(c.ref, c.before, c.after) for c in diff.retitled] == [("A", "Access", "Access control")]
    assert [c.ref for c in diff.text_changed] == ["A.1"]
    assert diff.unchanged == 1 and not diff.is_empty
    assert diff.summary() == (
        "k 1 -> 2: 2 added, 1 removed, 1 retitled, 1 text changed, 0 moved, 0 assessable changed, 0 values changed"
    )


def test_moves_and_assessability_are_changes_too():
    diff = diff_versions(
        "k", "1", "2", [F("A", "a"), F("B", "b"), F("C", "c", parent="A")],
        [F("A", "a"), F("B", "b", assessable=False), F("C", "c", parent="B")],
    )  # fmt: skip
    assert [(c.ref, c.before, c.after) for c in diff.moved] == [("C", "A", "B")]
    assert [(c.ref, c.after) for c in diff.assessable_changed] == [("B", "false")]


def test_a_version_diffed_with_itself_is_empty(frameworks):
    facts = facts_of(frameworks["nerc-cip"])
    diff = diff_versions("nerc-cip", "a", "b", facts, facts)
    assert diff.is_empty and diff.unchanged == len(facts)
    assert diff.as_dict()["counts"]["unchanged"] == len(facts)
