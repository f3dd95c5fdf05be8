"""Convert between otcsms frameworks and OSCAL 1.1 catalogs and profiles (plain dicts, no Django).

Export: top-level requirements become groups (or catalog-level controls when they have no children); everything
below becomes controls nested in controls. OSCAL ids must be tokens, so each id is converted ('IA-2(1)' ->
'ia-2.1', 'SR 1.1 RE 1' -> 'sr-1.1-re-1', '4.2.3' -> '_4.2.3') and the original id is kept in a `label` prop,
which is what the import reads back. Our own facts (kind, assessable, attributes, provenance) travel as props in
the otcsms namespace; a requirement's guidance is an OSCAL 'guidance' part.

Profiles are imported as a baseline attribute on an existing framework (`apply_profile_baseline`), not as a new
framework: a baseline is a selection of controls whose text lives in the catalog, and a gap assessment against
"800-53 MODERATE" is an assessment of 800-53 restricted to that selection.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

from otcsms.catalogs.libformat import (
    FORMAT,
    FORMAT_VERSION,
    FrameworkDoc,
    Guidance,
    Level,
    LibraryError,
    Problem,
    Provenance,
    RequirementDoc,
    frozen,
    thawed,
    validate_document,
)
from otcsms.core.inputs import parse_int

OSCAL_VERSION = "1.1.2"
OTCSMS_NS = "https://otcsms.org/ns/oscal"
# Fixed namespace so that the same framework id and version always export with the same catalog uuid.
_UUID_NAMESPACE = uuid.UUID("6f1d3c52-8f0e-5a4b-9c1d-2b7e4a9f0c11")
_INSERT_PARAM = re.compile(r"\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}")
_BLANK_BEFORE_PUNCTUATION = re.compile(r"\]\s+([;:,.])")
_BASELINE_NAME = re.compile(r"^[A-Z][A-Z0-9_-]{0,31}$")
_NIST_CONTROL_ID = re.compile(r"^([a-z]{2})-(\d+)(?:\.(\d+))?$")
_PROVENANCE_PROPS = ("provenance-source", "provenance-verified", "provenance-note")
_OWN_PROPS = ("kind", "assessable", *_PROVENANCE_PROPS)
OSCAL_LABEL = "<oscal>"


# ---------------------------------------------------------------------------------------------- export


def framework_to_oscal_catalog(fw: FrameworkDoc, *, last_modified: datetime | None = None) -> dict[str, Any]:
    """An OSCAL catalog document ({"catalog": {...}}) for a framework."""
    tokens = oscal_tokens([r.id for r in fw.requirements])
    children = _children_by_parent(fw.requirements)
    top = children.get(None, [])
    catalog: dict[str, Any] = {
        "uuid": str(uuid.uuid5(_UUID_NAMESPACE, f"{fw.id}@{fw.version}")),
        "metadata": _metadata(fw, last_modified or datetime.now(UTC)),
    }
    controls = [_control(r, tokens, children, fw.provenance) for r in top if r.id not in children]
    groups = [_group(r, tokens, children, fw.provenance) for r in top if r.id in children]
    if groups:
        catalog["groups"] = groups
    if controls:
        catalog["controls"] = controls
    return {"catalog": catalog}


def oscal_tokens(identifiers: Iterable[str]) -> dict[str, str]:
    """OSCAL-valid, unique token for each identifier, in the style NIST uses for SP 800-53 ('ac-2.1')."""
    tokens: dict[str, str] = {}
    used: set[str] = set()
    for identifier in identifiers:
        base = oscal_token(identifier)
        token, n = base, 1
        while token in used:
            n += 1
            token = f"{base}-{n}"
        used.add(token)
        tokens[identifier] = token
    return tokens


def oscal_token(identifier: str) -> str:
    token = re.sub(r"\((\w+)\)", r".\1", identifier)
    token = re.sub(r"[^A-Za-z0-9._-]+", "-", token).strip("-").lower()
    return token if re.match(r"[a-z_]", token) else f"_{token}"


def _children_by_parent(requirements: Iterable[RequirementDoc]) -> dict[str | None, list[RequirementDoc]]:
    children: dict[str | None, list[RequirementDoc]] = {}
    for req in requirements:
        children.setdefault(req.parent, []).append(req)
    for siblings in children.values():
        siblings.sort(key=lambda r: r.order)
    return children


def _metadata(fw: FrameworkDoc, last_modified: datetime) -> dict[str, Any]:
    props = [
        _prop("framework-id", fw.id),
        _prop("publisher", fw.publisher),
        _prop("licence", fw.licence),
        _prop("copyright-note", fw.copyright_note),
        *(_level_prop(lv, fw.level_scheme) for lv in fw.levels),
        *_provenance_props(fw.provenance, None),
    ]
    metadata: dict[str, Any] = {
        "title": _one_line(fw.name),
        "last-modified": last_modified.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "version": _one_line(fw.version),
        "oscal-version": OSCAL_VERSION,
        "props": [p for p in props if p],
    }
    if fw.description:
        metadata["remarks"] = fw.description
    return metadata


def _group(
    req: RequirementDoc,
    tokens: Mapping[str, str],
    children: Mapping[str | None, list[RequirementDoc]],
    default: Provenance | None,
) -> dict[str, Any]:
    group = _node(req, tokens, default)
    group["controls"] = [_control(c, tokens, children, default) for c in children[req.id]]
    return group


def _control(
    req: RequirementDoc,
    tokens: Mapping[str, str],
    children: Mapping[str | None, list[RequirementDoc]],
    default: Provenance | None,
) -> dict[str, Any]:
    control = _node(req, tokens, default)
    if req.id in children:
        control["controls"] = [_control(c, tokens, children, default) for c in children[req.id]]
    return control


def _node(req: RequirementDoc, tokens: Mapping[str, str], default: Provenance | None) -> dict[str, Any]:
    token = tokens[req.id]
    props = [
        {"name": "label", "value": req.id},
        _prop("kind", req.kind),
        _prop("assessable", _json_text(req.assessable)),
        *_attribute_props(req.attributes),
        *_provenance_props(req.provenance, default),
    ]
    if req.attributes.get("withdrawn"):
        props.append({"name": "status", "value": "withdrawn"})
    node: dict[str, Any] = {"id": token, "title": _one_line(req.title), "props": [p for p in props if p]}
    parts = []
    if req.text:
        parts.append({"id": f"{token}_smt", "name": "statement", "prose": req.text})
    if req.guidance:
        parts.append(_guidance_part(req.guidance, token))
    if parts:
        node["parts"] = parts
    return node


def _guidance_part(guidance: Guidance, token: str) -> dict[str, Any]:
    """OSCAL's own 'guidance' part: what good looks like as its prose, the evidence and pitfall items as
    sub-parts and the guidance's provenance as props, both in the otcsms namespace (which is what the import
    reads back; a guidance part without them, such as NIST's discussion, is left out)."""
    props = [
        _prop("guidance-source", guidance.source),
        _prop("guidance-verified", _json_text(guidance.verified)),
    ]
    items = [
        {"id": f"{token}_gdn_{prefix}{n}", "name": name, "ns": OTCSMS_NS, "prose": prose}
        for name, prefix, texts in (
            ("evidence", "ev", guidance.evidence),
            ("pitfall", "pf", guidance.pitfalls),
        )
        for n, prose in enumerate(texts, start=1)
    ]
    part: dict[str, Any] = {
        "id": f"{token}_gdn",
        "name": "guidance",
        "props": [p for p in props if p],
        "prose": guidance.good,
    }
    if items:
        part["parts"] = items
    return part


