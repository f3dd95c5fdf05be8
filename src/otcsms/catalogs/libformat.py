"""Read and validate otcsms library files: one framework or one mapping set per file.

Plain Python, no Django: the web platform, the CLI and the build script all load libraries through here.
A document is checked completely (JSON Schema, then meaning: ids, parents, references) before anything is
returned, so an import is all or nothing and the user sees every problem at once, each with its location.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

FORMAT = "otcsms-library"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 20 * 1024 * 1024
LIBRARY_SUFFIXES = (".json", ".yaml", ".yml")
RELATIONSHIPS = ("equal", "subset", "superset", "intersect")
STRENGTH_MIN, STRENGTH_MAX = 0, 10
MEMORY_LABEL = "<document>"

Source = str | os.PathLike[str] | Traversable | Mapping[str, Any]
KnownRequirements = Mapping[str, Collection[str]]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a library file; `path` is a JSON Pointer into the document ('' = the whole file)."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '/'}: {self.reason}"


class LibraryError(Exception):
    """Raised with every problem found; nothing of the library is usable when it is raised."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.summary())

    def summary(self, limit: int = 20) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems")
        return "\n".join(lines) or "invalid library"


@dataclass(frozen=True, slots=True)
class Provenance:
    source: str
    verified: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class Guidance:
    """Help for judging an answer, in the catalog author's own words (never the standard's text): what good
    looks like, typical evidence, common pitfalls, and where it comes from (``verified``: reviewed against the
    standard by someone who holds it)."""

    good: str
    source: str
    verified: bool = False
    evidence: tuple[str, ...] = ()
    pitfalls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Level:
    level: int
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class RequirementDoc:
    id: str
    title: str
    kind: str
    assessable: bool
    parent: str | None = None
    text: str = ""
    order: int = 0
    # Read-only view with lists frozen to tuples; excluded from the hash because mappings are not hashable.
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    provenance: Provenance | None = None
    guidance: Guidance | None = None


@dataclass(frozen=True, slots=True)
class FrameworkDoc:
    id: str
    name: str
    version: str
    publisher: str
    licence: str
    requirements: tuple[RequirementDoc, ...]
    copyright_note: str = ""
    description: str = ""
    level_scheme: str | None = None
    levels: tuple[Level, ...] = ()
    provenance: Provenance | None = None

    def requirement_ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.requirements)

    def requirements_by_id(self) -> dict[str, RequirementDoc]:
        return {r.id: r for r in self.requirements}

    def children_of(self, parent: str | None) -> list[RequirementDoc]:
        return sorted((r for r in self.requirements if r.parent == parent), key=lambda r: r.order)


@dataclass(frozen=True, slots=True)
class MappingDoc:
    source: str
    target: str
    relationship: str
    strength: int
    rationale: str = ""
    source_ref: str = ""
    # Checked against its recorded source by a person (or, for a transcription, by the build against the
    # source's own list); who or what checked it. Unverified rows are an inference or a judgement to review.
    verified: bool = False
    reviewer: str = ""


@dataclass(frozen=True, slots=True)
class MappingSetDoc:
    id: str
    name: str
    version: str
    source_framework: str
    target_framework: str
    licence: str
    mappings: tuple[MappingDoc, ...]
    description: str = ""


LibraryDoc = FrameworkDoc | MappingSetDoc


@dataclass(frozen=True, slots=True)
class LibraryBatch:
    frameworks: tuple[FrameworkDoc, ...]
    mapping_sets: tuple[MappingSetDoc, ...]

    def known_requirements(self) -> dict[str, frozenset[str]]:
        return known_requirements_of(self.frameworks)


# ---------------------------------------------------------------------------------------------- public API


def load_library(source: Source, known_requirements: KnownRequirements | None = None) -> LibraryDoc:
    """Load one framework or mapping set. A mapping set's references are checked against `known_requirements`
    (framework id -> requirement ids); pass the frameworks it maps between, or it is rejected."""
    label = source_label(source)
    document = read_document(source)
    doc = _validated(document, label)
    if isinstance(doc, MappingSetDoc):
        _raise_if(_mapping_set_problems(doc, known_requirements or {}, label))
    return doc


