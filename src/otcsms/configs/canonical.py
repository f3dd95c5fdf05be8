"""The snapshot document, its normal form and its hash: plain Python, no Django.

A snapshot is what otcsms knows of one device's configuration at one moment:

    {"schema": 1,
     "asset": {"id": 12, "name": "PLC-101"},
     "source": {"type": "file", "kind": "l5x", "name": "line1.L5X", "sha256": "..."}
             | {"type": "live", "collector": "opcua", "collector_version": "asyncua 2.1.0", "endpoint": "opc.tcp://..."},
     "captured_at": "2026-12-02T10:00:00Z",
     "config": {...},      what defines the device's behaviour and security: hashed, compared, judged
     "volatile": {...}}    values that change in operation: kept for context, never hashed nor compared

Lists of things with a natural identity become maps keyed by it (``keyed``) before they reach the document,
so the order a device or a file lists them in never makes a difference. The hash is SHA-256 over the RFC 8785
canonical JSON of ``config`` alone: the same configuration always has the same hash, whatever the key order,
the capture time or the process values.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import rfc8785

SCHEMA_VERSION = 1
# JSON numbers exchanged between systems are IEEE doubles: integers beyond 2**53 cannot round-trip, so they
# are kept as their decimal text (a 64-bit serial number stays exact).
_SAFE_INTEGER = 2**53 - 1

Json = Any


class NormaliseError(ValueError):
    """A value cannot be part of a snapshot document (one line, shown to the user)."""


def normalise(value: Json, *, where: str = "") -> Json:
    """``value`` as plain JSON data: string keys, tuples as lists, no NaN/infinity, huge integers as text.

    Raises NormaliseError naming the JSON Pointer of the first value that has no JSON form.
    """
    if _already_normal(value):  # what json.loads gives usually is: returned as it is, not copied
        return value
    return _normalise(value, where)


def _already_normal(value: Json) -> bool:
    return _scan(value) >= _NORMAL


# What _scan finds of a JSON value: NOT_NORMAL (normalise must copy it), NORMAL (plain JSON data, but json.dumps
# would not write exactly the RFC 8785 form), PLAIN (normal, and json.dumps writes exactly the JCS form).
_NOT_NORMAL, _NORMAL, _PLAIN = 0, 1, 2
_LEAVES = frozenset({str, bool, type(None)})


def _scan(value: Json) -> int:
    """One walk that tells both whether ``value`` is already normal and whether the standard encoder writes
    its RFC 8785 form. The checks are per container, at C speed (``map(type, ...)``, ``str.isascii``): most
    containers of a configuration hold only strings, booleans and nested containers, so the Python loop runs
    once per container, not once per value."""
    result = _PLAIN
    stack = [value]
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            keys = item.keys()
            if set(map(type, keys)) - {str}:
                return _NOT_NORMAL
            if (
                result == _PLAIN
                and not all(map(str.isascii, keys))
                and any(max(key) > "\uffff" for key in keys if key)
            ):
                result = _NORMAL  # outside the BMP: UTF-16 order (JCS) differs from code point order
            children = item.values()
        elif kind is list:
            children = item
        else:
            found = _leaf(item)
            if found == _NOT_NORMAL:
                return found
            result = min(result, found)
            continue
        types = set(map(type, children))
        if types <= _LEAVES:
            continue
        if dict in types or list in types:
            push(c for c in children if type(c) is dict or type(c) is list)
        for other in types - _LEAVES - {dict, list}:
            for c in children:
                if type(c) is other:
                    found = _leaf(c)
                    if found == _NOT_NORMAL:
                        return found
                    result = min(result, found)
    return result


def _leaf(item: Json) -> int:
    kind = type(item)
    if kind is str or kind is bool or item is None:
        return _PLAIN
    if kind is int:
        return _PLAIN if -_SAFE_INTEGER <= item <= _SAFE_INTEGER else _NOT_NORMAL
    if kind is float:
        if not math.isfinite(item) or item.is_integer():
            return _NOT_NORMAL
        return _PLAIN if 1e-4 <= abs(item) < 1e16 else _NORMAL
    return _NOT_NORMAL


def _normalise(value: Json, where: str) -> Json:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is dict or isinstance(value, Mapping):
        return {
            (k if type(k) is str else str(k)): _normalise(v, f"{where}/{escape(str(k))}")
            for k, v in value.items()
        }
    if kind is list or kind is tuple:
        return [_normalise(v, f"{where}/{i}") for i, v in enumerate(value)]
    if kind is int:
        return value if -_SAFE_INTEGER <= value <= _SAFE_INTEGER else str(value)
    if kind is float:
        if not math.isfinite(value):
            raise NormaliseError(f"{where or '/'}: {value} is not a JSON number")
        return int(value) if value.is_integer() and abs(value) <= _SAFE_INTEGER else value
    if isinstance(value, bool | str):  # subclasses (a str enum): their plain value
        return bool(value) if isinstance(value, bool) else str(value)
    if isinstance(value, int):
        return _normalise(int(value), where)
    if isinstance(value, bytes):
        return value.hex()
    raise NormaliseError(f"{where or '/'}: a {type(value).__name__} has no JSON form")


def keyed(items: Iterable[Mapping[str, Any]], identity: Callable[[Mapping[str, Any]], str]) -> dict[str, Any]:
    """A list of things as a map keyed by their natural identity (an endpoint by policy+mode, a node by
    NodeId, a register by address, a point by index, an interface by name).

    Two items with the same identity keep both, the second and later ones under ``identity#2``, ``#3`` in
    the order of their canonical form: a duplicate is itself configuration worth seeing, and the keys must not
    depend on the order the source listed them in.
    """
    groups: dict[str, list[Any]] = {}
    for item in items:
        groups.setdefault(str(identity(item)), []).append(normalise(dict(item)))
    result: dict[str, Any] = {}
    for key, members in groups.items():
        members.sort(key=canonical_bytes)
        result[key] = members[0]
        for n, member in enumerate(members[1:], start=2):
            result[f"{key}#{n}"] = member
    return result


def canonical_bytes(value: Json) -> bytes:
    """RFC 8785 (JSON Canonicalization Scheme) serialisation of ``value``.

    The standard library's encoder writes exactly the JCS form for most documents (sorted keys, no spaces,
    the same escapes, integers, and floats between 1e-4 and 1e16 in the same shortest form), at C speed; a
    document holding anything else (a float JCS writes differently, an integer beyond 2**53, a key outside
    the Basic Multilingual Plane, whose UTF-16 order differs from code point order) goes to the rfc8785
    package, which implements the whole scheme.
    """
    return _encode(value, _scan(value) == _PLAIN)


def _encode(value: Json, plain: bool) -> bytes:
    if plain:
        try:
            return json.dumps(
                value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            ).encode()
        except (UnicodeEncodeError, ValueError):
            pass  # a lone surrogate: rfc8785 says what is wrong
    try:
        return bytes(rfc8785.dumps(value))
    except rfc8785.CanonicalizationError as exc:
        raise NormaliseError(f"no canonical JSON form: {exc}") from None


def normal_and_hash(config: Json, *, where: str = "/config", plain: bool = False) -> tuple[Json, str]:
    """``normalise(config)`` and its ``config_hash`` with one walk of the document where it is already normal
    (a parser's or a collector's output, a document read back from the database), two where it is not, none
    where the parser vouched for it (``plain``: only string-keyed dicts, lists, strings, booleans and None, no
    character outside the BMP; see parsers.Parsed)."""
    with _collection_paused():
        if plain:
            return config, hashlib.sha256(_encode(config, True)).hexdigest()
        found = _scan(config)
        if found == _NOT_NORMAL:
            config = _normalise(config, where)
            found = _scan(config)
        return config, hashlib.sha256(_encode(config, found == _PLAIN)).hexdigest()


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    # Walking and encoding a large document allocates millions of short-lived objects that hold no cycles; the
    # cyclic collector's full passes over them cost a third of the time and free nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plain_json(value: Json) -> bool:
    """Whether json.dumps writes ``value`` exactly as RFC 8785 does (see canonical_bytes)."""
    return _scan(value) == _PLAIN


def config_hash(config: Json) -> str:
    """The snapshot's identity: hex SHA-256 of the canonical JSON of ``config`` (never of ``volatile``)."""
    with _collection_paused():
        return hashlib.sha256(canonical_bytes(config)).hexdigest()


def snapshot_document(
    *,
    asset: Mapping[str, Any],
    source: Mapping[str, Any],
    captured_at: str,
    config: Json,
    volatile: Json,
) -> dict[str, Any]:
    """The whole snapshot document, normalised."""
    return {
        "schema": SCHEMA_VERSION,
        "asset": normalise(dict(asset)),
        "source": normalise(dict(source)),
        "captured_at": captured_at,
        "config": normalise(config, where="/config"),
        "volatile": normalise(volatile, where="/volatile"),
    }


def escape(token: str) -> str:
    """One reference token of a JSON Pointer (RFC 6901): ``~`` as ``~0``, ``/`` as ``~1``."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer(*tokens: str | int) -> str:
    return "".join("/" + escape(str(t)) for t in tokens)


def split_pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"{path!r} is not a JSON Pointer")
    return [unescape(t) for t in path[1:].split("/")]


def resolve(document: Json, path: str) -> Json:
    """The value at ``path`` in ``document``; KeyError when there is none."""
    value = document
    for token in split_pointer(path):
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdecimal() and int(token) < len(value):
            value = value[int(token)]
        else:
            raise KeyError(path)
    return value
