"""Rockwell Logix Designer exports (L5X): the controller, its I/O modules, tags, programs and tasks.

``config``: the controller (name, processor type, firmware revision major.minor, security, safety and
redundancy settings), user data types and add-on instructions (by name, with a checksum of their
definition), modules by name (catalog number, revision, electronic keying, parent, ports), tags by name
(program tags as ``Program:<program>.<tag>``, Logix's own syntax) with data type, external access, constant
and scope, programs with their routines by name and the SHA-256 of each routine's normalised logic (not the
logic itself), and tasks. ``volatile``: tag values (the Decorated form when exported, else the L5K text),
except those that are settings: a constant tag's value and a timer's or counter's preset (``PRE``) are in the
tag's ``config`` entry (``value``, ``preset``).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from otcsms.configs.parsers import Parsed, ParseError
from otcsms.configs.parsers.safexml import fingerprint, local, parse_xml, root_name

KIND = "l5x"
LABEL = "Rockwell Logix Designer export (L5X)"

# Not logic: documentation, and the per-export "Use" markers.
_NOT_LOGIC = ("Comment", "Description", "RevisionNote", "AdditionalHelpText", "CustomProperties")
# Controller attributes about the project file, not the controller's behaviour: meta, not config.
_CONTROLLER_META = ("ProjectCreationDate", "LastModifiedDate", "Use", "CommPath", "ProjectSN")
_TAG_ATTRIBUTES = (
    ("TagType", "tag_type"),
    ("DataType", "data_type"),
    ("Dimensions", "dimensions"),
    ("Radix", "radix"),
    ("AliasFor", "alias_for"),
    ("Usage", "usage"),
    ("Class", "class"),
    ("OpcUaAccess", "opcua_access"),
)


def sniff(name: str, head: bytes) -> bool:
    return root_name(head) == "RSLogix5000Content"


def parse(data: bytes) -> Parsed:
    root = parse_xml(data)
    if root.tag != "RSLogix5000Content":
        raise ParseError(
            f"not an L5X export: the root element is <{local(root.tag)}>, not <RSLogix5000Content>"
        )
    controller = root.find("Controller")
    if controller is None:
        raise ParseError("L5X export without a <Controller> element")
    name = controller.get("Name")
    if not name:
        raise ParseError(f"the <Controller> at line {controller.sourceline} has no Name")
    tags: dict[str, Any] = {}
    values: dict[str, Any] = {}
    _tags(controller.find("Tags"), "", "controller", tags, values)
    programs = {}
    for program in controller.iterfind("Programs/Program"):
        program_name = _name(program)
        programs[program_name] = _program(program)
        _tags(program.find("Tags"), f"Program:{program_name}.", f"program:{program_name}", tags, values)
    config = {
        "controller": _controller(controller, name),
        "data_types": {_name(t): _data_type(t) for t in controller.iterfind("DataTypes/DataType")},
        "add_on_instructions": {
            _name(aoi): {
                "revision": aoi.get("Revision"),
                "class": aoi.get("Class"),
                "sha256": fingerprint(aoi, _NOT_LOGIC),
            }
            for aoi in controller.iterfind("AddOnInstructionDefinitions/AddOnInstructionDefinition")
        },
        "modules": {_name(m): _module(m) for m in controller.iterfind("Modules/Module")},
        "tags": tags,
        "programs": programs,
        "tasks": {_name(task): _task(task) for task in controller.iterfind("Tasks/Task")},
    }
    meta = {
        "software_revision": root.get("SoftwareRevision"),
        "target_type": root.get("TargetType"),
        "export_date": root.get("ExportDate"),
        "firmware": config["controller"]["revision"],
        **{key: controller.get(key) for key in _CONTROLLER_META if controller.get(key) is not None},
    }
    return Parsed(kind=KIND, config=config, volatile={"tag_values": values}, meta=meta)


def routine_checksum(routine: etree._Element) -> str:
    """SHA-256 of a routine's logic, normalised: comments and descriptions left out, blanks collapsed."""
    return fingerprint(routine, _NOT_LOGIC)


def _controller(controller: etree._Element, name: str) -> dict[str, Any]:
    settings = {
        key: value
        for key, value in controller.attrib.items()
        if key not in (*_CONTROLLER_META, "Name", "ProcessorType", "MajorRev", "MinorRev")
    }
    result: dict[str, Any] = {
        "name": name,
        "processor_type": controller.get("ProcessorType"),
        "revision": _revision(controller.get("MajorRev"), controller.get("MinorRev")),
        "settings": settings,
    }
    for element, key in (
        ("Security", "security"),
        ("SafetyInfo", "safety"),
        ("RedundancyInfo", "redundancy"),
    ):
        found = controller.find(element)
        if found is not None:
            result[key] = dict(found.attrib)
    ports = {
        port.get("Port", ""): dict(port.attrib) for port in controller.iterfind("EthernetPorts/EthernetPort")
    }
    if ports:
        result["ethernet_ports"] = ports
    return result