def _prop(name: str, value: str, *, cls: str | None = None) -> dict[str, str] | None:
    value = _one_line(value)
    if not value:
        return None
    prop = {"name": name, "ns": OTCSMS_NS, "value": value}
    if cls:
        prop["class"] = cls
    return prop


def _level_prop(level: Level, scheme: str | None) -> dict[str, str] | None:
    prop = _prop("level", f"{level.level}: {level.name}", cls=scheme)
    if prop is not None and level.description:
        prop["remarks"] = level.description
    return prop


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _attribute_props(attributes: Mapping[str, Any]) -> list[dict[str, str] | None]:
    """Strings travel as they are, other values as JSON (class 'json'); each list item is its own prop
    (class 'item' or 'item-json'), which is how OSCAL tools expect repeated facts."""
    props: list[dict[str, str] | None] = []
    for name, value in attributes.items():
        if isinstance(value, list | tuple):
            props.extend(_value_prop(name, thawed(item), "item") for item in value)
        else:
            props.append(_value_prop(name, thawed(value), None))
    return props


def _value_prop(name: str, value: Any, list_class: str | None) -> dict[str, str] | None:
    plain = isinstance(value, str) and value == _one_line(value) and value != ""
    cls = list_class if plain else (f"{list_class}-json" if list_class else "json")
    return _prop(name, value if plain else _json_text(value), cls=cls)


