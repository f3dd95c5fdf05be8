"""The semantic difference of two configurations: what changed, by path, never a line diff. Plain Python.

Each change is a JSON Pointer into the ``config`` of the snapshot document, a kind (``added``, ``removed``,
``changed``), the value before and the value after. A subtree that appears or disappears is one change at its
root (a new OPC UA endpoint is one ``added`` change carrying the whole endpoint, not one per field). Maps are
compared key by key; lists (the few things whose order is configuration, such as the rules of an ACL) position
by position, with what is beyond the shorter list added or removed. A value that changes type is ``changed``.
"""

from __future__ import annotations

import gc
import marshal
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
    was_enabled = gc.isenabled()
    gc.disable()  # many short-lived objects, no cycles: the cyclic collector would only cost time
    try:
        return list(_walk("", before, after))
    finally:
        if was_enabled:
            gc.enable()


def same(before: Any, after: Any) -> bool:
    """JSON equality: Python's ``==`` (at C speed), and the same types everywhere, since ``==`` holds for 1 and
    true. The type check: identical ``marshal`` bytes prove it in one C call (marshal writes every value's type,
    so ``1`` and ``true`` never give the same bytes); when the bytes differ (the same keys in another order, or
    ``0.0`` and ``-0.0``) it runs per container, at C speed as well (``map(type, ...)``)."""
    if before != after:
        return False
    try:
        if marshal.dumps(before) == marshal.dumps(after):
            return True
    except ValueError:  # a value marshal cannot write (not JSON data): the walk below decides
        pass
    stack = [(before, after)]
    while stack:
        a, b = stack.pop()
        if type(a) is not type(b):
            return False
        if type(a) is dict:
            b_values = list(map(b.__getitem__, a))  # == held: the same keys
            a_values = list(a.values())
        elif type(a) is list:
            a_values, b_values = a, b
        else:
            continue
        if list(map(type, a_values)) != list(map(type, b_values)):
            return False
        stack.extend(
            (x, y) for x, y in zip(a_values, b_values, strict=True) if type(x) is dict or type(x) is list
        )
    return True


def _walk(path: str, before: Any, after: Any) -> Iterator[Change]:
    # Unchanged subtrees are the common case: skip them at C speed.
    if type(before) is dict and type(after) is dict:
        for key in sorted(before.keys() | after.keys()):
            if key not in after:
                yield Change(f"{path}/{escape(key)}", "removed", before[key], None)
            elif key not in before:
                yield Change(f"{path}/{escape(key)}", "added", None, after[key])
            else:
                b, a = before[key], after[key]
                if b is a or same(b, a):
                    continue
                yield from _walk(f"{path}/{escape(key)}", b, a)
        return
    if same(before, after):
        return
    if isinstance(before, list) and isinstance(after, list):
        for i in range(max(len(before), len(after))):
            child = f"{path}/{i}"
            if i >= len(after):
                yield Change(child, "removed", before[i], None)
            elif i >= len(before):
                yield Change(child, "added", None, after[i])
            elif not same(before[i], after[i]):
                yield from _walk(child, before[i], after[i])
        return
    # Types first: Python's == holds for 1 and True, JSON's does not.
    if type(before) is not type(after) or before != after:
        yield Change(path, "changed", before, after)
