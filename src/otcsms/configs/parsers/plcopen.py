"""PLCopen XML (IEC 61131-10, the TC6 exchange format; schema versions tc6.xsd, tc6_0200 and tc6_0201).

``config``: the project (content header name and version, producing tool), user data types, POUs by name
(type, interface variables by name with their section, position, type, initial value and address, and the
SHA-256 of the normalised body rather than the body), and the configurations with their global variables,
resources, tasks and program instances. Documentation never enters a checksum. Nothing is volatile: a
PLCopen project holds no process values.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from otcsms.configs.parsers import Parsed, ParseError
from otcsms.configs.parsers.safexml import fingerprint, local, namespace, parse_xml, root_name

KIND = "plcopen-xml"
LABEL = "PLCopen XML (IEC 61131-10)"

_NAMESPACE_MARK = b"plcopen.org/xml/tc6"
_VARIABLE_SECTIONS = {
    "inputVars": "input",
    "outputVars": "output",
    "inOutVars": "in_out",
    "localVars": "local",
    "tempVars": "temp",
    "externalVars": "external",
    "globalVars": "global",
    "accessVars": "access",
}
_NOT_LOGIC = ("documentation", "addData")  # vendor data (layout, editor state) is not logic either


def sniff(name: str, head: bytes) -> bool:
    return root_name(head) == "project" and _NAMESPACE_MARK in head


def parse(data: bytes) -> Parsed:
    root = parse_xml(data)
    ns = namespace(root)
    if local(root.tag) != "project" or "plcopen.org/xml/tc6" not in ns:
        raise ParseError(
            f"not a PLCopen XML project: the root element is <{local(root.tag)}> in {ns or 'no namespace'}"
        )
    file_header = root.find(f"{ns}fileHeader")
    content_header = root.find(f"{ns}contentHeader")
    if file_header is None or content_header is None:
        raise ParseError("PLCopen project without <fileHeader> and <contentHeader>")
    config = {
        "project": {
            "name": content_header.get("name"),
            "version": content_header.get("version"),
            "organization": content_header.get("organization"),
            "language": content_header.get("language"),
        },
        "data_types": {
            _name(t): {"sha256": fingerprint(t, _NOT_LOGIC)}
            for t in root.iterfind(f"{ns}types/{ns}dataTypes/{ns}dataType")
        },
        "pous": {_name(pou): _pou(pou, ns) for pou in root.iterfind(f"{ns}types/{ns}pous/{ns}pou")},
        "configurations": {
            _name(c): _configuration(c, ns)
            for c in root.iterfind(f"{ns}instances/{ns}configurations/{ns}configuration")
        },
    }
    meta = {
        "schema": ns.strip("{}"),
        "company": file_header.get("companyName"),
        "product": file_header.get("productName"),
        "product_version": file_header.get("productVersion"),
        "created": file_header.get("creationDateTime"),
        "modified": content_header.get("modificationDateTime"),
        "author": content_header.get("author"),
    }
    return Parsed(kind=KIND, config=config, meta={k: v for k, v in meta.items() if v is not None})


def type_name(type_element: etree._Element | None) -> str:
    """A ``<type>`` or ``<baseType>`` as IEC 61131-3 text: ``REAL``, ``PumpMode``, ``ARRAY [1..4] OF REAL``."""
    if type_element is None or not len(type_element):
        return ""
    inner = type_element[0]
    kind = local(inner.tag)
    ns = namespace(inner)
    if kind == "derived":
        return inner.get("name", "")
    if kind in ("string", "wstring"):
        length = inner.get("length")
        return f"{kind.upper()}[{length}]" if length else kind.upper()
    if kind == "array":
        bounds = ", ".join(f"{d.get('lower')}..{d.get('upper')}" for d in inner.iterfind(f"{ns}dimension"))
        return f"ARRAY [{bounds}] OF {type_name(inner.find(f'{ns}baseType'))}"
    if kind == "pointer":
        return f"POINTER TO {type_name(inner.find(f'{ns}baseType'))}"
    if kind in ("enum", "struct", "subrangeSigned", "subrangeUnsigned"):
        return f"{kind.upper()} sha256:{fingerprint(inner, _NOT_LOGIC)}"
    return kind


def _pou(pou: etree._Element, ns: str) -> dict[str, Any]:
    interface = pou.find(f"{ns}interface")
    result: dict[str, Any] = {
        "type": pou.get("pouType"),
        "return_type": type_name(interface.find(f"{ns}returnType")) if interface is not None else "",
        "variables": _variables(interface, ns) if interface is not None else {},
    }
    body = pou.find(f"{ns}body")
    if body is not None and len(body):
        result["language"] = local(body[0].tag)
        result["body_sha256"] = fingerprint(body, _NOT_LOGIC)
    # Actions and transitions are logic too (SFC): each by name with its own checksum.
    for group, key in (("actions", "action"), ("transitions", "transition")):
        found = {
            _name(item): fingerprint(item, _NOT_LOGIC) for item in pou.iterfind(f"{ns}{group}/{ns}{key}")
        }
        if found:
            result[group] = found
    return result


def _variables(container: etree._Element, ns: str) -> dict[str, Any]:
    """Variables by name; their position within their section stays, since calls may pass arguments by position."""
    variables: dict[str, Any] = {}
    for section in container:
        kind = _VARIABLE_SECTIONS.get(local(section.tag))
        if kind is None:
            continue
        for position, variable in enumerate(section.iterfind(f"{ns}variable")):
            name = _name(variable)
            if name in variables:
                raise ParseError(f"variable {name} is declared twice (second at line {variable.sourceline})")
            entry: dict[str, Any] = {
                "section": kind,
                "position": position,
                "type": type_name(variable.find(f"{ns}type")),
            }
            for flag in ("constant", "retain", "nonretain", "persistent"):
                if section.get(flag) in ("true", "1"):
                    entry[flag] = True
            if variable.get("address"):
                entry["address"] = variable.get("address")
            initial = variable.find(f"{ns}initialValue")
            if initial is not None:
                entry["initial"] = _initial_value(initial, ns)
            variables[name] = entry
    return variables


def _initial_value(initial: etree._Element, ns: str) -> str:
    simple = initial.find(f"{ns}simpleValue")
    if simple is not None:
        return simple.get("value", "")
    return f"sha256:{fingerprint(initial)}"  # array and struct initialisers: compared, not shown


def _configuration(configuration: etree._Element, ns: str) -> dict[str, Any]:
    return {
        "variables": _variables(configuration, ns),
        "resources": {_name(r): _resource(r, ns) for r in configuration.iterfind(f"{ns}resource")},
    }


def _resource(resource: etree._Element, ns: str) -> dict[str, Any]:
    return {
        "variables": _variables(resource, ns),
        "tasks": {
            _name(task): {
                "priority": task.get("priority"),
                "interval": task.get("interval"),
                "single": task.get("single"),
                "instances": {_name(i): i.get("typeName") for i in task.iterfind(f"{ns}pouInstance")},
            }
            for task in resource.iterfind(f"{ns}task")
        },
        "instances": {_name(i): i.get("typeName") for i in resource.iterfind(f"{ns}pouInstance")},
    }


def _name(element: etree._Element) -> str:
    name = element.get("name")
    if not name:
        raise ParseError(f"<{local(element.tag)}> at line {element.sourceline} has no name")
    return name
