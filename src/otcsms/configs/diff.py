"""The semantic difference of two configurations: what changed, by path, never a line diff. Plain Python.

Each change is a JSON Pointer into the ``config`` of the snapshot document, a kind (``added``, ``removed``,
``changed``), the value before and the value after. A subtree that appears or disappears is one change at its
root (a new OPC UA endpoint is one ``added`` change carrying the whole endpoint, not one per field). Maps are
compared key by key; lists (the few things whose order is configuration, such as the rules of an ACL) position
by position, with what is beyond the shorter list added or removed. A value that changes type is ``changed``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from otcsms.configs.canonical import escape

ChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    kind: ChangeKind
    before: Any = None
    after: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "before": self.before, "after": self.after}


def diff(before: Any, after: Any) -> list[Change]:
    """The changes that turn ``before`` into ``after``, in document order (keys sorted)."""
    return list(_walk("", before, after))


def _walk(path: str, before: Any, after: Any) -> Iterator[Change]:
    # Unchanged subtrees are the common case: skip them at C speed. == alone would take 1 for true (Python's
    # equality); equal reprs as well rule that out (repr(True) is "True", repr(1) is "1").
    if before == after and repr(before) == repr(after):
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(before.keys() | after.keys()):
            child = f"{path}/{escape(key)}"
            if key not in after:
                yield Change(child, "removed", before[key], None)
            elif key not in before:
                yield Change(child, "added", None, after[key])
            else:
                yield from _walk(child, before[key], after[key])
        return
    if isinstance(before, list) and isinstance(after, list):
        for i in range(max(len(before), len(after))):
            child = f"{path}/{i}"
            if i >= len(after):
                yield Change(child, "removed", before[i], None)
            elif i >= len(before):
                yield Change(child, "added", None, after[i])
            else:
                yield from _walk(child, before[i], after[i])
        return
    # Types first: Python's == holds for 1 and True, JSON's does not.
    if type(before) is not type(after) or before != after:
        yield Change(path, "changed", before, after)
