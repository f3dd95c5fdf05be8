"""OPC UA NodeSet2 XML (OPC 10000-6 Annex F): an information model, or a server's address space exported.

``config``: the namespace table (a list: a node id's ``ns=`` index points into it), the models with their
versions and required models, the aliases, and the nodes keyed by NodeId with their class, browse name, data
type, access levels decoded to flags, type definition, parent and references (sorted, so the order of the
file does not matter). ``volatile``: the values of variables that change in operation (process values in a
server export). Values that are settings (``is_setting``: properties such as the serial number or engineering
units, limits, setpoints and thresholds, variables of a ParameterSet or Configuration object; never operating
hours, counters or a state machine's state) are part of the node in ``config`` as ``value``.

References are a map, ``"<ReferenceType>><target>": true`` for a forward reference and ``"<type><<target>"``
for an inverse one (``"HasComponent>ns=1;s=Pump1.Speed"``, ``"Organizes<i=85"``): a reference added or removed
is one change at its own path, and a large export's snapshot stays small (one map per node, not a dict per
reference).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from lxml import etree

from otcsms.configs.parsers import Parsed, ParseError
from otcsms.configs.parsers.safexml import bmp_only, collection_paused, local, namespace, parse_xml, root_name

KIND = "opcua-nodeset"
LABEL = "OPC UA NodeSet2 XML"

_NODE_CLASSES = {
    "UAObject": "Object",
    "UAVariable": "Variable",
    "UAMethod": "Method",
    "UAView": "View",
    "UAObjectType": "ObjectType",
    "UAVariableType": "VariableType",
    "UADataType": "DataType",
    "UAReferenceType": "ReferenceType",
}
# OPC 10000-3 §8.57 AccessLevelType: bit -> flag name
_ACCESS_BITS = (
    (0, "readable"),
    (1, "writable"),
    (2, "history_readable"),
    (3, "history_writable"),
    (4, "semantic_change"),
    (5, "status_writable"),
    (6, "timestamp_writable"),
)
# Attributes copied as they are (attribute -> key), when present, for the node classes that have them.
_PLAIN_ATTRIBUTES = (
    ("DataType", "data_type"),
    ("ValueRank", "value_rank"),
    ("ArrayDimensions", "array_dimensions"),
    ("MinimumSamplingInterval", "minimum_sampling_interval"),
    ("Historizing", "historizing"),
    ("IsAbstract", "is_abstract"),
    ("Symmetric", "symmetric"),
    ("EventNotifier", "event_notifier"),
    ("Executable", "executable"),
    ("UserExecutable", "user_executable"),
    ("MethodDeclarationId", "method_declaration"),
    ("WriteMask", "write_mask"),
    ("UserWriteMask", "user_write_mask"),
    ("RolePermissions", "role_permissions"),
    ("ParentNodeId", "parent"),
)
_PLAIN = dict(_PLAIN_ATTRIBUTES)


def sniff(name: str, head: bytes) -> bool:
    return root_name(head) == "UANodeSet"


def parse(data: bytes) -> Parsed:
    with collection_paused():
        return _parse(data)


def _parse(data: bytes) -> Parsed:
    root = parse_xml(data)
    if local(root.tag) != "UANodeSet":
        raise ParseError(
            f"not an OPC UA NodeSet2 file: the root element is <{local(root.tag)}>, not <UANodeSet>"
        )
    ns = namespace(root)
    models = _models(root, ns)
    nodes: dict[str, Any] = {}
    values: dict[str, Any] = {}
    tags = _Tags(ns)
    classes = tags.classes
    for element in root:
        # By the qualified tag (no local name worked out per node); the local name only for the few others
        # (namespace table, models, aliases), so a node in another namespace is still read as before.
        node_class = classes.get(element.tag) or _NODE_CLASSES.get(local(element.tag))
        if node_class is None:
            continue
        node_id, node, value = _node(element, node_class, tags)
        if node_id in nodes:
            raise ParseError(f"NodeId {node_id} is defined twice (second at line {element.sourceline})")
        nodes[node_id] = node
        if value is not None and len(value):
            values[node_id] = xml_value(value[0])
    aliases = {a.get("Alias", ""): (a.text or "").strip() for a in root.iterfind(f"{ns}Aliases/{ns}Alias")}
    parents: dict[str, bool | None] = {}  # what a parent says of its variables, worked out once per parent
    for node_id in [n for n in values if is_setting(nodes, n, aliases, parents)]:
        nodes[node_id]["value"] = values.pop(node_id)
    config = {
        "namespaces": [uri.text or "" for uri in root.iterfind(f"{ns}NamespaceUris/{ns}Uri")],
        "models": models,
        "aliases": aliases,
        "nodes": nodes,
    }
    meta: dict[str, Any] = {"nodes": len(nodes)}
    if models:
        first = next(iter(models.items()))
        meta.update(model=first[0], version=first[1].get("version"))
    if root.get("LastModified"):
        meta["last_modified"] = root.get("LastModified")
    # Every value above is a string, a boolean, None or a container of them (no numbers), keyed by strings.
    return Parsed(kind=KIND, config=config, volatile={"values": values}, meta=meta, plain=bmp_only(data))


# Which variable values are settings (configuration: compared, judged) rather than process values (volatile).
_PROPERTY_TYPE = "i=68"
# State machine variables (their Id, Number... properties move as the machine runs)
_STATE_TYPES = frozenset({"i=2755", "i=2760", "i=2762", "i=2767"})
_SETTINGS_FOLDERS = frozenset({"parameterset", "configuration", "settings", "parameters", "setup"})
_RUNTIME_NAME = re.compile(
    r"(duration|count|counter|hours|time|timestamp|uptime|lifetime|usage)$", re.IGNORECASE
)
_SETTING_NAME = re.compile(
    r"^(upper|lower|high|low|min|max)|limit|setpoint|threshold|preset|deadband|hysteresis", re.IGNORECASE
)


def _browse(node: dict[str, Any] | None) -> str:
    return (node or {}).get("browse_name", "").rpartition(":")[2]


def is_setting(
    nodes: dict[str, Any],
    node_id: str,
    aliases: dict[str, str],
    parents: dict[str, bool | None] | None = None,
) -> bool:
    """Whether a variable's value is a setting: a property (manufacturer, serial number, engineering units,
    ranges), a limit, setpoint, threshold or preset by its name, or a variable of a ParameterSet / Configuration
    object; but never a running total (operating hours, counters, durations, times) nor a state machine's
    current state."""
    node = nodes[node_id]
    running, setting = _name_says(_browse(node))
    if running:
        return False
    parent_id = node.get("parent", "")
    if parents is not None and parent_id in parents:
        verdict = parents[parent_id]
    else:
        verdict = _parent_verdict(nodes.get(parent_id), aliases)
        if parents is not None:
            parents[parent_id] = verdict
    if verdict is not None:
        return verdict
    type_definition = aliases.get(node.get("type_definition", ""), node.get("type_definition", ""))
    return type_definition == _PROPERTY_TYPE or setting


@functools.lru_cache(maxsize=4096)
def _name_says(name: str) -> tuple[bool, bool]:
    """Whether a browse name is a running total's, and whether it is a setting's: the same few hundred names
    repeat across an export's thousands of variables, so each is matched once."""
    return bool(_RUNTIME_NAME.search(name)), bool(_SETTING_NAME.search(name))