def _module(module: etree._Element) -> dict[str, Any]:
    keying = module.find("EKey")
    return {
        "catalog_number": module.get("CatalogNumber"),
        "vendor": module.get("Vendor"),
        "product_type": module.get("ProductType"),
        "product_code": module.get("ProductCode"),
        "revision": _revision(module.get("Major"), module.get("Minor")),
        "keying": keying.get("State") if keying is not None else None,
        "parent": module.get("ParentModule"),
        "parent_port": module.get("ParentModPortId"),
        "inhibited": _bool(module.get("Inhibited")),
        "major_fault": _bool(module.get("MajorFault")),
        "safety_enabled": _bool(module.get("SafetyEnabled")),
        "ports": {
            port.get("Id", ""): {
                "type": port.get("Type"),
                "address": port.get("Address"),
                "upstream": _bool(port.get("Upstream")),
            }
            for port in module.iterfind("Ports/Port")
        },
    }


def _tags(
    container: etree._Element | None, prefix: str, scope: str, tags: dict[str, Any], values: dict[str, Any]
) -> None:
    if container is None:
        return
    for tag in container.iterfind("Tag"):
        key = prefix + _name(tag)
        if key in tags:
            raise ParseError(f"tag {key} is defined twice (second at line {tag.sourceline})")
        entry: dict[str, Any] = {
            "scope": scope,
            "external_access": tag.get("ExternalAccess"),
            "constant": _bool(tag.get("Constant")),
        }
        for attribute, name in _TAG_ATTRIBUTES:
            if tag.get(attribute) is not None:
                entry[name] = tag.get(attribute)
        tags[key] = entry
        value = _tag_value(tag)
        if value is None:
            continue
        if entry["constant"]:
            entry["value"] = value  # a constant is a setting: it cannot change in operation
            continue
        preset = _presets(tag.get("DataType") or "", value)
        if preset:
            entry["preset"] = preset  # a timer's or counter's preset is set by the engineer, its count is not
        values[key] = value


# Members of the built-in structures that are settings (the rest, accumulators and status bits, move in
# operation): a timer's or counter's preset, a control's length.
_SETTING_MEMBERS = {"TIMER": ("PRE",), "COUNTER": ("PRE",), "CONTROL": ("LEN",), "FBD_TIMER": ("PRE",)}


def _presets(data_type: str, value: Any) -> Any:
    members = _SETTING_MEMBERS.get(data_type.upper())
    if not members:
        return None
    if isinstance(value, dict):
        return {m: value[m] for m in members if m in value} or None
    if isinstance(value, list):  # an array of timers
        found = [_presets(data_type, item) for item in value]
        return found if any(found) else None
    return None


def _tag_value(tag: etree._Element) -> Any:
    decorated = tag.find("Data[@Format='Decorated']")
    if decorated is not None and len(decorated):
        return decorated_value(decorated[0])
    l5k = tag.find("Data[@Format='L5K']")
    if l5k is not None and (l5k.text or "").strip():
        return (l5k.text or "").strip()
    return None


def decorated_value(element: etree._Element) -> Any:
    """A Decorated data value as JSON: a scalar's Value, a structure's members by name, an array's elements."""
    name = element.tag
    if name in ("DataValue", "DataValueMember", "Element") and "Value" in element.attrib:
        return element.get("Value")
    if name in ("Array", "ArrayMember"):
        return [decorated_value(item) for item in element]
    if name in ("Structure", "StructureMember", "Element"):
        return {item.get("Name") or item.get("Index", ""): decorated_value(item) for item in element}
    return (element.text or "").strip() if not len(element) else [decorated_value(item) for item in element]


def _data_type(data_type: etree._Element) -> dict[str, Any]:
    return {
        "family": data_type.get("Family"),
        "class": data_type.get("Class"),
        # member order is the memory layout, so it stays a list
        "members": [
            {key: value for key, value in member.attrib.items()}
            for member in data_type.iterfind("Members/Member")
        ],
    }


def _program(program: etree._Element) -> dict[str, Any]:
    return {
        "type": program.get("Type"),
        "class": program.get("Class"),
        "main_routine": program.get("MainRoutineName"),
        "fault_routine": program.get("FaultRoutineName"),
        "disabled": _bool(program.get("Disabled")),
        "test_edits": _bool(program.get("TestEdits")),
        "routines": {
            _name(routine): {"type": routine.get("Type"), "sha256": routine_checksum(routine)}
            for routine in program.iterfind("Routines/Routine")
        },
    }


def _task(task: etree._Element) -> dict[str, Any]:
    return {
        "type": task.get("Type"),
        "priority": task.get("Priority"),
        "rate": task.get("Rate"),
        "watchdog": task.get("Watchdog"),
        "inhibited": _bool(task.get("InhibitTask")),
        "disable_update_outputs": _bool(task.get("DisableUpdateOutputs")),
        # the order programs are scheduled in is the order they run in
        "programs": [p.get("Name") for p in task.iterfind("ScheduledPrograms/ScheduledProgram")],
    }


def _name(element: etree._Element) -> str:
    name = element.get("Name")
    if not name:
        raise ParseError(f"<{element.tag}> at line {element.sourceline} has no Name")
    return name


def _revision(major: str | None, minor: str | None) -> str | None:
    if major is None:
        return None
    return f"{major}.{minor or 0}"


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in ("true", "1")