def load_batch(
    sources: Iterable[Source], known_requirements: KnownRequirements | None = None
) -> LibraryBatch:
    """Load several files as one import: mapping sets may refer to frameworks of the same batch as well as to
    `known_requirements`. Either every file is valid and returned, or LibraryError lists all problems."""
    problems: list[Problem] = []
    frameworks: dict[str, tuple[FrameworkDoc, str]] = {}
    mapping_sets: dict[str, tuple[MappingSetDoc, str]] = {}
    for source in sources:
        label = source_label(source)
        try:
            doc = _validated(read_document(source), label)
        except LibraryError as error:
            problems.extend(error.problems)
            continue
        seen = frameworks if isinstance(doc, FrameworkDoc) else mapping_sets
        if doc.id in seen:
            reason = f"id {doc.id!r} is also used by {seen[doc.id][1]}"
            problems.append(Problem(label, f"/{_kind_key(doc)}/id", reason))
            continue
        seen[doc.id] = (doc, label)  # type: ignore[assignment]
    known = {fid: frozenset(ids) for fid, ids in (known_requirements or {}).items()}
    known.update(known_requirements_of(fw for fw, _ in frameworks.values()))
    for mapping_set, label in mapping_sets.values():
        problems.extend(_mapping_set_problems(mapping_set, known, label))
    _raise_if(problems)
    return LibraryBatch(
        frameworks=tuple(fw for fw, _ in frameworks.values()),
        mapping_sets=tuple(ms for ms, _ in mapping_sets.values()),
    )


def shipped_library_paths() -> list[Traversable]:
    """The library files shipped inside the package, frameworks and mapping sets alike, in name order."""
    root = resources.files("otcsms.catalogs.library")
    files = [entry for entry in root.iterdir() if entry.is_file() and entry.name.endswith(LIBRARY_SUFFIXES)]
    return sorted(files, key=lambda entry: entry.name)


def load_shipped_library() -> LibraryBatch:
    return load_batch(shipped_library_paths())


def known_requirements_of(frameworks: Iterable[FrameworkDoc]) -> dict[str, frozenset[str]]:
    return {fw.id: fw.requirement_ids() for fw in frameworks}


def source_label(source: Source) -> str:
    if isinstance(source, Mapping):
        return MEMORY_LABEL
    if isinstance(source, Traversable) and not isinstance(source, Path):
        return source.name
    return os.fspath(source)