def _parent_verdict(parent: dict[str, Any] | None, aliases: dict[str, str]) -> bool | None:
    """False under a state machine, True in a settings folder, None when the parent says nothing."""
    if parent is None:
        return None
    parent_type = aliases.get(parent.get("type_definition", ""), parent.get("type_definition", ""))
    if parent_type in _STATE_TYPES:
        return False
    if _browse(parent).lower() in _SETTINGS_FOLDERS:
        return True
    return None


def access_flags(level: int) -> dict[str, bool]:
    """An AccessLevel (or UserAccessLevel) byte decoded to named flags."""
    return dict(_DECODED[level & 0xFF])


# readable and writable always, the rarer flags only when set: a flag turned on still shows as an added key,
# and a large export's snapshot stays small.
_DECODED = tuple(
    {name: bool(level >> bit & 1) for bit, name in _ACCESS_BITS if bit < 2 or level >> bit & 1}
    for level in range(256)
)


def xml_value(element: etree._Element) -> Any:
    """A ``<Value>``'s content as JSON: a leaf is its text, a ``ListOf…`` a list, a structure a map."""
    if not len(element):  # a leaf, the usual value: no list of children made
        text = element.text
        return text.strip() if text else ""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        return (element.text or "").strip()
    if local(element.tag).startswith("ListOf"):
        return [xml_value(child) for child in children]
    result: dict[str, Any] = {}
    for child in children:
        key = local(child.tag)
        item = xml_value(child)
        if key in result:  # repeated fields (a structure's array member) become a list
            previous = result[key]
            result[key] = [*previous, item] if isinstance(previous, list) else [previous, item]
        else:
            result[key] = item
    return result


