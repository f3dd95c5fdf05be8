"""DNP3 device profiles in XML (IEEE 1815 Device Profile, DNP3DeviceProfileDocument).

A profile describes, per parameter, what a device can do (``capabilities``) and what it is set to
(``currentValue``). Only the current values are configuration: ``config["parameters"]`` holds them by section
(DeviceConfig, NetworkConfig, LinkConfig, … and the Database groups) and parameter name, and
``config["points"]`` the point lists by type and index (name, event class, scaling, deadband, supported
controls). A profile carries no process values, so nothing is volatile. The reference device is read (the
profile of the device itself); when a file holds none, the first auxiliary device is.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from otcsms.configs.parsers import Parsed, ParseError
from otcsms.configs.parsers.safexml import local, namespace, parse_xml, root_name

KIND = "dnp3-device-profile"
LABEL = "DNP3 device profile (IEEE 1815 XML)"

_ROOT = "DNP3DeviceProfileDocument"
_IDENTITY = ("vendorName", "deviceName", "hardwareVersion", "softwareVersion")


def sniff(name: str, head: bytes) -> bool:
    return root_name(head) == _ROOT


def parse(data: bytes) -> Parsed:
    root = parse_xml(data)
    if local(root.tag) != _ROOT:
        raise ParseError(f"not a DNP3 device profile: the root element is <{local(root.tag)}>, not <{_ROOT}>")
    ns = namespace(root)
    device = root.find(f"{ns}ReferenceDevice")
    if device is None:
        device = root.find(f"{ns}AuxiliaryInfo")
    if device is None:
        raise ParseError("DNP3 device profile without a <ReferenceDevice>")
    parameters: dict[str, Any] = {}
    for container in ("Configuration", "Database"):
        for section in device.iterfind(f"{ns}{container}/*"):
            values = _section(section, ns)
            if values:
                parameters[local(section.tag)] = values
    points: dict[str, Any] = {}
    for group in device.iterfind(f"{ns}DataPointsList/*"):
        found = _points(group, ns)
        if found:
            points[local(group.tag)] = found
    device_config = parameters.get("DeviceConfig", {})
    meta = {key: device_config[key] for key in _IDENTITY if key in device_config}
    meta["schema_version"] = root.get("schemaVersion")
    header_name = root.findtext(f"{ns}DocumentHeader/{ns}documentName")
    if header_name:
        meta["document"] = header_name.strip()
    return Parsed(kind=KIND, config={"parameters": parameters, "points": points}, meta=meta)


def current_value(element: etree._Element) -> Any:
    """A ``<currentValue>`` as JSON: ``<value>x</value>`` -> "x", an enumerated choice (``<outstation/>``)
    -> its name, a choice with a number (``<fixed>5000</fixed>``) -> {"fixed": "5000"}, repeated children a
    list, attributes kept."""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        text = (element.text or "").strip()
        if element.attrib:
            return {**element.attrib, **({"value": text} if text else {})}
        return text
    if len(children) == 1:
        only = children[0]
        name, inner = local(only.tag), current_value(only)
        if name in ("value", "address"):
            return inner
        return name if inner in ("", {}) else {name: inner}
    if len({child.tag for child in children}) == 1:
        return [current_value(child) for child in children]
    return {local(child.tag): current_value(child) for child in children}


def _section(section: etree._Element, ns: str) -> dict[str, Any]:
    values = {}
    for parameter in section:
        found = parameter.find(f"{ns}currentValue") if isinstance(parameter.tag, str) else None
        if found is not None:
            values[local(parameter.tag)] = current_value(found)
    return values


def _points(group: etree._Element, ns: str) -> dict[str, Any]:
    points: dict[str, Any] = {}
    for point in group.iter():
        index_element = point.find(f"{ns}index") if isinstance(point.tag, str) else None
        if index_element is None:
            continue
        index = (index_element.text or "").strip()
        if not index.isdigit():
            raise ParseError(
                f"{local(point.tag)} at line {point.sourceline}: index {index!r} is not a number"
            )
        if index in points:
            raise ParseError(
                f"{local(group.tag)}: index {index} appears twice (second at line {point.sourceline})"
            )
        points[index] = {
            local(child.tag): current_value(child) if len(child) else (child.text or "").strip()
            for child in point
            if isinstance(child.tag, str) and child is not index_element
        }
    return points