def version_sort_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order for framework versions ('2013' < '2013.1' < '2013.10'), so an import can tell whether a
    user file is newer than the shipped one. A part in letters (a catalog revision 'r2', a baseline '+moderate')
    comes after the version without it and before the next number: '2013' < '2013-r2' < '2013.1'."""
    # ASCII digits only: "²" passes str.isdigit() but int() refuses it
    parts = re.findall(r"[0-9]+|[^0-9.+\-_ ]+", version)
    return tuple((1, int(p)) if p.isascii() and p.isdigit() else (0, p.lower()) for p in parts)


# ---------------------------------------------------------------------------------------------- reading files


def read_document(source: Source) -> dict[str, Any]:
    """Parse a file (JSON or YAML, by suffix or by its first character) or accept an already parsed dict."""
    label = source_label(source)
    if isinstance(source, Mapping):
        document: Any = source
    else:
        text = _read_text(source, label)
        document = _parse_json(text, label) if _looks_like_json(source, text) else _parse_yaml(text, label)
    if not isinstance(document, Mapping):
        raise LibraryError(
            [Problem(label, "", "the document must be an object (a mapping of keys to values)")]
        )
    return dict(document)


def _read_text(source: str | os.PathLike[str] | Traversable, label: str) -> str:
    if not isinstance(source, Traversable):
        source = Path(source)
    try:
        if isinstance(source, Path) and source.stat().st_size > MAX_FILE_BYTES:
            raise LibraryError([Problem(label, "", _too_big(source.stat().st_size))])
        data = source.read_bytes()
    except OSError as error:
        raise LibraryError([Problem(label, "", f"cannot read the file: {error.strerror or error}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise LibraryError([Problem(label, "", _too_big(len(data)))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LibraryError([Problem(label, "", f"not UTF-8 text (byte {error.start})")]) from None


def _too_big(size: int) -> str:
    return f"file is {size} bytes; library files are limited to {MAX_FILE_BYTES} bytes"


def _looks_like_json(source: str | os.PathLike[str] | Traversable, text: str) -> bool:
    name = source.name if isinstance(source, Traversable) else os.fspath(source)
    if name.lower().endswith(".json"):
        return True
    if name.lower().endswith((".yaml", ".yml")):
        return False
    return text.lstrip().startswith("{")


def _parse_json(text: str, label: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except json.JSONDecodeError as error:
        reason = f"JSON syntax error at line {error.lineno} column {error.colno}: {error.msg}"
        raise LibraryError([Problem(label, "", reason)]) from None
    except _DuplicateKeyError as error:
        raise LibraryError([Problem(label, "", f"duplicate key {error.args[0]!r} in an object")]) from None
    except RecursionError:
        raise LibraryError([Problem(label, "", "the document is nested too deeply")]) from None


class _DuplicateKeyError(ValueError):
    pass


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; in a library that hides a typo, so it is an error.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


# libyaml's parser when PyYAML was built with it (its wheels are): the same safe loading, ten times faster on
# the shipped library, which `otcsms init` reads whole.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(text: str, label: str) -> Any:
    try:
        document = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise LibraryError([Problem(label, "", f"YAML syntax error{where}: {error.problem}")]) from None
    except (yaml.YAMLError, RecursionError) as error:
        raise LibraryError([Problem(label, "", f"YAML error: {error}")]) from None
    shared = _first_shared_container(document)
    if shared is not None:
        reason = "YAML anchors and aliases are not allowed in library files"
        raise LibraryError([Problem(label, shared, reason)])
    return document


def _first_shared_container(document: Any) -> str | None:
    """safe_load turns an alias into a second reference to the same list or dict; walking such a document
    (schema validation) can take exponential time ("billion laughs"), so a repeated container is refused."""
    seen: set[int] = set()
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        node, path = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if id(node) in seen:
            return path
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((value, f"{path}/{_escape(str(key))}") for key, value in items)
    return None


# ---------------------------------------------------------------------------------------------- validation


@cache
def _validator() -> Draft202012Validator:
    schema_text = (
        resources.files("otcsms.catalogs").joinpath("schema", "library.schema.json").read_text("utf-8")
    )
    schema = json.loads(schema_text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def library_schema() -> dict[str, Any]:
    """The JSON Schema of library files, for documentation and API descriptions."""
    return dict(_validator().schema)


def validate_document(document: Mapping[str, Any], label: str = MEMORY_LABEL) -> LibraryDoc:
    """Check a parsed document (schema and, for a framework, its own ids and parents) and return it.
    A mapping set's references to frameworks are checked by load_library/load_batch, which know them."""
    return _validated(document, label)


def _validated(document: Mapping[str, Any], label: str) -> LibraryDoc:
    try:
        _raise_if(_schema_problems(document, label))
        if document["kind"] == "framework":
            data = document["framework"]
            _raise_if(_framework_problems(data, label))
            return _framework_from(data)
        return _mapping_set_from(document["mapping_set"])
    except RecursionError:
        # Attribute values may be any JSON; one nested a thousand levels deep is an attack, not a catalog.
        raise LibraryError([Problem(label, "", "the document is nested too deeply")]) from None


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise LibraryError(problems)


def _schema_problems(document: Mapping[str, Any], label: str) -> list[Problem]:
    errors = sorted(
        _validator().iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.message)
    )
    return [Problem(label, _pointer(e.absolute_path), _schema_reason(e)) for e in errors]