def _models(root: etree._Element, ns: str) -> dict[str, Any]:
    models: dict[str, Any] = {}
    for model in root.iterfind(f"{ns}Models/{ns}Model"):
        uri = model.get("ModelUri", "")
        models[uri] = {
            "version": model.get("Version"),
            "publication_date": model.get("PublicationDate"),
            "required": {
                required.get("ModelUri", ""): {
                    "version": required.get("Version"),
                    "publication_date": required.get("PublicationDate"),
                }
                for required in model.iterfind(f"{ns}RequiredModel")
            },
        }
    return models


class _Tags:
    """The qualified tags the parse compares elements with, made once per document (an element's tag is compared
    as it comes, ``{namespace}Name``, instead of its local name being worked out per element)."""

    def __init__(self, ns: str) -> None:
        self.references, self.display, self.value = f"{ns}References", f"{ns}DisplayName", f"{ns}Value"
        self.classes = {f"{ns}{tag}": node_class for tag, node_class in _NODE_CLASSES.items()}


def _node(
    element: etree._Element, node_class: str, tags: _Tags
) -> tuple[str, dict[str, Any], etree._Element | None]:
    """A node's NodeId, config and ``<Value>`` element (a variable's or variable type's), in one pass."""
    # Hot path of large exports (a 20 MB NodeSet is 33,000 nodes and 100,000 references): each attribute and
    # each child is read once, through lxml's cheapest accessors (items(), one get per reference), with no
    # per-element Python beyond building the node; values are not decoded here.
    node: dict[str, Any] = {"class": node_class, "browse_name": ""}
    node_id = access = user_access = None
    plain = _PLAIN
    for attribute, text in element.items():
        key = plain.get(attribute)
        if key is not None:
            node[key] = text
        elif attribute == "NodeId":
            node_id = text
        elif attribute == "BrowseName":
            node["browse_name"] = text
        elif attribute == "AccessLevel":
            access = text
        elif attribute == "UserAccessLevel":
            user_access = text
    if not node_id:
        raise ParseError(f"<{local(element.tag)}> at line {element.sourceline} has no NodeId")
    if node_class == "Variable":
        node["access_level"] = dict(_DECODED[_byte(node_id, element, access, "AccessLevel")])
        node["user_access_level"] = dict(_DECODED[_byte(node_id, element, user_access, "UserAccessLevel")])
    references: dict[str, bool] = {}
    value = None
    for child in element:
        tag = child.tag
        if tag == tags.references:
            for reference in child:
                get = reference.get
                reference_type = get("ReferenceType", "")
                text = reference.text
                target = text.strip() if text else ""
                forward = get("IsForward")
                if forward is None or forward.lower() != "false":
                    if reference_type == "HasTypeDefinition":
                        node["type_definition"] = target
                    references[f"{reference_type}>{target}"] = True
                else:
                    references[f"{reference_type}<{target}"] = True
        elif tag == tags.value:
            if node_class in ("Variable", "VariableType"):
                value = child
        elif tag == tags.display and "display_name" not in node:
            text = child.text
            node["display_name"] = text.strip() if text else ""
    node["references"] = references
    return node_id, node, value


def _byte(node_id: str, element: etree._Element, raw: str | None, attribute: str) -> int:
    if raw is None:
        return 1  # the NodeSet schema's default: CurrentRead only
    try:
        return int(raw) & 0xFF
    except ValueError:
        raise ParseError(
            f"{attribute}={raw!r} on {node_id} (line {element.sourceline}) is not a number"
        ) from None