def _provenance_props(
    provenance: Provenance | None, default: Provenance | None
) -> list[dict[str, str] | None]:
    if provenance is None or provenance == default:
        return []
    return [
        _prop("provenance-source", provenance.source),
        _prop("provenance-verified", _json_text(provenance.verified)),
        _prop("provenance-note", provenance.note),
    ]


# ---------------------------------------------------------------------------------------------- import


def oscal_catalog_to_framework(doc: Mapping[str, Any], *, framework_id: str | None = None) -> FrameworkDoc:
    """A framework from an OSCAL catalog (ours, or e.g. NIST's SP 800-53 catalog): groups and controls become
    requirements, ids come from each node's `label` prop, statements are flattened to text. The result is
    validated like any library file; LibraryError lists what does not fit."""
    with _malformed_is_a_library_error("catalog"):
        return _catalog_to_framework(doc, framework_id)


@contextmanager
def _malformed_is_a_library_error(what: str) -> Iterator[None]:
    """Input from outside may have any shape; a wrong one must be a clear LibraryError, never a traceback."""
    try:
        yield
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError) as error:
        reason = f"malformed OSCAL {what}: {type(error).__name__}: {error}"
        raise LibraryError([Problem(OSCAL_LABEL, "", reason[:300])]) from None


def _catalog_to_framework(doc: Mapping[str, Any], framework_id: str | None) -> FrameworkDoc:
    catalog = _catalog_object(doc)
    metadata = catalog["metadata"]
    own = _own_props(metadata.get("props", []))
    params = _all_params(catalog)
    rows: list[dict[str, Any]] = []
    for group in catalog.get("groups", []):
        _collect(group, None, is_group=True, params=params, rows=rows)
    for control in catalog.get("controls", []):
        _collect(control, None, is_group=False, params=params, rows=rows)
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": "framework",
        "framework": _framework_fields(metadata, own, framework_id, rows),
    }
    # The document says kind 'framework', so validation returns a FrameworkDoc or raises.
    return cast(FrameworkDoc, validate_document(document, OSCAL_LABEL))