_JSON_TYPE_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def _schema_reason(error: ValidationError) -> str:
    """jsonschema messages repeat the whole offending value (a whole framework, at worst); say it short."""
    value = error.instance
    kind = error.validator
    if kind == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"must be one of: {allowed}; got {_short(value)}"
    if kind in ("minimum", "maximum"):
        low, high = error.schema.get("minimum"), error.schema.get("maximum")
        bounds = (
            f"between {low} and {high}"
            if low is not None and high is not None
            else f"{kind} {error.validator_value}"
        )
        return f"must be {bounds}; got {_short(value)}"
    if kind == "type":
        return f"must be of type {error.validator_value}; got {_JSON_TYPE_NAMES.get(type(value), 'value')}"
    if kind == "const":
        return f"must be {error.validator_value!r}; got {_short(value)}"
    if kind == "not":
        return f"must not contain {', '.join(error.validator_value.get('required', []))}: one kind per file"
    if kind == "oneOf" and error.path and error.path[-1] == "parent":
        return f"must be a requirement id or null; got {_short(value)}"
    if kind == "maxLength" and isinstance(value, str):
        return f"is {len(value)} characters long; at most {error.validator_value} are allowed"
    if kind == "maxItems" and isinstance(value, list):
        return f"has {len(value)} items; at most {error.validator_value} are allowed"
    if kind == "additionalProperties" and error.schema.get("properties"):
        return f"{_shorten(error.message)}; allowed keys: {', '.join(error.schema['properties'])}"
    if kind in ("pattern", "minLength", "maxLength"):
        return f"{_short(value)} does not fit {kind} {_short(error.validator_value)}"
    return _shorten(error.message)


def _short(value: Any) -> str:
    return _shorten(repr(value), 80)


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pointer(parts: Iterable[Any]) -> str:
    return "".join(f"/{_escape(str(p))}" for p in parts)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _framework_problems(data: Mapping[str, Any], label: str) -> list[Problem]:
    rows = data["requirements"]
    where = "/framework/requirements"
    problems: list[Problem] = []
    first_index: dict[str, int] = {}
    for index, row in enumerate(rows):
        if row["id"] in first_index:
            reason = f"duplicate requirement id {row['id']!r} (first at {where}/{first_index[row['id']]})"
            problems.append(Problem(label, f"{where}/{index}/id", reason))
        else:
            first_index[row["id"]] = index
    for index, row in enumerate(rows):
        parent = row.get("parent")
        if parent is not None and parent not in first_index:
            reason = f"unknown parent {parent!r}{_did_you_mean(parent, first_index)}"
            problems.append(Problem(label, f"{where}/{index}/parent", reason))
    parents = {rid: rows[index].get("parent") for rid, index in first_index.items()}
    for cycle in _parent_cycles(parents):
        index = min(first_index[node] for node in cycle)
        start = rows[index]["id"]
        chain = [start, *_cycle_from(start, parents)]
        reason = "parents form a cycle: " + " -> ".join(chain)
        problems.append(Problem(label, f"{where}/{index}/parent", reason))
    return problems


