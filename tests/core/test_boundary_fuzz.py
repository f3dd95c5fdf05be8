"""Every API operation, from the OpenAPI document, with hostile values in every parameter and body field.

Boundary integers (beyond 64 bits, negative, zero), naive, extreme and malformed date-times, and strings
holding NUL, C0 controls, bidirectional overrides, lone surrogates and non-ASCII digits: each must be
answered with a 2xx or a 4xx carrying ``detail``, never a 5xx. The operations come from the schema itself,
so a new endpoint is fuzzed without anyone adding it here.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import pytest

from otcsms.api import api as ninja_api
from otcsms.core.models import User

HOSTILE_STRINGS = [
    "\x00",
    "a\x00b",
    "x\x07y",
    "evil\u202etxt.exe",
    "\ud800",
    "²",
    "../../etc/passwd",
    "x" * 5000,
]
HOSTILE_INTEGERS = [2**63, 10**30, -(2**63) - 1, -1, 0]
HOSTILE_DATETIMES = [
    "2026-01-01T00:00:00",  # naive
    "9999-12-31T23:59:59-14:00",  # beyond 9999 once in UTC
    "0001-01-01T00:00:00+14:00",  # before year 1 once in UTC
    "2026-13-45T99:99:99Z",
    "²",
]


@functools.cache
def _schema() -> dict[str, Any]:
    """Built once per test process (a second or so of work each time it is asked for)."""
    return ninja_api.get_openapi_schema()


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _kinds(schema: dict[str, Any], node: dict[str, Any]) -> set[str]:
    """The JSON types a property accepts ("integer", "string", "date-time", ...)."""
    node = _resolve(schema, node)
    if "anyOf" in node:
        return set().union(*(_kinds(schema, n) for n in node["anyOf"]))
    if node.get("format") == "date-time":
        return {"date-time"}
    kind = node.get("type")
    return {kind} if isinstance(kind, str) else set()


def hostile_values(kinds: set[str]) -> list[Any]:
    values: list[Any] = []
    if "integer" in kinds or "number" in kinds:
        values += HOSTILE_INTEGERS + ["²", "1e400"]
    if "date-time" in kinds:
        values += HOSTILE_DATETIMES
    if "string" in kinds:
        values += HOSTILE_STRINGS
    if "array" in kinds:
        values += [["\x00"], [2**63], "not a list"]
    if "boolean" in kinds:
        values += ["\x00", 2**63]
    return values or HOSTILE_STRINGS[:2] + HOSTILE_INTEGERS[:1]


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    ops = []
    for path, methods in _schema()["paths"].items():
        for method, op in methods.items():
            ops.append((method.upper(), path, op))
    return sorted(ops, key=lambda o: (o[1], o[0]))


def _path_with_ids(path: str, objects: dict[str, int]) -> str:
    kind = path.removeprefix("/api/v1/").split("/")[0]
    return re.sub(r"\{\w+\}", str(objects.get(kind, 1)), path)


def _body_fields(schema: dict[str, Any], op: dict[str, Any]) -> dict[str, set[str]]:
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body is None:
        return {}
    node = _resolve(schema, body["schema"])
    return {name: _kinds(schema, prop) for name, prop in node.get("properties", {}).items()}


def _check(response, where: str) -> None:
    assert response.status_code < 500, f"{where} -> {response.status_code}: {response.content[:300]!r}"
    if where.startswith("GET"):
        # a read cannot conflict with anything: a 409 here is a database error dressed up as one
        assert response.status_code != 409, f"{where} -> 409: {response.content[:300]!r}"
    if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
        assert "detail" in response.json(), f"{where}: error without detail"


OPERATIONS = operations()


def _order(operation: tuple[str, str, dict[str, Any]]) -> tuple[int, int, str, str]:
    """Reads and writes first, deletes last and the deepest path first: a delete that succeeds (a valid id and a
    harmless reason) must not take away what the group's other operations, or its other deletes, address."""
    method, path, _op = operation
    return (1, -path.count("/"), path, method) if method == "DELETE" else (0, 0, path, method)


# The operations grouped by the resource they address (the path's first segment), one test per group: the
# fixture objects of every app are written once per group rather than once per operation.
GROUPS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
for _operation in OPERATIONS:
    GROUPS.setdefault(_operation[1].removeprefix("/api/v1/").split("/")[0], []).append(_operation)
for _group in GROUPS.values():
    _group.sort(key=_order)


@pytest.mark.parametrize("resource", sorted(GROUPS))
def test_hostile_values_never_cause_a_server_error(resource, session_api, site_a_world):
    client = session_api(User.objects.get(username="olivia"))  # the org admin
    for method, path, op in GROUPS[resource]:
        fuzz_operation(client, method, path, op, site_a_world)


def fuzz_operation(client, method: str, path: str, op: dict[str, Any], objects: dict[str, int]) -> None:
    schema = _schema()
    url = _path_with_ids(path, objects).removeprefix("/api/v1")
    # a path id beyond 64 bits is no route at all
    if "{" in path:
        huge = re.sub(r"/\d+(?=/|$)", "/" + str(10**30), url, count=1)
        _check(
            client.call(method, huge, {} if method in ("POST", "PATCH", "PUT") else None), f"{method} {huge}"
        )
    for param in op.get("parameters", []):
        if param["in"] != "query":
            continue
        for value in hostile_values(_kinds(schema, param.get("schema", {}))):
            text = value if isinstance(value, str) else json.dumps(value)
            if "\ud800" in text:
                continue  # a URL cannot carry a lone surrogate; its UTF-8-like bytes decode as U+FFFD
            r = client.client.generic(
                method, "/api/v1" + url, query_params={param["name"]: text}, data="{}",
                content_type="application/json",
            )  # fmt: skip
            _check(r, f"{method} {url}?{param['name']}={text[:40]!r}")
    fields = _body_fields(schema, op)
    base = _valid_base(client, method, path, objects, fields)
    for name, kinds in fields.items():
        for value in hostile_values(kinds):
            r = client.call(method, url, json.dumps({**base, name: value}))
            _check(r, f"{method} {url} {{{name!r}: {str(value)[:40]!r}}}")


def _valid_base(client, method: str, path: str, objects: dict[str, int], fields: dict) -> dict[str, Any]:
    """For a create, the fields of an existing object of the same kind (so one hostile field at a time gets
    past "required" and reaches the database); for anything else, nothing."""
    kind = path.removeprefix("/api/v1/").split("/")[0]
    if method != "POST" or path.count("/") != 3 or kind not in objects:
        return {}
    existing = client.get(f"/{kind}/{objects[kind]}")
    if existing.status_code != 200:
        return {}
    base = {k: v for k, v in existing.json().items() if k in fields and v is not None}
    for key in ("name", "code"):
        if isinstance(base.get(key), str):
            base[key] += "-fuzz"
    return base


def test_the_fuzz_covers_every_operation():
    """The list above is the schema's own: more than the handful of routes a hand-written list would hold."""
    assert len(OPERATIONS) >= 60