def _catalog_object(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    catalog = doc.get("catalog", doc) if isinstance(doc, Mapping) else None
    if not isinstance(catalog, Mapping) or not isinstance(catalog.get("metadata"), Mapping):
        raise LibraryError([Problem(OSCAL_LABEL, "", "not an OSCAL catalog: expected catalog.metadata")])
    for key in ("groups", "controls"):
        if not isinstance(catalog.get(key, []), list):
            raise LibraryError([Problem(OSCAL_LABEL, f"/catalog/{key}", "must be a list")])
    return catalog


def _framework_fields(
    metadata: Mapping[str, Any], own: Mapping[str, list[dict[str, Any]]], framework_id: str | None, rows: list
) -> dict[str, Any]:
    title = _one_line(metadata.get("title", "")) or "Imported OSCAL catalog"
    fields: dict[str, Any] = {
        "id": framework_id or _first_value(own, "framework-id") or _slug(title),
        "name": title,
        "version": _one_line(str(metadata.get("version", ""))) or "unversioned",
        "publisher": _first_value(own, "publisher") or _first_party(metadata) or "unknown",
        "licence": _first_value(own, "licence") or "as stated by the publisher of the catalog",
    }
    note = _first_value(own, "copyright-note")
    if note:
        fields["copyright_note"] = note
    if metadata.get("remarks"):
        fields["description"] = str(metadata["remarks"])
    levels = own.get("level", [])
    if levels:
        fields["levels"] = {"scheme": levels[0].get("class"), "values": [_level(p) for p in levels]}
    provenance = _provenance_from_props(own)
    fields["provenance"] = provenance or {
        "source": f"OSCAL catalog: {title} {fields['version']}",
        "verified": False,
        "note": "imported from an OSCAL catalog",
    }
    fields["requirements"] = rows
    return fields


def _level(prop: Mapping[str, Any]) -> dict[str, Any]:
    value = str(prop.get("value", ""))
    number, _, name = value.partition(":")
    parsed = parse_int(number, minimum=0, maximum=100)
    level: dict[str, Any] = {
        "level": parsed if parsed is not None else -1,
        "name": name.strip() or value,
    }
    if prop.get("remarks"):
        level["description"] = str(prop["remarks"])
    return level


def _first_party(metadata: Mapping[str, Any]) -> str:
    for party in metadata.get("parties", []):
        if isinstance(party, Mapping) and party.get("name"):
            return _one_line(party["name"])
    return ""


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", title.lower()).strip("-.")[:100] or "imported-catalog"


def _collect(
    node: Mapping[str, Any],
    parent: dict[str, Any] | None,
    *,
    is_group: bool,
    params: Mapping[str, Mapping[str, Any]],
    rows: list[dict[str, Any]],
) -> None:
    row = _row(node, parent, is_group=is_group, params=params, order=len(rows))
    rows.append(row)
    for group in node.get("groups", []) if is_group else []:
        _collect(group, row, is_group=True, params=params, rows=rows)
    for control in node.get("controls", []):
        _collect(control, row, is_group=False, params=params, rows=rows)


def _row(
    node: Mapping[str, Any],
    parent: dict[str, Any] | None,
    *,
    is_group: bool,
    params: Mapping[str, Mapping[str, Any]],
    order: int,
) -> dict[str, Any]:
    props = [p for p in node.get("props", []) if isinstance(p, Mapping)]
    own = _own_props(props)
    withdrawn = any(p.get("name") == "status" and p.get("value") == "withdrawn" for p in props)
    attributes = _attributes_from(own)
    if withdrawn:
        attributes.setdefault("withdrawn", True)
    kind = _first_value(own, "kind") or _default_kind(node, parent, is_group)
    assessable = _first_value(own, "assessable")
    row: dict[str, Any] = {
        "id": _node_label(node, props, is_group),
        "parent": parent["id"] if parent else None,
        "title": _one_line(_string(node, "title")) or str(node.get("id", "")),
        "kind": kind,
        "assessable": assessable == "true" if assessable else (not is_group and not withdrawn),
        "order": order,
    }
    text = statement_text(node.get("parts", []), params)
    if text:
        row["text"] = text
    if attributes:
        row["attributes"] = attributes
    provenance = _provenance_from_props(own)
    if provenance:
        row["provenance"] = provenance
    guidance = _guidance_from_parts(node.get("parts", []))
    if guidance:
        row["guidance"] = guidance
    return row


def _guidance_from_parts(parts: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The guidance an otcsms export wrote (a 'guidance' part carrying our provenance props), as a row's
    guidance; other catalogs' guidance parts are not ours to restate and are left out."""
    for part in parts:
        if not isinstance(part, Mapping) or part.get("name") != "guidance" or part.get("ns"):
            continue
        own = _own_props(part.get("props", []))
        source = _first_value(own, "guidance-source")
        if not source:
            continue
        items = [p for p in part.get("parts", []) if isinstance(p, Mapping) and p.get("ns") == OTCSMS_NS]
        return {
            "good": str(part.get("prose", "")),
            "evidence": [str(p.get("prose", "")) for p in items if p.get("name") == "evidence"],
            "pitfalls": [str(p.get("prose", "")) for p in items if p.get("name") == "pitfall"],
            "source": source,
            "verified": _first_value(own, "guidance-verified") == "true",
        }
    return None


def _string(node: Mapping[str, Any], key: str) -> str:
    value = node.get(key, "")
    if not isinstance(value, str):
        raise TypeError(f"{key} of {node.get('id')!r} must be a string")
    return value


def _node_label(node: Mapping[str, Any], props: Sequence[Mapping[str, Any]], is_group: bool) -> str:
    labels = [p for p in props if p.get("name") == "label" and not p.get("ns")]
    plain = [p for p in labels if not p.get("class")]
    chosen = plain[0] if plain else labels[0] if labels else None
    if chosen is not None:
        return str(chosen["value"])
    identifier = str(node.get("id", ""))
    # NIST's family groups ('ac') carry no label; the family is written 'AC' everywhere else.
    return identifier.upper() if is_group and node.get("class") == "family" else identifier


def _default_kind(node: Mapping[str, Any], parent: Mapping[str, Any] | None, is_group: bool) -> str:
    if is_group:
        return "family" if node.get("class") == "family" else "group"
    parent_is_control = parent is not None and parent["kind"] in ("control", "enhancement")
    return (
        "enhancement"
        if parent_is_control or str(node.get("class", "")).endswith("enhancement")
        else "control"
    )


def _own_props(props: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for prop in props:
        if isinstance(prop, Mapping) and prop.get("ns") == OTCSMS_NS:
            grouped.setdefault(str(prop.get("name")), []).append(dict(prop))
    return grouped


def _first_value(own: Mapping[str, list[dict[str, Any]]], name: str) -> str:
    values = own.get(name, [])
    return str(values[0]["value"]) if values else ""


def _attributes_from(own: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for name, props in own.items():
        if name in _OWN_PROPS:
            continue
        values = [_decode(p) for p in props]
        is_list = any(str(p.get("class", "")).startswith("item") for p in props)
        attributes[name] = values if is_list or len(values) > 1 else values[0]
    return attributes


def _decode(prop: Mapping[str, Any]) -> Any:
    value = prop.get("value", "")
    if str(prop.get("class", "")).endswith("json"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _provenance_from_props(own: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any] | None:
    source = _first_value(own, "provenance-source")
    if not source:
        return None
    provenance: dict[str, Any] = {
        "source": source,
        "verified": _first_value(own, "provenance-verified") == "true",
    }
    note = _first_value(own, "provenance-note")
    if note:
        provenance["note"] = note
    return provenance


# ---------------------------------------------------------------------------------------------- statements


def _all_params(catalog: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    params: dict[str, Mapping[str, Any]] = {}
    stack: list[Mapping[str, Any]] = [catalog]
    while stack:
        node = stack.pop()
        for param in node.get("params", []):
            if isinstance(param, Mapping) and "id" in param:
                params[str(param["id"])] = param
        stack.extend(n for key in ("groups", "controls") for n in node.get(key, []) if isinstance(n, Mapping))
    return params


def statement_text(parts: Iterable[Mapping[str, Any]], params: Mapping[str, Mapping[str, Any]]) -> str:
    """The control statement as plain text: items on their own lines with their labels ('a.', '1.'),
    indented by depth, and parameters written the way NIST prints them ('[Assignment: organization-defined
    frequency]', '[Selection (one or more): ...]')."""
    lines: list[str] = []
    for part in parts:
        if isinstance(part, Mapping) and part.get("name") == "statement":
            _statement_lines(part, params, depth=0, lines=lines)
    return "\n".join(lines)


def _statement_lines(
    part: Mapping[str, Any], params: Mapping[str, Mapping[str, Any]], *, depth: int, lines: list[str]
) -> None:
    label = next((str(p["value"]) for p in part.get("props", []) if p.get("name") == "label"), "")
    prose = _tidy_prose(resolve_params(str(part.get("prose", "")), params))
    if prose or label:
        lines.append("  " * depth + " ".join(x for x in (label, prose) if x))
    child_depth = depth + 1 if (prose or label) and part.get("name") != "statement" else depth
    for child in part.get("parts", []):
        if isinstance(child, Mapping) and child.get("name") in ("item", "statement"):
            _statement_lines(child, params, depth=child_depth, lines=lines)


def _tidy_prose(prose: str) -> str:
    """Blanks collapsed within each line; line breaks and indentation kept (our own exports carry nested
    items as indented lines of one prose)."""
    lines = []
    for line in prose.splitlines():
        body = " ".join(line.split())
        if body:
            lines.append(line[: len(line) - len(line.lstrip(" "))] + body)
    if lines:
        lines[0] = lines[0].lstrip(" ")
    return "\n".join(lines)


def resolve_params(prose: str, params: Mapping[str, Mapping[str, Any]], _depth: int = 0) -> str:
    if _depth > 5:  # choices may insert parameters; a self-referencing catalog must not recurse forever
        return prose
    text = _INSERT_PARAM.sub(lambda m: _render_param(m.group(1), params, _depth), prose)
    # NIST's prose keeps a blank between an inserted parameter and the punctuation after it.
    return _BLANK_BEFORE_PUNCTUATION.sub(r"]\1", text)


def _render_param(param_id: str, params: Mapping[str, Mapping[str, Any]], depth: int) -> str:
    param = params.get(param_id, {})
    if param.get("values"):
        return ", ".join(map(str, param["values"]))
    select = param.get("select")
    if isinstance(select, Mapping):
        choices = [_one_line(resolve_params(str(c), params, depth + 1)) for c in select.get("choice", [])]
        how = "Selection (one or more)" if select.get("how-many") == "one-or-more" else "Selection"
        return f"[{how}: {'; '.join(choices)}]"
    label = _one_line(str(param.get("label", ""))) or param_id
    if not label.startswith("organization-defined"):
        label = f"organization-defined {label}"
    return f"[Assignment: {label}]"


# ---------------------------------------------------------------------------------------------- profiles


def oscal_profile_to_selection(doc: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(profile title, selected control ids) from an OSCAL profile that lists its controls by id. Ids in
    NIST's SP 800-53 form ('ac-2.1') are returned as the standard writes them ('AC-2(1)')."""
    with _malformed_is_a_library_error("profile"):
        return _profile_selection(doc)


def _profile_selection(doc: Mapping[str, Any]) -> tuple[str, list[str]]:
    profile = doc.get("profile", doc) if isinstance(doc, Mapping) else None
    if not isinstance(profile, Mapping) or not isinstance(profile.get("imports"), list):
        raise LibraryError([Problem(OSCAL_LABEL, "", "not an OSCAL profile: expected profile.imports")])
    title = _one_line(str(profile.get("metadata", {}).get("title", ""))) or "Imported profile"
    selected: dict[str, None] = {}
    excluded: set[str] = set()
    for index, entry in enumerate(profile["imports"]):
        where = f"/profile/imports/{index}"
        if "include-all" in entry:
            reason = "include-all needs the catalog to resolve; import a resolved profile catalog instead"
            raise LibraryError([Problem(OSCAL_LABEL, where, reason)])
        for ids in _with_ids(entry.get("include-controls", []), where):
            selected.update(dict.fromkeys(ids))
        for ids in _with_ids(entry.get("exclude-controls", []), where):
            excluded.update(ids)
    return title, [label_from_oscal_id(i) for i in selected if i not in excluded]


def _with_ids(selections: Iterable[Mapping[str, Any]], where: str) -> Iterable[list[str]]:
    for selection in selections:
        if "matching" in selection:
            reason = "selection by pattern ('matching') is not supported; list the control ids"
            raise LibraryError([Problem(OSCAL_LABEL, where, reason)])
        yield [str(i) for i in selection.get("with-ids", [])]


def label_from_oscal_id(control_id: str) -> str:
    match = _NIST_CONTROL_ID.match(control_id)
    if not match:
        return control_id
    family, number, enhancement = match.groups()
    base = f"{family.upper()}-{number}"
    return f"{base}({enhancement})" if enhancement else base


def profile_baseline_name(title: str) -> str:
    """'NIST Special Publication 800-53 Revision 5.1.1 MODERATE IMPACT BASELINE' -> 'MODERATE'; other titles
    become an upper-case token."""
    for name in ("LOW", "MODERATE", "HIGH"):
        if re.search(rf"\b{name}\b", title.upper()):
            return name
    return (re.sub(r"[^A-Z0-9]+", "-", title.upper()).strip("-") or "PROFILE")[:32]


def apply_profile_baseline(fw: FrameworkDoc, baseline: str, control_ids: Iterable[str]) -> FrameworkDoc:
    """A copy of `fw` whose selected requirements carry `baseline` in their `baselines` attribute."""
    if not _BASELINE_NAME.match(baseline):
        reason = f"baseline name {baseline!r} must be an upper-case token such as MODERATE"
        raise LibraryError([Problem(OSCAL_LABEL, "/profile/metadata/title", reason)])
    wanted = set(control_ids)
    unknown = sorted(wanted - fw.requirement_ids())
    if unknown:
        reason = f"profile selects requirements not in {fw.id}: {', '.join(unknown[:10])}"
        raise LibraryError([Problem(OSCAL_LABEL, "/profile/imports", reason)])
    requirements = tuple(_with_baseline(r, baseline) if r.id in wanted else r for r in fw.requirements)
    return replace(fw, requirements=requirements)


def _with_baseline(req: RequirementDoc, baseline: str) -> RequirementDoc:
    attributes = thawed(req.attributes)
    baselines = [b for b in attributes.get("baselines", []) if b != baseline]
    attributes["baselines"] = [*baselines, baseline]
    return replace(req, attributes=frozen(attributes))