def _parent_cycles(parents: Mapping[str, str | None]) -> list[frozenset[str]]:
    """Each cycle in the parent relation once; a node whose parent is itself is a cycle of one."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = finished
    cycles: list[frozenset[str]] = []
    for start in parents:
        walk: list[str] = []
        node: str | None = start
        while node is not None and node in parents and node not in state:
            state[node] = 1
            walk.append(node)
            node = parents[node]
        if node is not None and state.get(node) == 1:
            cycles.append(frozenset(walk[walk.index(node) :]))
        for visited in walk:
            state[visited] = 2
    return cycles


def _cycle_from(start: str, parents: Mapping[str, str | None]) -> list[str]:
    chain: list[str] = []
    node = parents[start]
    while node is not None and node != start and len(chain) <= len(parents):
        chain.append(node)
        node = parents[node]
    return [*chain, start]


def _did_you_mean(value: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.8)
    return f"; did you mean {close[0]!r}?" if close else ""


def _mapping_set_problems(doc: MappingSetDoc, known: KnownRequirements, label: str) -> list[Problem]:
    problems: list[Problem] = []
    ends = {"source": doc.source_framework, "target": doc.target_framework}
    for end, framework in ends.items():
        if framework not in known:
            reason = f"unknown framework {framework!r}{_did_you_mean(framework, known)}"
            problems.append(Problem(label, f"/mapping_set/{end}_framework", reason))
    if doc.source_framework == doc.target_framework:
        reason = "a mapping set links two different frameworks"
        problems.append(Problem(label, "/mapping_set/target_framework", reason))
    first_row: dict[tuple[str, str], int] = {}
    for index, mapping in enumerate(doc.mappings):
        where = f"/mapping_set/mappings/{index}"
        for end, framework in ends.items():
            requirement = getattr(mapping, end)
            ids = known.get(framework)
            if ids is not None and requirement not in ids:
                reason = (
                    f"unknown requirement {requirement!r} in {framework}{_did_you_mean(requirement, ids)}"
                )
                problems.append(Problem(label, f"{where}/{end}", reason))
        pair = (mapping.source, mapping.target)
        if pair in first_row:
            reason = (
                f"duplicate mapping {pair[0]} -> {pair[1]} (first at /mapping_set/mappings/{first_row[pair]})"
            )
            problems.append(Problem(label, where, reason))
        else:
            first_row[pair] = index
    return problems


# ---------------------------------------------------------------------------------------------- documents


def _kind_key(doc: LibraryDoc) -> str:
    return "framework" if isinstance(doc, FrameworkDoc) else "mapping_set"


def frozen(value: Any) -> Any:
    """Read-only copy of an attribute value: lists become tuples, mappings read-only views."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    return value


def thawed(value: Any) -> Any:
    """Plain JSON-ready copy of a frozen attribute value (tuples -> lists, read-only mappings -> dicts)."""
    if isinstance(value, Mapping):
        return {k: thawed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thawed(v) for v in value]
    return value


def _provenance_from(data: Mapping[str, Any] | None) -> Provenance | None:
    if data is None:
        return None
    return Provenance(source=data["source"], verified=data["verified"], note=data.get("note", ""))


def _guidance_from(data: Mapping[str, Any] | None) -> Guidance | None:
    if data is None:
        return None
    return Guidance(
        good=data["good"],
        source=data["source"],
        verified=data["verified"],
        evidence=tuple(data.get("evidence", ())),
        pitfalls=tuple(data.get("pitfalls", ())),
    )


def _framework_from(data: Mapping[str, Any]) -> FrameworkDoc:
    default_provenance = _provenance_from(data.get("provenance"))
    levels = data.get("levels") or {}
    return FrameworkDoc(
        id=data["id"],
        name=data["name"],
        version=data["version"],
        publisher=data["publisher"],
        licence=data["licence"],
        copyright_note=data.get("copyright_note", ""),
        description=data.get("description", ""),
        level_scheme=levels.get("scheme"),
        levels=tuple(
            Level(level=v["level"], name=v["name"], description=v.get("description", ""))
            for v in levels.get("values", [])
        ),
        provenance=default_provenance,
        requirements=tuple(
            _requirement_from(row, index, default_provenance)
            for index, row in enumerate(data["requirements"])
        ),
    )


def _requirement_from(row: Mapping[str, Any], index: int, default: Provenance | None) -> RequirementDoc:
    return RequirementDoc(
        id=row["id"],
        parent=row.get("parent"),
        title=row["title"],
        text=row.get("text", ""),
        kind=row["kind"],
        assessable=row["assessable"],
        order=row.get("order", index),
        attributes=frozen(row.get("attributes", {})),
        provenance=_provenance_from(row.get("provenance")) or default,
        guidance=_guidance_from(row.get("guidance")),
    )


def _mapping_set_from(data: Mapping[str, Any]) -> MappingSetDoc:
    return MappingSetDoc(
        id=data["id"],
        name=data["name"],
        version=data["version"],
        source_framework=data["source_framework"],
        target_framework=data["target_framework"],
        licence=data["licence"],
        description=data.get("description", ""),
        mappings=tuple(
            MappingDoc(
                source=m["source"],
                target=m["target"],
                relationship=m["relationship"],
                strength=m["strength"],
                rationale=m["rationale"],
                source_ref=m["source_ref"],
                verified=m.get("verified", False),
                reviewer=m.get("reviewer", ""),
            )
            for m in data["mappings"]
        ),
    )


def framework_to_document(fw: FrameworkDoc) -> dict[str, Any]:
    """The library-file form of a framework (the inverse of loading it)."""
    data: dict[str, Any] = {
        "id": fw.id,
        "name": fw.name,
        "version": fw.version,
        "publisher": fw.publisher,
        "licence": fw.licence,
    }
    data.update(_non_empty(copyright_note=fw.copyright_note, description=fw.description))
    if fw.levels:
        values = [
            {"level": lv.level, "name": lv.name, **_non_empty(description=lv.description)} for lv in fw.levels
        ]
        data["levels"] = {"scheme": fw.level_scheme, "values": values}
    if fw.provenance:
        data["provenance"] = _provenance_document(fw.provenance)
    data["requirements"] = [_requirement_document(r, fw.provenance) for r in fw.requirements]
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": "framework", "framework": data}


def _requirement_document(req: RequirementDoc, default: Provenance | None) -> dict[str, Any]:
    row: dict[str, Any] = {"id": req.id, "parent": req.parent, "title": req.title}
    row.update(_non_empty(text=req.text))
    row.update({"kind": req.kind, "assessable": req.assessable, "order": req.order})
    if req.attributes:
        row["attributes"] = thawed(req.attributes)
    if req.provenance and req.provenance != default:
        row["provenance"] = _provenance_document(req.provenance)
    if req.guidance:
        row["guidance"] = guidance_document(req.guidance)
    return row


def _provenance_document(provenance: Provenance) -> dict[str, Any]:
    return {"source": provenance.source, "verified": provenance.verified, **_non_empty(note=provenance.note)}


def guidance_document(guidance: Guidance) -> dict[str, Any]:
    """The library-file form of a requirement's guidance; lists always present, so a file that leaves out an
    empty list and one that writes it hash the same."""
    return {
        "good": guidance.good,
        "evidence": list(guidance.evidence),
        "pitfalls": list(guidance.pitfalls),
        "source": guidance.source,
        "verified": guidance.verified,
    }


def mapping_set_to_document(ms: MappingSetDoc) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ms.id,
        "name": ms.name,
        "version": ms.version,
        "source_framework": ms.source_framework,
        "target_framework": ms.target_framework,
        "licence": ms.licence,
        **_non_empty(description=ms.description),
        "mappings": [
            {
                "source": m.source,
                "target": m.target,
                "relationship": m.relationship,
                "strength": m.strength,
                "rationale": m.rationale,
                "source_ref": m.source_ref,
                "verified": m.verified,
                **_non_empty(reviewer=m.reviewer),
            }
            for m in ms.mappings
        ],
    }
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": "mapping_set", "mapping_set": data}


def _non_empty(**values: str) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


def iter_requirements_depth_first(fw: FrameworkDoc) -> Iterator[tuple[int, RequirementDoc]]:
    """(depth, requirement) in reading order: each node followed by its children sorted by `order`."""
    children: dict[str | None, list[RequirementDoc]] = {}
    for req in fw.requirements:
        children.setdefault(req.parent, []).append(req)
    for siblings in children.values():
        siblings.sort(key=lambda r: r.order)
    stack = [(0, req) for req in reversed(children.get(None, []))]
    while stack:
        depth, req = stack.pop()
        yield depth, req
        stack.extend((depth + 1, child) for child in reversed(children.get(req.id, [])))
